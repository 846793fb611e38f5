"""An action run when asked, but at most once per spacing (the main screen's bursts)."""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.message_pump import MessagePump
    from textual.timer import Timer

__all__ = ["Spaced"]


class Spaced:
    """`action` runs when asked (`ask`), at once, or, when it ran less than `spacing` seconds
    ago, once that is up: once however often it was asked meanwhile (what each ask was about,
    the action finds then). A thousand stream events are then one list update per frame, and a
    conversation renamed every few milliseconds one refresh of the pane per settle."""

    def __init__(self, owner: MessagePump, spacing: float, action: Callable[[], None]) -> None:
        self._owner = owner
        self.spacing = spacing
        self._action = action
        self._timer: Timer | None = None
        self._ran_at = float("-inf")

    def ask(self) -> None:
        if self._timer is not None:
            return  # a run is due: it takes this ask too
        wait = self._ran_at + self.spacing - monotonic()
        if wait > 0:
            self._timer = self._owner.set_timer(wait, self._run)
        else:
            self._run()

    def _run(self) -> None:
        self._timer = None
        self._ran_at = monotonic()
        self._action()
