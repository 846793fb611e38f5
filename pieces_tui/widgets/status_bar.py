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
        label, colour = self.STATE_LABELS.get(self.state, (self.state, "$foreground"))
        state = Content.styled(label, f"bold {colour}")
        if self.detail:
            state += Content.styled(f" ({clean_line(self.detail)})", "dim")
        parts = [Content.styled("pieces-tui", "bold")]
        if self.marked:  # before the source, so that it shows at 80 columns
            parts.append(Content.styled(f"✓ {self.marked:,} marked", "bold $text-accent"))
        if self.activity:
            parts.append(Content.styled(clean_line(self.activity), "$text-warning"))
        parts += [Content(clean_line(self.source)), state]
        if self.count is not None:
            noun = "conversation" if self.count == 1 else "conversations"
            text = f"{self.count:,} {noun}"
            if self.filtered is not None:
                text = f"{self.filtered:,} of {text}"
            parts.append(Content(text))
        return Content(" · ").join(parts)
