"""`ConversationSummary` is immutable by contract: mypy treats it as frozen, so no code of ours can
assign to a field, while at run time it is a plain slots dataclass (cheap to build in bulk)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pieces_tui.client.summaries import ConversationSummary

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def summary(name: str = "n") -> ConversationSummary:
    return ConversationSummary("a", name, WHEN, WHEN, 1, "COPILOT")


def test_equal_summaries_hash_alike_as_a_frozen_dataclass_would() -> None:
    assert summary() == summary() and hash(summary()) == hash(summary())
    assert summary() != summary("other")
    assert {summary(), summary()} == {summary()}
    assert replace(summary(), name="other") == summary("other")
    assert not hasattr(summary(), "__dict__")  # slots: no stray attributes either


@pytest.mark.timeout(180)
def test_mypy_rejects_assigning_to_a_field(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        textwrap.dedent(
            """
            from datetime import UTC, datetime
            from pieces_tui.client.summaries import ConversationSummary

            when = datetime.now(UTC)
            summary = ConversationSummary("a", "n", when, when, 1, "COPILOT")
            summary.name = "changed"
            """
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), str(probe)],
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "read-only" in result.stdout, result.stdout


def test_it_is_not_frozen_at_run_time_on_purpose() -> None:
    # The documented trade-off (see `_immutable`): a frozen dataclass costs ~2x more to build.
    assert ConversationSummary.__dataclass_params__.frozen is False  # type: ignore[attr-defined]
