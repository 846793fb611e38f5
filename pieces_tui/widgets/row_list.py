"""The row machinery the sidebar and the search results share, on Textual's Line API.

A `RowList` shows rows of `ROW_HEIGHT` lines with one highlighted row (the cursor). Only the rows
on screen are rendered, each row's strips cached by what they show, so 50,000 rows cost what 50
do. Subclasses say how many rows are listed, which one is highlighted, how a row renders and how
the highlight moves; this class turns lines into rows, moves the cursor, scrolls, and clicks.
"""

from __future__ import annotations

from collections.abc import Callable
from math import ceil

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["CURSOR_BINDINGS", "ROW_HEIGHT", "RowList"]

ROW_HEIGHT = 2
"""Lines per row: the name, then the dim line under it."""

CURSOR_BINDINGS: list[BindingType] = [
    Binding("up,k", "cursor_up", "Up", show=False),
    Binding("down,j", "cursor_down", "Down", show=False),
    Binding("home,g", "cursor_first", "First", show=False),
    Binding("end,G", "cursor_last", "Last", show=False),
    Binding("pageup", "cursor_page_up", "Page up", show=False),
    Binding("pagedown", "cursor_page_down", "Page down", show=False),
    Binding("enter", "select", "Open", show=False),
]
"""The keys every row list answers (each subclass lists them in its own `BINDINGS`)."""

RowStrips = tuple[Strip, Strip]


