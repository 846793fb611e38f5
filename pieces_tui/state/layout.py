"""How wide the sidebar is, and whether it shows: a fraction of the terminal, within bounds.

No Textual here: the screen turns `sidebar_width(columns)` into a style.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

DEFAULT_FRACTION = 0.33
STEP = 0.04
"""`[` and `]` move the edge by this fraction of the terminal (about 3 columns at 80)."""
MIN_FRACTION = 0.15
MAX_FRACTION = 0.7
MIN_WIDTH = 24
"""The list needs this many columns for a name and its date."""
MAX_WIDTH = 72
"""Past this, a wider list only shows more blank after the names."""
MIN_PANE = 30
"""The detail pane keeps at least this many columns, whatever the fraction."""


@dataclass(frozen=True)
class SidebarLayout:
    fraction: float = DEFAULT_FRACTION
    hidden: bool = False
    """`\\` hides the sidebar (remembered)."""
    maximised: bool = False
    """`z` gives the detail pane the whole width (for this run only)."""

    @property
    def shows_sidebar(self) -> bool:
        return not (self.hidden or self.maximised)

    def sidebar_width(self, columns: int) -> int:
        """Columns for the sidebar in a terminal `columns` wide."""
        wanted = round(self.fraction * columns)
        width = max(MIN_WIDTH, min(MAX_WIDTH, wanted))
        return max(min(width, columns - MIN_PANE), min(MIN_WIDTH, columns // 2))

    def wider(self) -> SidebarLayout:
        return replace(self, fraction=min(MAX_FRACTION, round(self.fraction + STEP, 2)))

    def narrower(self) -> SidebarLayout:
        return replace(self, fraction=max(MIN_FRACTION, round(self.fraction - STEP, 2)))

    def toggle_hidden(self) -> SidebarLayout:
        return replace(self, hidden=self.shows_sidebar, maximised=False)

    def toggle_maximised(self) -> SidebarLayout:
        return replace(self, maximised=not self.maximised)

    @classmethod
    def from_saved(cls, fraction: object, hidden: object) -> SidebarLayout:
        """From the config file's values; anything odd gives the default."""
        layout = cls()
        if isinstance(fraction, (int, float)) and not isinstance(fraction, bool):
            layout = replace(layout, fraction=max(MIN_FRACTION, min(MAX_FRACTION, fraction)))
        if isinstance(hidden, bool):
            layout = replace(layout, hidden=hidden)
        return layout
