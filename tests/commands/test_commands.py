"""`pieces-tui list | show | export` as a user runs them: the real executable in a subprocess,
against the embedded server on a free loopback port."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pieces_tui.server import EmbeddedServer
from pieces_tui.server.demo import stable_id
from tests.commands.conftest import (
    EXECUTABLE,
    TIMEOUT,
    clean_env,
    run_cli,
    run_cli_on_a_terminal,
)

RETRY = stable_id("conversation", "py-retry")
DEBOUNCE = stable_id("conversation", "ts-debounce")
GOLDEN = Path(__file__).parent.parent / "export" / "golden"


def test_list_piped_is_tab_separated_newest_first(demo_server: EmbeddedServer) -> None:
    result = run_cli("list", "--url", demo_server.url)
    assert (result.code, result.err) == (0, "")
    rows = [line.split("\t") for line in result.out.splitlines()]
    assert len(rows) == 30 and all(len(row) == 5 for row in rows)
    assert rows[0] == [
        RETRY,
        "2026-11-20T09:00:00Z",
        "4",
        "",
        "Retry with exponential backoff in Python",
    ]
    assert rows[1][0] == DEBOUNCE and rows[1][3] == "*"  # a favorite
    updated = [row[1] for row in rows]
    assert updated == sorted(updated, reverse=True)
    assert "\x1b" not in result.out


def test_list_on_a_terminal_is_an_aligned_table(demo_server: EmbeddedServer) -> None:
    result = run_cli_on_a_terminal("list", "--url", demo_server.url, "--limit", "3", columns=100)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "UPDATED", "MSGS", "FAV", "NAME"]
    assert len(lines) == 4
    assert lines[1].startswith(f"{RETRY}  2026-11-20 09:00     4       Retry with")
    assert "★" in lines[2]
    name_column = lines[0].index("NAME")
    assert all(line[name_column - 2 : name_column] == "  " for line in lines)
    assert all(len(line) <= 100 for line in lines)  # names cut to the terminal's width
    assert "\x1b" not in result.out


def test_list_ndjson_and_json(demo_server: EmbeddedServer) -> None:
    ndjson = run_cli("list", "--ndjson", "--limit", "5", "--url", demo_server.url)
    assert ndjson.code == 0
    objects = [json.loads(line) for line in ndjson.out.splitlines()]
    assert len(objects) == 5
    assert objects[0] == {
        "id": RETRY,
        "name": "Retry with exponential backoff in Python",
        "created": "2026-11-20T08:51:00Z",
        "updated": "2026-11-20T09:00:00Z",
        "messages": 4,
        "favorited": False,
        "model": "gpt-4o",
    }
    array = run_cli("list", "--json", "--favorites", "--url", demo_server.url)
    assert array.code == 0
    favorites = json.loads(array.out)
    assert favorites and all(o["favorited"] for o in favorites)
    assert favorites[0]["id"] == DEBOUNCE


def test_list_uses_pieces_os_url_from_the_environment(demo_server: EmbeddedServer) -> None:
    result = run_cli("list", "--limit", "1", env=clean_env(PIECES_OS_URL=demo_server.url))
    assert result.code == 0 and result.out.startswith(RETRY)


def test_list_never_prints_control_characters(server: EmbeddedServer) -> None:
    from pieces_tui.client import PiecesClient

    hostile = "evil\x1b]0;pwned\x07\x1b[2J name\twith\ttabs\nand\u202e lines"

    async def create() -> None:
        async with PiecesClient(server.url) as client:
            await client.create_conversation(hostile)

    asyncio.run(create())
    piped = run_cli("list", "--url", server.url)
    assert piped.code == 0
    assert piped.out.split("\t")[-1] == "evil name with tabs and lines\n"
    on_terminal = run_cli_on_a_terminal("list", "--url", server.url)
    assert "evil name with tabs and lines" in on_terminal.out
    as_json = run_cli("list", "--ndjson", "--url", server.url)
    for out in (piped.out, on_terminal.out, as_json.out):
        assert not any(c in out for c in "\x1b\x07\u202e")
    assert json.loads(as_json.out)["name"] == hostile  # kept exactly, as escapes


def test_show_prints_markdown_as_the_export_does(demo_server: EmbeddedServer) -> None:
    result = run_cli("show", RETRY, "--url", demo_server.url)
    assert (result.code, result.err) == (0, "")
    assert result.out == (GOLDEN / "retry.md").read_text(encoding="utf-8")


def test_show_json(demo_server: EmbeddedServer) -> None:
    result = run_cli("show", RETRY, "--format", "json", "--url", demo_server.url)
    assert result.code == 0
    document = json.loads(result.out)
    assert document["conversation"]["id"] == RETRY
    assert len(document["messages"]["iterable"]) == 4


def test_export_writes_files_and_prints_their_paths(
    demo_server: EmbeddedServer, tmp_path: Path
) -> None:
    out = tmp_path / "exports"
    result = run_cli("export", RETRY, DEBOUNCE, "-o", str(out), "--url", demo_server.url)
    assert (result.code, result.err) == (0, "")
    written = [Path(line) for line in result.out.splitlines()]
    assert [p.name for p in written] == [
        "Retry with exponential backoff in Python.md",
        "Typed debounce hook for React.md",
    ]
    assert written[0].read_text(encoding="utf-8") == (GOLDEN / "retry.md").read_text(
        encoding="utf-8"
    )
    again = run_cli("export", RETRY, "--format", "json", "-o", str(out), "--url", demo_server.url)
    twice = run_cli("export", RETRY, "--format", "json", "-o", str(out), "--url", demo_server.url)
    assert Path(again.out.strip()).name == "Retry with exponential backoff in Python.json"
    assert Path(twice.out.strip()).name == "Retry with exponential backoff in Python (2).json"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [p.name for p in written] + [Path(again.out.strip()).name, Path(twice.out.strip()).name]
    )


def test_export_defaults_to_the_current_folder(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    result = run_cli("export", RETRY, "--url", demo_server.url, cwd=tmp_path)
    assert result.code == 0
    assert (tmp_path / "Retry with exponential backoff in Python.md").is_file()


# -- errors: one line on stderr, the documented exit code, never a traceback -----------------


def one_line_error(result_err: str, prog: str) -> str:
    lines = result_err.splitlines()
    assert len(lines) == 1, result_err
    assert lines[0].startswith(f"pieces-tui {prog}: error: ")
    assert "Traceback" not in result_err
    return lines[0]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["show", "no-such-id"], 1, "no conversation with id 'no-such-id'"),
        (["export", "no-such-id"], 1, "no conversation with id 'no-such-id'"),
        (["list", "--limit", "0"], 2, "--limit: must be 1 or more"),
        (["list", "--limit", "many"], 2, "not a whole number"),
        (["list", "--json", "--ndjson"], 2, "not allowed with argument"),
        (["list", "--colour"], 2, "unrecognized arguments: --colour"),
        (["show", RETRY, "--format", "pdf"], 2, "invalid choice: 'pdf'"),
        (["show"], 2, "the following arguments are required: id"),
        (["export"], 2, "the following arguments are required: ID"),
    ],
)
def test_error_paths(demo_server: EmbeddedServer, args: list[str], code: int, says: str) -> None:
    result = run_cli(*args, "--url", demo_server.url)
    assert result.code == code
    assert says in one_line_error(result.err, args[0])
    assert result.out == ""


@pytest.mark.parametrize("command", [["list"], ["show", RETRY], ["export", RETRY]])
def test_unreachable_pieces_os(command: list[str], closed_port_url: str, tmp_path: Path) -> None:
    result = run_cli(*command, "--url", closed_port_url, cwd=tmp_path)
    assert result.code == 3
    assert f"cannot reach Pieces OS at {closed_port_url}" in one_line_error(result.err, command[0])
    assert list(tmp_path.iterdir()) == []


def test_a_bad_url_is_bad_input() -> None:
    result = run_cli("list", "--url", "ftp://127.0.0.1:1")
    assert result.code == 2
    assert "--url must start with http:// or https://" in one_line_error(result.err, "list")


def test_export_into_a_file_is_a_write_error(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("", encoding="utf-8")
    result = run_cli("export", RETRY, "-o", str(target), "--url", demo_server.url)
    assert result.code == 5
    assert "not a folder" in one_line_error(result.err, "export")


def test_export_goes_on_after_a_missing_id(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    result = run_cli("export", "gone", RETRY, "-o", str(tmp_path), "--url", demo_server.url)
    assert result.code == 1
    assert "no conversation with id 'gone'" in one_line_error(result.err, "export")
    assert [Path(p).name for p in result.out.splitlines()] == [
        "Retry with exponential backoff in Python.md"
    ]


def test_help_documents_the_exit_codes() -> None:
    for command in ("list", "show", "export", "search"):
        result = run_cli(command, "--help")
        assert result.code == 0
        for line in ("1    not found", "2    bad input", "3    Pieces OS unreachable"):
            assert line in result.out


async def test_server_errors_are_exit_code_4(demo_server: EmbeddedServer) -> None:
    # A healthy server cannot be made to answer 500 or garbage: the fault proxy does it.
    from tests.faults.proxy import FaultProxy

    async with FaultProxy(upstream_port=demo_server.port) as proxy:
        proxy.fail("GET", "/conversations", status=500, body="database is locked\nat line 3")
        proxy.fail("GET", f"/conversation/{RETRY}", status=200, body="<html>not json</html>")
        for args, says in [
            (["list"], "Pieces OS answered 500: database is locked at line 3"),
            (["show", RETRY], "did not answer JSON"),
        ]:
            process = await asyncio.create_subprocess_exec(
                str(EXECUTABLE),
                *args,
                "--url",
                proxy.url,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                stdin=asyncio.subprocess.DEVNULL,
                env=clean_env(),
            )
            out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
            assert process.returncode == 4, err
            assert says in one_line_error(err.decode(), args[0])
            assert out == b""
