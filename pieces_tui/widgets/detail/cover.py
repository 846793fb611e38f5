"""The pane's loading cover, put on only when it is needed: when the pane is about to change
under it, or once a load has lasted `DOTS_DELAY`.

Textual covers a widget the moment its `loading` turns true, and each cover on and off is a
layout of the screen and a repaint of the pane. An opening that is fetched and built within the
delay showed nothing but a blank cover for it (`DotsIndicator` keeps its dots back that long),
yet paid for it: during a burst of live changes, with a key down the list every 0.1 s, each key
opened a conversation, and the cover going on and off for each was the largest part of the
frames the keys waited behind. Here `loading` still turns true at once (the pane is disabled,
its window paused, and what waits for `not loading` still waits), but the old contents stay on
show, as they are, until the first change the new conversation makes to them (`cover_now`,
which the pane calls before it changes anything under the cover) or until `DOTS_DELAY` has
passed. A load cancelled before then (the highlight moved on) never covers the pane at all. What
the cover uncovers is unchanged: the new conversation, once built (the one loading look).
"""

from __future__ import annotations

from time import monotonic

from textual.timer import Timer
from textual.widget import Widget

__all__ = ["LateCover"]


class LateCover(Widget):
    """A widget whose loading cover waits (see the module). A mixin: list it after the
    widget's own bases (Textual reads default CSS along the first base only)."""

    _cover_timer: Timer | None = None
    _loading_since: float | None = None
    """When `loading` last turned true (`time.monotonic`), while it is true and uncovered."""

    def set_loading(self, loading: bool) -> None:
        if self._cover_timer is not None:
            self._cover_timer.stop()
            self._cover_timer = None
        if loading and self._cover_widget is None and self.is_mounted:
            from pieces_tui.widgets.detail.loading import DOTS_DELAY

            self._loading_since = monotonic()
            self._cover_timer = self.set_timer(DOTS_DELAY, self.cover_now)
            return
        self._loading_since = None
        super().set_loading(loading)

    @property
    def covered(self) -> bool:
        """Whether the loading cover is on (it may be late: see the module)."""
        return self._cover_widget is not None

    def cover_now(self) -> None:
        """Put the cover on now if the widget is loading and it is not on yet."""
        if self._cover_timer is not None:
            self._cover_timer.stop()
            self._cover_timer = None
        if self.loading and self._cover_widget is None:
            super().set_loading(True)  # its dots show `DOTS_DELAY` after `loading` turned true
        self._loading_since = None

    def get_loading_widget(self) -> Widget:
        from pieces_tui.widgets.detail.loading import DOTS_DELAY, DotsIndicator

        since = self._loading_since
        if since is None:
            return DotsIndicator()
        return DotsIndicator(delay=max(0.0, DOTS_DELAY - (monotonic() - since)))
