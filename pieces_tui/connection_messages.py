"""What the connection tells the UI: the messages it posts, and the words for a stream state.

`StoreChanged` (bursts collapse; `Connection.take_changes()` returns the `Changes`),
`ConnectionChanged`, `LoadTrouble` go to the main screen; `ConnectionLost` and `ServerNotice` to
the app. `pieces_tui.connection` re-exports them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from pieces_tui.state.problems import LoadProblem

if TYPE_CHECKING:  # stream.py loads websockets: not before the first frame
    from pieces_tui.client import StreamState

__all__ = [
    "Changes",
    "ConnectionChanged",
    "ConnectionLost",
    "LoadTrouble",
    "ServerNotice",
    "StoreChanged",
    "stream_words",
]


@dataclass(frozen=True)
class Changes:
    """Every id the store added, updated or removed since the last `take_changes()`, in the
    order they were first touched. Read each one's current state from the store."""

    ids: tuple[str, ...] = ()
    removed: frozenset[str] = frozenset()
    """The ids among `ids` whose last change was a removal."""
    loaded: bool = False
    """True when a complete bulk load landed meanwhile (the list can be shown as final)."""


class StoreChanged(Message):
    """The store changed; `Connection.take_changes()` says how. Consecutive ones collapse."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreChanged)


class ConnectionChanged(Message):
    """Where we are connected, and whether the live stream is up."""

    def __init__(self, state: str, detail: str = "", source: str | None = None) -> None:
        super().__init__()
        self.state = state
        """"connecting", "syncing" (showing the saved list, not yet the server's), "live",
        "reconnecting" or "offline"."""
        self.detail = detail
        self.source = source
        """What we are connected to (None: unchanged)."""


class ConnectionLost(Message):
    """No server answered; `reason` says why. The app offers choices (retry, URL, demo).

    `title`: the headline ("Pieces OS is not running" only when nothing answered at all);
    `looked_at`: where we looked; `url`: the address that failed, when one was given;
    `rejected`: what answered but was not Pieces OS, one line each ("127.0.0.1:39300: health
    answers HTML: not Pieces OS"); `choices`: what the user can do, when the cause says (an
    unusable demo database)."""

    def __init__(
        self,
        reason: str,
        looked_at: str,
        *,
        title: str = "Pieces OS is not running",
        url: str | None = None,
        rejected: tuple[str, ...] = (),
        choices: tuple[str, ...] = (),
        retrying: bool = True,
    ) -> None:
        super().__init__()
        self.retrying = retrying
        """False when knocking cannot help (the demo cannot start): only the user can act."""
        self.reason = reason
        self.looked_at = looked_at
        self.title = title
        self.url = url
        self.rejected = rejected
        self.choices = choices


class LoadTrouble(Message):
    """The bulk load keeps failing (`problem`), or it no longer does (`problem` is None)."""

    def __init__(self, problem: LoadProblem | None) -> None:
        super().__init__()
        self.problem = problem


class ServerNotice(Message):
    """(To the app.) What the user should know about the server that does not stop us (a
    version outside the tested range)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def stream_words(state: StreamState) -> tuple[str, str]:
    """The status bar's state and detail for a stream state, honest about what is happening:
    "connecting (attempt 3)" while an open is pending, "reconnecting (next attempt in 2 s)"
    while waiting, "offline" only after several attempts in a row failed to open."""
    if state.status == 401 and state.state != "live":
        return "signed out", ""  # the pane says what to do; the bar keeps room for the count
    if state.state == "connecting":
        return "connecting", f"attempt {state.attempt}" if state.attempt else ""
    if state.state in ("reconnecting", "offline"):
        wait = f"{state.delay:.0f} s" if state.delay >= 1 else "a moment"
        return state.state, f"attempt {state.attempt} in {wait}"
    return state.state, ""
