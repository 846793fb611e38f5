"""The message cursor of the detail pane: the message `y` and `c` copy.

A real cursor: a position among every message id of the conversation, mounted or not, so `J` /
`K` reach every message of a long paged conversation (a message not mounted is mounted, fetched
first if need be, exactly as a search match is). It moves on its own keys, on a click, to a
search match (`n` / `N`), to the first or last message with `g` / `G`. When the reader scrolls it
out of sight (`j`, `space`, the wheel), it follows as a text cursor does: onto the first message
on screen when it fell off the top, the last one when it fell off the bottom. Laying out or
mounting messages never moves it. The highlighted block has the `-cursor` class.

`y` copies the message under it as its Markdown source and `c` one of its code blocks, through
`App.copy_to_clipboard`, with a toast.
"""

from __future__ import annotations

from textual.events import Click

from pieces_tui.widgets.detail.blocks import MessageBlock
from pieces_tui.widgets.detail.paging import PagedMessages
from pieces_tui.widgets.detail.views import MessageView

__all__ = ["CursorMessages"]


class CursorMessages(PagedMessages):
    """`PagedMessages` with a message cursor."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor_id: str | None = None
        """The message under the cursor (None until the pane shows one)."""
        self._cursor_index = 0
        """Where `cursor_id` was last seen in `window.ids` (checked before use: ids change)."""
        self._follow = True
        """Whether the cursor follows the view: after the reader scrolled, until a key moves it."""

    @property
    def cursor_message(self) -> MessageView | None:
        """The message under the cursor, when it is at hand (fetched) and still there."""
        if self.cursor_id is None or self.cursor_position is None:
            return None
        return self.window.cache.get(self.cursor_id)

    @property
    def cursor_position(self) -> int | None:
        """The cursor's index among every message of the conversation."""
        ids = self.window.ids
        cursor = self.cursor_id
        if cursor is None:
            return None
        index = self._cursor_index
        if not (index < len(ids) and ids[index] == cursor):
            if cursor not in ids:  # removed meanwhile
                return None
            index = self._cursor_index = ids.index(cursor)
        return index

    def reset_cursor(self) -> None:
        """A new conversation: the cursor goes to the first message shown."""
        self.cursor_id = None
        self._cursor_index = 0
        self._follow = True

    def move_cursor(self, message_id: str, *, top: bool = False) -> None:
        """Put the cursor on this message and bring it on screen."""
        self._follow = False
        self._set_cursor(message_id)
        self._jump_to_message(message_id, top=top)

    def step_cursor(self, delta: int) -> None:
        """`J` / `K`: the next or previous message (fetched and mounted if need be)."""
        ids = self.window.ids
        if not ids:
            return
        index = self.cursor_position
        shown = [block.message.id for block in self.on_screen()]
        if index is None:
            self.move_cursor(shown[0] if shown else ids[self.window.lo])
            return
        cursor = ids[index]
        if shown and cursor not in shown:
            # Out of sight ahead of the move (below for J, above for K): show it first.
            ahead = (
                index > self._index_of(shown[-1]) if delta > 0 else index < self._index_of(shown[0])
            )
            if ahead:
                self.move_cursor(cursor)
                return
        if not shown and delta and self._below_view(cursor) == (delta > 0):
            self.move_cursor(cursor)
            return
        self.move_cursor(ids[max(0, min(len(ids) - 1, index + delta))])

    def _below_view(self, message_id: str) -> bool:
        """With no message on screen: whether this (mounted) one is below what is shown."""
        for block in self._mounted_blocks():
            if block.message.id == message_id:
                return self._content_y(block) >= round(self.scroll_y)
        return self.cursor_position is not None and self.cursor_position >= self.window.hi

    def _set_cursor(self, message_id: str | None) -> None:
        old = self.cursor_id
        self.cursor_id = message_id
        if old == message_id:
            return
        for block in self._mounted_blocks():
            if block.message.id in (old, message_id):
                block.set_class(block.message.id == message_id, "-cursor")

    def _decorate(self, block: MessageBlock) -> None:
        super()._decorate(block)
        block.set_class(block.message.id == self.cursor_id, "-cursor")

    def _reader_scrolled(self) -> None:
        self._follow = True

    def _view_moved(self) -> None:
        """After a scroll or a layout: a cursor the reader scrolled out of sight follows."""
        if not self._follow or self._jump_pending is not None or not len(self.window):
            return
        shown = self.on_screen()
        if not shown:
            if self.cursor_id is None:  # the header fills the screen: the first message below
                mounted = self._mounted_blocks()
                if mounted:
                    self._set_cursor(mounted[0].message.id)
            return
        first, last = shown[0].message.id, shown[-1].message.id
        index = self.cursor_position
        if index is None:
            self._set_cursor(first)
            return
        if index < self._index_of(first):
            self._set_cursor(first)
        elif index > self._index_of(last):
            self._set_cursor(last)

    def _index_of(self, message_id: str) -> int:
        """The index of a mounted message (searched within the window only)."""
        window = self.window
        try:
            return window.ids.index(message_id, window.lo, max(window.lo, window.hi))
        except ValueError:  # mounted a moment before the window moved
            return window.ids.index(message_id)

    def on_click(self, event: Click) -> None:
        widget = event.widget
        while widget is not None and widget is not self:
            if isinstance(widget, MessageBlock):
                self._follow = False
                self._set_cursor(widget.message.id)
                return
            widget = widget.parent  # type: ignore[assignment]

    # -- copying ------------------------------------------------------------------------------

    def _copy_target(self) -> MessageView | None:
        if self.cursor_position is None:
            self.step_cursor(0)  # not placed yet, or its message was removed: the first shown
        message = self.cursor_message
        if message is None:
            text = "No message to copy." if self.cursor_id is None else "It is still loading."
            self.notify(text, severity="warning")
        return message

    # What is copied (copying.py) and the picker are imported at the first `y` or `c`: the first
    # frame needs neither (tests/test_deferred_imports.py).

    def action_copy_message(self) -> None:
        """`y`: the message under the cursor, as its Markdown source."""
        from pieces_tui.widgets.detail.copying import message_source

        message = self._copy_target()
        if message is not None:
            self._copy(message_source(message.text), "The message")

    def action_copy_code(self) -> None:
        """`c`: its code block; with several, a picker (1-9, enter) says which."""
        from pieces_tui.widgets.detail.code_picker import CodePicker
        from pieces_tui.widgets.detail.copying import code_blocks

        message = self._copy_target()
        if message is None:
            return
        blocks = code_blocks(message.text)
        if not blocks:
            self.notify("This message has no code block (y copies all of it).")
        elif len(blocks) == 1:
            self._copy(blocks[0].code, "The code block")
        else:

            def picked(index: int | None) -> None:
                if index is not None:
                    block = blocks[index]
                    self._copy(block.code, f"Code block {index + 1} of {len(blocks)}")

            self.app.push_screen(CodePicker([block.label for block in blocks]), picked)

    def _copy(self, text: str, what: str) -> None:
        from pieces_tui.widgets.detail.copying import copied_note, too_big

        refusal = too_big(text)
        if refusal is not None:
            self.notify(refusal, severity="error")
            return
        self.app.copy_to_clipboard(text)
        self.notify(copied_note(what, text), title="Copied", markup=False)
