"""The filter field: an `Input` whose typing does not relayout the screen.

Textual's `Input` sets its `virtual_size` (a `layout=True` reactive) on every change of its
value, so each keystroke in the filter asked for a layout of the whole screen (list, detail pane,
every mounted message block), measured with a counter on `Screen._refresh_layout`: one full
layout per key even when nothing else changed. The field is one line and never scrolls
vertically, so its virtual size only needs to be right, not announced: it is set without the
reactive's refresh, and the value's own repaint shows the text.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input


class FilterField(Input):
    def _watch_value(self, value: str) -> None:
        # Set quietly first, so Input's own assignment below finds it unchanged (no layout).
        self.set_reactive(Widget.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)
