"""The filter field: an `Input` whose typing does not relayout the screen, and whose owner hears
of each change before the next frame.

Textual's `Input` sets its `virtual_size` (a `layout=True` reactive) on every change of its
value, so each keystroke in the filter asked for a layout of the whole screen (list, detail pane,
every mounted message block), measured with a counter on `Screen._refresh_layout`: one full
layout per key even when nothing else changed. The field is one line and never scrolls
vertically, so its virtual size only needs to be right, not announced: it is set without the
reactive's refresh, and the value's own repaint shows the text.

`Input.Changed` reaches the screen a few hops later, and the field's own repaint has already
started a frame by then (a refresh resumes the screen's update timer at once): the list showed
the keystroke one frame after the field did (measured at 50,000 rows: a frame of the field alone,
then ~17 ms to the next one with the list). `on_text`, given by the owner, is called with the
new text while the key is handled, so both are painted in the same frame. `Input.Changed` is
still posted.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input


class FilterField(Input):
    def __init__(
        self,
        *,
        on_text: Callable[[str], None] | None = None,
        placeholder: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self._on_text = on_text
        self._told = ""

    def _watch_value(self, value: str) -> None:
        # Set quietly first, so Input's own assignment below finds it unchanged (no layout).
        self.set_reactive(Widget.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)
        if self._on_text is not None and value != self._told:  # not on a re-validation
            self._told = value
            self._on_text(value)
