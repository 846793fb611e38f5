"""The pane's loading indicator: Textual's, repainting only the line its dots are on."""

from __future__ import annotations

from textual.geometry import Region
from textual.widgets import LoadingIndicator

__all__ = ["DotsIndicator"]


class DotsIndicator(LoadingIndicator):
    """Looks exactly like `LoadingIndicator` (five dots in the middle of the pane). Textual's
    repaints all of it 16 times a second, every line of the pane, which took a good part of the
    event loop while a conversation was being built underneath (~15 ms a frame at load 4); this
    one repaints the few lines around its dots (the rest stays blank)."""

    def automatic_refresh(self) -> None:
        if not self.is_on_screen:
            return
        width, height = self.size
        if height <= 3:
            self.refresh()
            return
        middle = (height - 1) // 2  # `content-align: center middle` puts one line there
        self.refresh(Region(0, middle - 1, width, 3))
