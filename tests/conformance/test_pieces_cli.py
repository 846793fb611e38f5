"""The official `pieces` CLI 1.20.1, unchanged, against the embedded server (a subprocess).

One session (one server, one CLI home) runs the commands in order, as a user would; each test
then checks what that command printed and what the server held after it. Sessions run in a
private network namespace (see session.py), so the CLI's port probe finds only the fixture.
The CLI is slow to start (~5-20 s a command on a loaded 2-core box): the whole module takes a
few minutes, most of it the CLI's own start-up and its 40 s wait after a failed answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pieces_tui.server.routes_os import NO_MODEL
from tests.conformance.fixture import CONVERSATIONS, GENERATED_NAME, RETRY, write_fixture
from tests.conformance.netns import pieces_cli, run_session

# The CLI's start-up dominates (the session runs six commands, one waits 40 s): a wide bound.
# One worker runs them all: the module-scoped CLI session is built once, and the sessions' tmux
# servers share a socket name (pyproject `--dist loadgroup`).
pytestmark = [pytest.mark.timeout(900), pytest.mark.xdist_group("pieces-cli")]

FIRST, SECOND, THIRD = (conv[0] for conv in CONVERSATIONS)
NEW_NAME = "Renamed by pieces-cli"
STEPS = [
    {"args": ["chats"]},
    {"args": ["chat", "1"]},
    {"args": ["chat", "1", "--rename", NEW_NAME]},
    {"args": ["chat", "1", "--rename"]},
    {"args": ["chat", "2", "--delete"], "input": "y\n"},
    # `pieces run`: the interactive loop, fed a script on stdin.
    {"args": ["run"], "input": 'chats\nchat 1\nask "What is jitter?"\nexit\n', "timeout": 300},
]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pieces_cli()  # skip (or fail in CI) before any work when the CLI is absent
    tmp = tmp_path_factory.mktemp("pieces-cli")
    db = write_fixture(tmp / "fixture.db")
    report = run_session(tmp, db, STEPS)
    assert len(report["steps"]) == len(STEPS)
    return report


def step(session: dict[str, Any], index: int) -> dict[str, Any]:
    result: dict[str, Any] = session["steps"][index]
    detail = f"{STEPS[index]['args']}: rc {result['rc']}\n{result['stdout']}\n{result['stderr']}"
    assert result["rc"] == 0, detail
    assert "Traceback" not in result["stdout"] + result["stderr"], detail
    return result


def names(state: list[dict[str, Any]]) -> dict[str, str | None]:
    return {conv["id"]: conv["name"] for conv in state}


def test_chats_lists_every_conversation_newest_first(session: dict[str, Any]) -> None:
    out = step(session, 0)["stdout"]
    lines = [line.strip() for line in out.splitlines()]
    expected = [f"{pos}. {conv[1]}" for pos, conv in enumerate(CONVERSATIONS, 1)]
    assert [line for line in lines if line[:2] in {"1.", "2.", "3."}] == expected
    assert "Exponential backoff with jitter" in out  # the SUMMARY annotation, as its subtitle
    assert session["steps"][0]["state"] == session["before"]


def test_chat_shows_the_messages(session: dict[str, Any]) -> None:
    out = step(session, 1)["stdout"]
    assert "USER:" in out and "ASSISTANT:" in out
    assert "exponential backoff in Python" in out
    assert "decorator" in out


def test_rename_with_a_name(session: dict[str, Any]) -> None:
    result = step(session, 2)
    assert "Renamed the chat successfully" in result["stdout"]
    held = names(result["state"])
    assert held[FIRST] == NEW_NAME
    assert held[SECOND] == CONVERSATIONS[1][1]


def test_rename_without_a_name_generates_one_locally(session: dict[str, Any]) -> None:
    result = step(session, 3)
    assert f"Renamed the chat to {GENERATED_NAME}" in result["stdout"]
    assert RETRY.startswith(GENERATED_NAME)
    assert names(result["state"])[FIRST] == GENERATED_NAME


def test_delete_after_answering_yes(session: dict[str, Any]) -> None:
    result = step(session, 4)
    assert f"delete '{CONVERSATIONS[1][1]}'" in result["stdout"]
    assert "Chat deleted successfully" in result["stdout"]
    assert [conv["id"] for conv in result["state"]] == [FIRST, THIRD]


def test_run_session_lists_opens_and_reports_that_there_is_no_model(
    session: dict[str, Any],
) -> None:
    result = step(session, 5)
    out = result["stdout"]
    assert "PiecesOS Version: 12.3.0-pieces-tui-embedded" in out
    assert f"1. {GENERATED_NAME}" in out and "2. Fixture: slim Docker images" in out
    assert "exponential backoff in Python" in out  # `chat 1`
    assert "has no language model" in " ".join(out.split())  # the FAILED answer, printed
    assert NO_MODEL.startswith("the pieces-tui embedded server has no language model")
    assert "Exiting" in out
    assert [conv["id"] for conv in result["state"]] == [FIRST, THIRD]


def test_the_tui_lists_the_conversations_and_opens_one(tmp_path: Path) -> None:
    from tests.conformance.netns import need_tmux

    cli = pieces_cli()
    need_tmux()
    db = write_fixture(tmp_path / "fixture.db")
    start = {
        "kind": "tmux",
        "start": [cli, "--ignore-onboarding", "tui"],
        "wait_for": ["Fixture: retrying HTTP", "Fixture: bisecting a", "Fixture: slim Docker"],
        "timeout": 180,
    }
    # Focus the chat list (tab from the message input), move to the second chat, open it.
    open_second = {
        "kind": "tmux",
        "keys": ["Tab", "j", "Enter"],
        "wait_for": [
            f"Chat: {CONVERSATIONS[1][1]}",
            "Which commit broke the build?",
            "git bisect run ./test.sh",
        ],
        "timeout": 120,
    }
    report = run_session(tmp_path, db, [start, open_second], tmux_name=f"pc-{tmp_path.name}")
    listed, opened = report["steps"]
    assert listed["found"], listed["screen"]
    assert opened["found"], opened["screen"]
    assert "Pieces CLI - TUI Mode" in opened["screen"]
