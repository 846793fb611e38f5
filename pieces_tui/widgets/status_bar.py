"""The top bar: where we are connected, whether the live stream is up, how many conversations."""

from __future__ import annotations

from textual.app import RenderResult
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from pieces_tui.sanitize import clean_line


class StatusBar(Widget):
    """Shows `source`, `state` and `count`; the app sets them."""

    source: reactive[str] = reactive("")
    state: reactive[str] = reactive("connecting")
    detail: reactive[str] = reactive("")
    count: reactive[int | None] = reactive(None)
    filtered: reactive[int | None] = reactive(None)
    marked: reactive[int] = reactive(0)
    activity: reactive[str] = reactive("")

    STATE_LABELS = {
        "connecting": ("◌ connecting", "$warning"),
        "syncing": ("● syncing", "$warning"),
        "live": ("● live", "$success"),
        "reconnecting": ("◌ reconnecting", "$warning"),
        "offline": ("✕ offline", "$error"),
        "signed out": ("◌ signed out", "$warning"),
    }

    def render(self) -> RenderResult:
        """The whole bar when it fits; else, in turn, without the state's detail, without the
        app's name, with the address elided, without the address: the count (and the marks,
        the state, an activity) always show."""
        label, colour = self.STATE_LABELS.get(self.state, (self.state, "$foreground"))
        state = Content.styled(label, f"bold {colour}")
        detail = Content.styled(f" ({clean_line(self.detail)})", "dim") if self.detail else None
        source = clean_line(self.source)
        width = self.content_size.width
        candidates = [
            self._line(state, detail, source, brand=True),
            self._line(state, None, source, brand=True),
            self._line(state, None, source, brand=False),
        ]
        for line in candidates:
            if width <= 0 or line.cell_length <= width:
                return line
        bare = self._line(state, None, "", brand=False)
        room = width - bare.cell_length - len(self.SEPARATOR)
        if room >= MIN_SOURCE:
            return self._line(state, None, elide(source, room), brand=False)
        return bare

    SEPARATOR = " · "

    def _line(self, state: Content, detail: Content | None, source: str, *, brand: bool) -> Content:
        parts = [Content.styled("pieces-tui", "bold")] if brand else []
        if self.marked:  # before the source, so that it shows at 80 columns
            parts.append(Content.styled(f"✓ {self.marked:,} marked", "bold $text-accent"))
        if self.activity:
            parts.append(Content.styled(clean_line(self.activity), "$text-warning"))
        if source:
            parts.append(Content(source))
        parts.append(state if detail is None else state + detail)
        if self.count is not None:
            noun = "conversation" if self.count == 1 else "conversations"
            text = f"{self.count:,} {noun}"
            if self.filtered is not None:
                text = f"{self.filtered:,} of {text}"
            parts.append(Content(text))
        return Content(self.SEPARATOR).join(parts)


MIN_SOURCE = 8
"""Fewer columns than this for the address: leave it out rather than show a stub."""


def elide(text: str, width: int) -> str:
    """`text` cut to `width` cells with "…" in the middle (an address keeps its port)."""
    if Content(text).cell_length <= width:
        return text
    tail = (width - 1) // 2
    head = width - 1 - tail
    return f"{text[:head]}…{text[len(text) - tail :]}" if tail else text[: width - 1] + "…"
