"""What the UI is told while the bulk load fails: counted in a row, told again with the version."""

from __future__ import annotations

from pieces_tui.client.errors import PiecesUnavailable, SignedOut, UpdateRequired
from pieces_tui.state.problems import LoadTroubles


def test_failures_are_counted_in_a_row_and_a_success_clears_them() -> None:
    troubles = LoadTroubles()
    first = troubles.failed(PiecesUnavailable("refused"))
    assert first is not None and first.failures == 1 and not first.signed_out
    second = troubles.failed(PiecesUnavailable("refused"))
    assert second is not None and second.failures == 2
    assert "attempt 2" in second.message
    assert troubles.problem == second
    assert troubles.loaded()  # a problem was shown: the UI clears it
    assert troubles.problem is None
    assert not troubles.loaded()  # nothing to clear the second time
    again = troubles.failed(PiecesUnavailable("refused"))
    assert again is not None and again.failures == 1


def test_being_signed_out_is_not_counted_as_a_failure() -> None:
    troubles = LoadTroubles()
    problem = troubles.failed(SignedOut(401, ""))
    assert problem is not None and problem.signed_out
    assert "attempt" not in problem.message
    assert troubles.failed(SignedOut(401, "")) is None  # the same thing: nothing new to show


def test_a_failure_before_the_version_is_known_is_told_again_with_it() -> None:
    troubles = LoadTroubles()
    before = troubles.failed(UpdateRequired(593, ""))
    assert before is not None and "11.2.0" not in before.text
    after = troubles.version_known("11.2.0")
    assert after is not None and "11.2.0" in after.text
    assert troubles.version == "11.2.0"


def test_the_version_alone_tells_nothing() -> None:
    troubles = LoadTroubles()
    assert troubles.version_known("12.3.0") is None
    assert troubles.problem is None
