"""The whole app under a flooded identifier stream: a 55 MB frame, 200,000 new ids, 200,000
known ids (issue 12). The app runs headless in its own process (so its peak RSS is its own)
against the real embedded server, through a front that serves the hostile stream on the same
port (benchmarks/app_floods.py, which also measures keypress-to-paint). Here only what must
hold on any machine: the app stays under 200 MB, answers every key (within a generous bound:
no latency budget, those figures belong in the benchmark) and ends with the server's rows."""

from __future__ import annotations

import pytest

from benchmarks.app_floods import CONVERSATIONS, run_flood

RSS_BOUND_MB = 200
ANSWER_BOUND_S = 60.0  # a key not painted within this counts as unanswered


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kind", ["huge", "new", "known"])
async def test_the_app_answers_keys_and_stays_bounded_during_a_flood(kind: str) -> None:
    report = await run_flood(kind, seconds=2.0, answer_bound=ANSWER_BOUND_S)
    print(report)
    assert report["frames_sent"] > 0
    assert report["unanswered"] == 0
    assert report["keys_during_flood"]["n"] + report["keys_after_flood"]["n"] > 0
    assert report["peak_mb"] < RSS_BOUND_MB
    assert report["rows"] == CONVERSATIONS
    # Quitting mid-flood leaves no task that failed unseen (a fetch sent after the client
    # closed) and no coroutine never awaited: asyncio would print either on stderr.
    assert report["stderr"] == ""
