"""The pane's loading indicator: Textual's, repainting only the line its dots are on, and only
once a load has lasted `DOTS_DELAY`."""

from __future__ import annotations

from time import time

from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Region
from textual.widgets import LoadingIndicator

__all__ = ["DOTS_DELAY", "DotsIndicator"]

DOTS_DELAY = 0.15
"""Seconds an indicator stays a plain blank cover before its dots show and start to move. Most
openings are built within it, so their indicator never animates: during a burst of live
changes, each key down the list opened a conversation whose dots repainted 16 times a second
for the few hundred ms of its load, frames the key's own paint waited behind."""


class DotsIndicator(LoadingIndicator):
    """Looks exactly like `LoadingIndicator` (five dots in the middle of the pane) once
    `DOTS_DELAY` has passed; a blank cover before. Textual's repaints all of it 16 times a
    second, every line of the pane, which took a good part of the event loop while a
    conversation was being built underneath (~15 ms a frame at load 4); this one repaints the
    few lines around its dots (the rest stays blank), and not at all during the delay."""

    def __init__(self, delay: float = DOTS_DELAY) -> None:
        super().__init__()
        self.delay = delay
        """Seconds from its mount to its dots (`DOTS_DELAY` unless a test says otherwise)."""

    def render(self) -> RenderResult:
        if self._waiting():
            return Text("")
        return super().render()

    def automatic_refresh(self) -> None:
        if not self.is_on_screen or self._waiting():
            return
        width, height = self.size
        if height <= 3:
            self.refresh()
            return
        middle = (height - 1) // 2  # `content-align: center middle` puts one line there
        self.refresh(Region(0, middle - 1, width, 3))

    def _waiting(self) -> bool:
        """Still within `delay` of being mounted (Textual notes `_start_time` then)."""
        return time() - self._start_time < self.delay
