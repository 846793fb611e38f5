"""`pieces-tui search` as a user runs it: the real executable in a subprocess, against the
embedded server (demo data) on a free loopback port."""

from __future__ import annotations

import json

from pieces_tui.client import PiecesClient
from pieces_tui.server import EmbeddedServer
from pieces_tui.server.demo import stable_id
from tests.commands.conftest import run_cli, run_cli_on_a_terminal

RETRY = stable_id("conversation", "py-retry")


def test_piped_is_tab_separated_best_first(demo_server: EmbeddedServer) -> None:
    result = run_cli("search", "retry backoff", "--url", demo_server.url)
    assert (result.code, result.err) == (0, "")
    rows = [line.split("\t") for line in result.out.splitlines()]
    assert rows and all(len(row) == 4 for row in rows)
    assert rows[0][0] == RETRY and rows[0][2] == "Retry with exponential backoff in Python"
    scores = [float(row[1]) for row in rows]
    assert scores == sorted(scores, reverse=True)


def test_json_and_ndjson(demo_server: EmbeddedServer) -> None:
    result = run_cli("search", "rust", "--json", "--limit", "2", "--url", demo_server.url)
    assert result.code == 0, result.err
    objects = json.loads(result.out)
    assert len(objects) == 2
    assert set(objects[0]) == {"id", "name", "updated", "similarity", "exact", "snippet"}
    lines = run_cli("search", "rust", "--ndjson", "--limit", "2", "--url", demo_server.url)
    assert [json.loads(line) for line in lines.out.splitlines()] == objects


def test_on_a_terminal_is_a_table_within_the_width(demo_server: EmbeddedServer) -> None:
    result = run_cli_on_a_terminal("search", "rust", "--url", demo_server.url, columns=90)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "SCORE", "NAME", "MATCH"]
    assert len(lines) > 1 and all(len(line) <= 90 for line in lines)
    assert "\x1b" not in result.out


def test_no_match_prints_nothing_and_succeeds(demo_server: EmbeddedServer) -> None:
    result = run_cli("search", "zzzqqqxxy", "--url", demo_server.url)
    assert (result.code, result.out, result.err) == (0, "", "")


async def test_hostile_names_are_cleaned(server: EmbeddedServer) -> None:
    async with PiecesClient(server.url) as client:
        await client.create_conversation("evil \x1b]0;pwned\x07 \x1b[31mname", [("USER", "canary")])
    result = run_cli("search", "canary", "--url", server.url)
    assert result.code == 0, result.err
    assert "\x1b" not in result.out and "\x07" not in result.out
    assert result.out.split("\t")[2] == "evil name"


def test_errors_are_one_line_with_the_documented_code(closed_port_url: str) -> None:
    empty = run_cli("search", "  ", "--url", closed_port_url)
    assert empty.code == 2 and empty.err.count("\n") == 1 and "query is empty" in empty.err
    missing = run_cli("search", "--url", closed_port_url)
    assert missing.code == 2 and missing.err.count("\n") == 1
    down = run_cli("search", "retry", "--url", closed_port_url)
    assert down.code == 3 and down.err.count("\n") == 1
    assert down.err.startswith("pieces-tui search: error: cannot reach Pieces OS")
    assert "Traceback" not in empty.err + missing.err + down.err
