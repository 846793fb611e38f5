"""What went wrong with Pieces OS, in one line a person can act on (no Textual).

Every text here says what failed, why, and what to try, in one line; it never names an exception
class and never repeats the address (the status bar shows it). The technical detail (the error's
own text, the URL) goes to the log, where `log_detail` puts it.

`LoadProblem` is the state of the bulk load when it keeps failing: the UI shows it instead of
"Loading conversations…" and says that it retries by itself. `LoadTroubles` keeps it: failures
counted in a row, told again once the server's version is known.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pieces_tui.client.compat import TESTED_RANGE
from pieces_tui.client.errors import (
    PiecesError,
    PiecesUnavailable,
    ProtocolError,
    ServerError,
    SignedOut,
    UpdateRequired,
)

__all__ = ["LoadProblem", "LoadTroubles", "human_error", "log_detail", "sentence", "why"]

log = logging.getLogger(__name__)

_WAITED = re.compile(r"did not answer .* within (\d+(?:\.\d+)?) s")
"""How the client words a timeout (`PiecesUnavailable`): the wait is worth repeating."""

_MAX_REASON = 160
"""Characters of a server's own reason shown at most (the log has all of it)."""


def why(error: PiecesError, *, version: str | None = None) -> str:
    """Why a request failed and what to try, as one sentence (no address, no class name)."""
    if isinstance(error, SignedOut):
        return SignedOut.notice
    if isinstance(error, UpdateRequired):
        if version:
            return (
                f"Pieces OS {_squash(version)[:40]} needs an update before it can answer "
                f"(pieces-tui was tested with {TESTED_RANGE}): update it from the Pieces "
                "desktop app."
            )
        return UpdateRequired.notice
    if isinstance(error, PiecesUnavailable):
        waited = _WAITED.search(str(error))
        if waited is not None:
            return (
                f"Pieces OS did not answer within {waited.group(1)} s (busy or stuck): "
                "try again, or restart it."
            )
        return "cannot reach Pieces OS (nothing answers there): check that it is running."
    if isinstance(error, ServerError):
        reason = _first_line(error.text)
        if reason:
            return f"Pieces OS answered {error.status}: {reason}"
        return f"Pieces OS answered {error.status} with no reason: try again later."
    if isinstance(error, ProtocolError):
        return (
            "the answer is not Pieces OS's API (a web page, or another program on that port): "
            "check the address."
        )
    return "an unexpected error: see the log."


def sentence(text: str) -> str:
    """`text` with its first letter capitalised, to stand alone."""
    return text[:1].upper() + text[1:]


def human_error(what: str, error: PiecesError, *, version: str | None = None) -> str:
    """ "Could not load the conversations: Pieces OS answered 503: the database is damaged…"."""
    return f"{what}: {why(error, version=version)}"


def log_detail(what: str, error: PiecesError, url: str | None = None) -> None:
    """The technical side of `human_error`, for the app's log."""
    log.warning("%s (%s): %s: %s", what, url or "?", type(error).__name__, error)


def _squash(text: str) -> str:
    """Whitespace runs as one space (the UI cleans control characters when it shows it)."""
    return " ".join(text.split())


def _first_line(text: str) -> str:
    line = _squash(text.strip().splitlines()[0] if text.strip() else "")
    if len(line) > _MAX_REASON:
        line = line[: _MAX_REASON - 1] + "…"
    return line


@dataclass(frozen=True)
class LoadProblem:
    """The bulk load failed `failures` times in a row; `text` says why and what to try."""

    text: str
    failures: int = 1
    signed_out: bool = False

    @property
    def message(self) -> str:
        """The whole line the UI shows in place of "Loading conversations…"."""
        if self.signed_out:
            return f"{self.text} Trying again by itself…"
        return f"{self.text} Trying again by itself (attempt {self.failures})…"


class LoadTroubles:
    """How the bulk load is going wrong, if it is. Each call returns the `LoadProblem` to show
    when what to show changed, and None when it did not."""

    def __init__(self) -> None:
        self.problem: LoadProblem | None = None
        """What the UI shows now; None while the load is not failing."""
        self.version: str | None = None
        """What the server says its version is (None until asked)."""
        self._failures = 0
        self._error: PiecesError | None = None

    def failed(self, error: PiecesError) -> LoadProblem | None:
        """The load failed again (being signed out is not a failure counted: nothing to retry)."""
        self._error = error
        if not isinstance(error, SignedOut):
            self._failures += 1
        return self._tell(error)

    def version_known(self, version: str) -> LoadProblem | None:
        """The version check answered. A load that failed before it did is told again, now
        with the version (a 593's words name both), instead of at the next attempt."""
        self.version = version
        return None if self._error is None else self._tell(self._error)

    def loaded(self) -> bool:
        """The load succeeded: True when a problem was shown (the UI clears it)."""
        shown = self.problem is not None
        self.problem = self._error = None
        self._failures = 0
        return shown

    def _tell(self, error: PiecesError) -> LoadProblem | None:
        signed_out = isinstance(error, SignedOut)
        if signed_out:
            text = why(error)
        else:
            text = human_error("Could not load the conversations", error, version=self.version)
        problem = LoadProblem(text, max(1, self._failures), signed_out=signed_out)
        if problem == self.problem:
            return None
        self.problem = problem
        return problem