class RowList(ScrollView, can_focus=True):
    """A virtualised list of two-line rows with a highlighted one."""

    ALLOW_MAXIMIZE = False

    def __init__(
        self,
        *,
        cache_size: int = 1024,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._strip_cache: LRUCache[tuple[object, ...], RowStrips] = LRUCache(cache_size)
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(cache_size * 2)

    # --- what a subclass says ---------------------------------------------------------------------

    @property
    def listed_count(self) -> int:
        """How many rows are listed."""
        raise NotImplementedError

    @property
    def cursor_index(self) -> int | None:
        """The position of the highlighted row (None when nothing is listed)."""
        raise NotImplementedError

    def move_cursor(self, index: int | None, *, scroll: bool = True) -> None:
        """Highlight the listed row at `index` (a valid one, or None for none)."""
        raise NotImplementedError

    def render_row(self, index: int, width: int) -> RowStrips:
        """The two strips of the listed row at `index` (use `cached_row` and `row_strip`)."""
        raise NotImplementedError

    def action_select(self) -> None:
        raise NotImplementedError

    def row_clicked(self, index: int, event: events.Click) -> None:
        """A click on the listed row at `index`: highlight it and select it."""
        self.move_cursor(index)
        self.action_select()

    # --- rendering --------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index, part = divmod(self.scroll_offset.y + y, ROW_HEIGHT)
        width = self.scrollable_content_region.width
        if not 0 <= index < self.listed_count:
            return Strip.blank(width, self.rich_style)
        return self.render_row_line(index, part, width)

    def render_row_line(self, index: int, part: int, width: int) -> Strip:
        """Line `part` (0 or 1) of the listed row at `index`: by default from `render_row`; a
        subclass whose lines cost apart may build only the one asked for."""
        return self.render_row(index, width)[part]

    def cached_row(self, key: tuple[object, ...], build: Callable[[], RowStrips]) -> RowStrips:
        """The strips cached under `key` (everything they show), built once."""
        cached = self._strip_cache.get(key)
        if cached is None:
            cached = self._strip_cache[key] = build()
        return cached

    def cached_strip(self, key: tuple[object, ...], build: Callable[[], Strip]) -> Strip:
        """One line cached under `key` (everything it shows), built once."""
        cached = self._line_cache.get(key)
        if cached is None:
            cached = self._line_cache[key] = build()
        return cached

    def row_strip(
        self,
        content: Text,
        width: int,
        style: Style,
        gutter: str = " ",
        gutter_style: Style | None = None,
    ) -> Strip:
        """One line of a row: a one-cell gutter (in `gutter_style`, or the row's `style`), then
        `content`, padded or cut to `width`."""
        line = Text(gutter, style=gutter_style or style, end="", no_wrap=True)
        line.append_text(content)
        segments = list(line.render(self.app.console))
        return Strip(segments).extend_cell_length(width, style).crop(0, width).simplify()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strip_cache.clear()
        self._line_cache.clear()

    def refresh_row(self, index: int) -> None:
        self.refresh_lines(index * ROW_HEIGHT, ROW_HEIGHT)

    def repaint_rows(self, runs: list[tuple[int, int]], moves: list[tuple[int, int]]) -> None:
        """Repaint the listed rows of `runs` (start, stop), one region per run; of those, the
        rows of `moves` (from, to) show what they showed, only elsewhere on screen: their lines
        are the ones Textual styled for them where they were, not styled again.

        Textual keeps a widget's styled lines by line (its `_styles_cache`; Textual is pinned),
        and styling a line costs ~5x building it: a row in at the top shifts every row below
        it, which styled every line on screen again. A line not repainted since it was last
        asked to be is not taken."""
        cache = self._styles_cache
        offset, height = self.content_offset.y, self.scrollable_content_region.height
        scroll_y = self.scroll_offset.y
        taken: dict[int, Strip] = {}
        for old, new in moves:
            for part in range(ROW_HEIGHT):
                was, now = old * ROW_HEIGHT + part - scroll_y, new * ROW_HEIGHT + part - scroll_y
                if 0 <= was < height and 0 <= now < height:
                    strip = cache._cache.get(was + offset)
                    if strip is not None and not cache.is_dirty(was + offset):
                        taken[now + offset] = strip
        for start, stop in runs:
            self.refresh_lines(start * ROW_HEIGHT, (stop - start) * ROW_HEIGHT)
        for y, strip in taken.items():  # asked to repaint: shown there at the next frame
            cache._cache[y] = strip
            cache._dirty_lines.discard(y)

    # --- keys and mouse ---------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_cursor_by(-1)

    def action_cursor_down(self) -> None:
        self.move_cursor_by(+1)

    def action_cursor_first(self) -> None:
        if self.listed_count:
            self.move_cursor(0)

    def action_cursor_last(self) -> None:
        if self.listed_count:
            self.move_cursor(self.listed_count - 1)

    def action_cursor_page_up(self) -> None:
        self.move_cursor_by(-self._page_rows())

    def action_cursor_page_down(self) -> None:
        self.move_cursor_by(self._page_rows())

    def move_cursor_by(self, delta: int) -> None:
        if not self.listed_count:
            return
        index = self.cursor_index
        self.move_cursor(0 if index is None else self.clamp(index + delta))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (offset.y + self.scroll_offset.y) // ROW_HEIGHT
        if 0 <= index < self.listed_count:
            event.stop()
            self.row_clicked(index, event)

    # --- scrolling --------------------------------------------------------------------------------

    def clamp(self, index: int) -> int | None:
        """`index` brought within the listed rows (None when there are none)."""
        count = self.listed_count
        if not count:
            return None
        return max(0, min(index, count - 1))

    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height // ROW_HEIGHT - 1)

    def scroll_to_row(self, index: int | None) -> None:
        if index is None or not self.is_mounted:
            return
        self.scroll_to_region(
            Region(0, index * ROW_HEIGHT, max(1, self.scrollable_content_region.width), ROW_HEIGHT),
            animate=False,
            force=True,
            immediate=True,
        )

    def scroll_y_to(self, y: int) -> None:
        if y != self.scroll_offset.y:
            self.scroll_to(y=y, animate=False, force=True)

    def update_virtual_size(self) -> None:
        size = Size(0, self.listed_count * ROW_HEIGHT)
        if size == self.virtual_size:
            return
        if not self.region:  # not laid out yet: the first layout reads it
            self.virtual_size = size
            return
        # `virtual_size` is a layout reactive: setting it lays out the whole screen (the detail
        # pane's Markdown blocks too), which a filter keystroke that changes the row count paid
        # for every time. The list's own region does not depend on its rows: only its scrollbar
        # does, so it is updated in place, and a layout asked for only when the scrollbar comes
        # or goes (it takes a column from the rows). `_scroll_update` is what Textual's own
        # `_size_updated` calls for the same (Textual is pinned).
        # The rows themselves are repainted by the caller, which knows which changed.
        shown = self.show_vertical_scrollbar
        bar = self.vertical_scrollbar if shown else None
        before = None if bar is None else _thumb(bar, self.virtual_size.height)
        self.set_reactive(Widget.virtual_size, size)
        if bar is not None and before is not None and _thumb(bar, size.height) == before:
            # A row in or out of thousands: the thumb stays on the same eighths of a cell, and
            # repainting the bar (every line of it, ~1-6 ms loaded) would draw it again as it is.
            bar.set_reactive(ScrollBar.window_virtual_size, size.height)
            self.scroll_y = self.validate_scroll_y(self.scroll_y)
            return
        self._scroll_update(size)
        if self.show_vertical_scrollbar != shown:
            self.refresh(layout=True)


def _thumb(bar: ScrollBar, virtual: int) -> tuple[int, int] | None:
    """Where `bar` draws its thumb (in eighths of a cell, as `ScrollBarRender.render_bar` works
    it out) with `virtual` lines to scroll; None when it would draw none."""
    size, window = bar.size.height, bar.window_size
    if not (size and virtual and window and window < virtual and size != virtual):
        return None
    thumb = max(1, window / (virtual / size))
    start = int((size - thumb) * (bar.position / (virtual - window)) * 8)
    return start, start + ceil(thumb * 8)
