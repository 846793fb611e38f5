"""The paging half of the detail pane: a scroll view that mounts a window of messages.

Which messages are mounted, fetched and cached is `MessageWindow`'s arithmetic (window.py); this
class mounts and unmounts them as the reader nears either end, keeps the reader's place on screen
while it does, says how many are above and below, and jumps to any message (fetching it first).
`ConversationDetail` (pane.py) builds on it: what the pane shows, its keys, search matches.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Label, Static

from pieces_tui.sanitize import clean_line
from pieces_tui.widgets.detail.blocks import MessageBlock, settled
from pieces_tui.widgets.detail.views import MessageFetcher
from pieces_tui.widgets.detail.window import (
    MAX_MOUNTED,
    MESSAGE_BATCH,
    End,
    MessageWindow,
    screenful,
)

__all__ = ["PagedMessages"]


class PagedMessages(VerticalScroll):
    """The scroll view of a window of messages. A subclass composes `#detail-messages` (the
    blocks), `#detail-earlier` / `#detail-later` (the edge lines) and `#new-below` (the hint),
    and sets `conversation_id` and `loading`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.conversation_id: str | None = None
        self._unseen = 0
        self.window = MessageWindow()
        """Which messages are mounted, fetched and being fetched (read-only for others)."""
        self._fetch: MessageFetcher | None = None
        # A block kept at the same place on screen while messages are mounted above it.
        self._held: tuple[Widget, int] | None = None
        self._relayout_pending = False
        self._jump_pending: str | None = None
        self._rest_of_first = 0
        """How many more of the first batch `_open_window` leaves for after the first frame."""
        self._last_view = Size(0, 0)
        """The scroll view's size when last laid out (none is known under the loading indicator)."""

    def _decorate(self, block: MessageBlock) -> None:
        """A block is about to be mounted: the subclass sets its classes (match, cursor)."""

    def _reader_scrolled(self) -> None:
        """The reader scrolled (keys or wheel), as opposed to the pane keeping its place."""

    def _view_moved(self) -> None:
        """The pane scrolled or was laid out again (what is on screen may have changed)."""

    def _paused(self) -> bool:
        """Whether the window stays as it is for now (the subclass: while its loading indicator
        covers a conversation that is not being built underneath)."""
        return bool(self.loading)

    def _forget_window(self) -> None:
        """Drop whatever is being fetched for the current window: it will not be wanted."""
        self.window.forget_fetches()
        self._held = None
        self.workers.cancel_group(self, "detail-pages")

    def _reset_window(self, start: int) -> None:
        """Unmount every message; the (empty) window starts at `start`."""
        self._held = None
        self._rest_of_first = 0
        self.workers.cancel_group(self, "detail-pages")
        self.window.start_at(start)
        messages = self.query_one("#detail-messages", Vertical)
        for block in self._mounted_blocks():
            block.leaving = True  # pruned a moment later: the new window must not count it
        messages.remove_children()
        if not len(self.window):
            messages.mount(Static(Content("No messages yet."), classes="empty-messages"))
        self._update_edges()

    def _open_window(self) -> None:
        """Mount the first messages of a window that starts empty: at once only those that fill
        the screen, the rest of the first batch after the first frame (`_after_layout`).

        Each message costs its Markdown's parse, its widgets' styles and every layout before
        that frame (a message with a code block, a list and a table is some thirty widgets),
        and a screenful is often two or three messages. How many fill it is estimated from
        their text: the pane cannot measure them, since Textual lays nothing out under the
        loading indicator that covers an opening."""
        window = self.window
        at_hand = window.at_hand("after", window.next_batch("after"))
        if not at_hand:
            self._load("after")
            return
        width, height = self._view_size()
        first = screenful([window.cache[i] for i in at_hand], width - 2, height)
        self._load("after", first)
        self._rest_of_first = MESSAGE_BATCH - first

    def _view_size(self) -> tuple[int, int]:
        """The scroll view's size now, or when last known (under the loading indicator), or
        the terminal's (too big errs on mounting more)."""
        size = self.scrollable_content_region.size
        if size.width > 0 and size.height > 0:
            self._last_view = size
        view = self._last_view or self.app.size
        return view.width, view.height

    def _load(self, where: End, size: int = MESSAGE_BATCH) -> None:
        """Mount the next `size` messages above ("before") or below ("after") the window,
        fetching the ones not at hand first."""
        window = self.window
        if where in window.fetching:
            return
        batch = window.next_batch(where, size)
        if not batch:
            return
        # Mount what is at hand next to the window first; fetch only when nothing is.
        at_hand = window.at_hand(where, batch)
        if at_hand:
            self._place(where, at_hand)
            return
        if self._fetch is None:
            return
        batch = window.to_fetch(where, batch)
        window.fetching.add(where)
        window.failed.pop(where, None)
        self._update_edges()
        self.run_worker(
            self._fetch_and_place(where, batch, window.epoch, self._fetch),
            group="detail-pages",
            exit_on_error=False,
        )

    async def _fetch_and_place(
        self, where: End, batch: list[str], epoch: int, fetch: MessageFetcher
    ) -> None:
        window = self.window
        try:
            fetched = await fetch([i for i in batch if i not in window.cache])
        except Exception as error:  # whatever the app's fetcher raised: say it, a scroll retries
            if epoch == window.epoch:
                window.fetching.discard(where)
                window.failed[where] = clean_line(str(error)) or type(error).__name__
                self._update_edges()
            return
        if epoch != window.epoch:
            return
        window.fetching.discard(where)
        window.add(fetched)
        # Only a batch that still touches the window is mounted; the next scroll asks again.
        if window.touches(where, batch):
            self._place(where, batch)
        else:
            # Trimmed meanwhile by a load at the other end: the reader may still be at this
            # end, and nothing else would make the pane look again.
            self._update_edges()
            self._check_edges()

    def _place(self, where: End, batch: Sequence[str]) -> None:
        """Mount `batch` (ids next to the window, all fetched) and trim the far end."""
        container = self.query_one("#detail-messages", Vertical)
        cache = self.window.cache
        blocks = [MessageBlock(cache[i]) for i in batch if i in cache]
        for block in blocks:
            self._decorate(block)
        mounted = self._mounted_blocks()
        if blocks:
            container.query_children(".empty-messages").remove()
        dropped = self.window.place(where, batch)
        if where == "after":
            if blocks:
                container.mount_all(blocks)
            if dropped:
                # Unmount from the top, keeping what the reader sees where it is.
                kept = [b for b in [*mounted, *blocks] if b.message.id not in dropped]
                if kept:
                    self._hold(kept[0])
        elif blocks:
            if mounted:
                self._hold(mounted[0])
                container.mount_all(blocks, before=mounted[0])
            else:
                container.mount_all(blocks)
        for block in mounted:
            if block.message.id in dropped:
                block.leave()
        self._update_edges()
        if not blocks:
            # Nothing changes size (the server had none of them): look again at once. Otherwise
            # the next layout does (`watch_virtual_size`): before it, the sizes are stale.
            self._after_layout()

    def _mounted_blocks(self) -> list[MessageBlock]:
        messages = self.query_one("#detail-messages", Vertical)
        return [
            child
            for child in messages.children
            if isinstance(child, MessageBlock) and not child.leaving
        ]

    def on_screen(self) -> list[MessageBlock]:
        """The mounted blocks at least partly on screen, in order (as of the last layout)."""
        top = round(self.scroll_y)
        bottom = top + self.scrollable_content_region.height
        shown = []
        for block in self._mounted_blocks():
            y = self._content_y(block)
            if y < bottom and y + block.virtual_region.height > top:
                shown.append(block)
            elif shown:
                break
        return shown

    def _hold(self, block: Widget) -> None:
        """Keep `block` at its place on screen while messages are mounted or unmounted above it
        (until the reader scrolls). Not needed when anchored at the end: Textual keeps the end."""
        if self.is_anchored and self.scroll_y >= self.max_scroll_y - 1:
            return
        if self._held is not None and self._held[0].is_attached:
            return  # already holding a block from a settled layout: keep that one
        self._held = (block, self._content_y(block) - round(self.scroll_y))

    def _content_y(self, block: Widget) -> int:
        """Where `block` is in the pane's scrolled content (as of the last layout)."""
        messages = self.query_one("#detail-messages", Vertical)
        return messages.virtual_region.y + block.virtual_region.y

    def _restore(self) -> None:
        if self._held is None:
            return
        block, offset = self._held
        if not block.is_attached:
            self._held = None
            return
        target = self._content_y(block) - offset
        if target != round(self.scroll_y):
            self.scroll_to(y=target, animate=False, immediate=True, release_anchor=False)

    def _after_layout(self) -> None:
        self._relayout_pending = False
        self._view_size()  # remembered for the next opening
        self._finish_jump()
        self._restore()
        if self._rest_of_first and not self.loading:
            rest, self._rest_of_first = self._rest_of_first, 0
            self._load("after", rest)
        self._check_edges()
        self._view_moved()

    def watch_virtual_size(self) -> None:
        self._layout_changed()

    @on(MessageBlock.Resized)
    def _block_resized(self, event: MessageBlock.Resized) -> None:
        event.stop()
        self._layout_changed()

    def _layout_changed(self) -> None:
        """A layout happened (messages mounted, or Markdown filled in the blocks of one, which
        settles over a few frames): put the held block back, then see whether more are needed.
        Sizes are only known after a layout, so this is where the window grows."""
        if not self._relayout_pending:
            self._relayout_pending = True
            self.call_later(self._after_layout)

    def _check_edges(self) -> None:
        """Mount (or fetch) more when the reader is within a screen of either end of the window."""
        window = self.window
        if self.conversation_id is None or not len(window) or self._paused():
            return
        height = max(1, self.size.height)
        blocks = self._mounted_blocks()
        # Until the blocks last mounted at an end have their Markdown in, that end looks
        # shorter than it is: wait for them rather than mount more than a screen ahead.
        after = window.below > 0 and "after" not in window.failed
        after = after and self.max_scroll_y - self.scroll_y < height
        after = after and settled(blocks[-MESSAGE_BATCH:])
        before = window.above > 0 and "before" not in window.failed and self.scroll_y < height
        before = before and settled(blocks[:MESSAGE_BATCH])
        if after and before and window.hi - window.lo >= MAX_MOUNTED:
            return  # a full window shorter than two screens: loading either end drops the other
        if after:
            self._load("after")
        if before:
            self._load("before")

    def _update_edges(self) -> None:
        """The lines above and below the window: how many messages are not mounted there."""
        window = self.window
        earlier = self.query_one("#detail-earlier", Static)
        later = self.query_one("#detail-later", Static)
        above, below = window.above, window.below
        earlier.display = above > 0
        if above:
            earlier.update(self._edge_line("↑", above, "earlier", "before", "g for the first"))
        show_later = below > 0 and (
            window.ids[window.hi] not in window.cache
            or "after" in window.fetching
            or "after" in window.failed
        )
        later.display = show_later
        if show_later:
            later.update(self._edge_line("↓", below, "more", "after", "G for the latest"))

    def _edge_line(self, arrow: str, count: int, which: str, where: End, key: str) -> Content:
        noun = "message" if count == 1 else "messages"
        head = f"{arrow} {count:,} {which} {noun}"
        if where in self.window.fetching:
            return Content(f"{head}: loading…")
        if where in self.window.failed:
            reason = self.window.failed[where]
            return Content(f"{head}: could not load them ({reason}); scroll to retry")
        direction = "up" if where == "before" else "down"
        return Content(f"{head}: scroll {direction} to see them, or press {key}")

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.window.failed and round(old_value) != round(new_value):
            self.window.failed.clear()
            self._update_edges()
        self._check_edges()
        at_end = new_value >= self.max_scroll_y - 1 and self.window.at_end
        if self._unseen and at_end:
            self._set_unseen(0)
        self._view_moved()

    def _release_hold(self) -> None:
        self._held = None

    def on_mouse_scroll_up(self) -> None:
        self._release_hold()
        self._reader_scrolled()

    def on_mouse_scroll_down(self) -> None:
        self._release_hold()
        self._reader_scrolled()

    def action_scroll_up(self) -> None:
        self._release_hold()
        self._reader_scrolled()
        super().action_scroll_up()

    def action_scroll_down(self) -> None:
        self._release_hold()
        self._reader_scrolled()
        super().action_scroll_down()

    def action_page_down(self) -> None:
        self._release_hold()
        self._reader_scrolled()
        super().action_page_down()

    def action_page_up(self) -> None:
        self._release_hold()
        self._reader_scrolled()
        super().action_page_up()

    def _set_unseen(self, count: int) -> None:
        self._unseen = count
        hint = self.query_one("#new-below", Label)
        hint.display = count > 0
        if count:
            noun = "message" if count == 1 else "messages"
            hint.update(Content(f"↓ {count} new {noun} below (G to jump)"))

    def action_jump_to_start(self) -> None:
        """g: the first messages, at any length."""
        self._release_hold()
        self.anchor(False)
        if self.window.lo > 0:
            self._reset_window(0)
            self._load("after")
        self.scroll_home(animate=False)

    def action_jump_to_end(self) -> None:
        """G: the latest messages, at any length; the pane then stays at the end as they (and
        new ones) are mounted, until the reader scrolls up."""
        self._release_hold()
        self._set_unseen(0)
        window = self.window
        rest = window.ids[window.hi :]
        if rest and window.is_cached(rest) and len(window) - window.lo <= MAX_MOUNTED:
            self._place("after", rest)
        elif rest:
            self._reset_window(window.end_start())
            self._load("after")
        self.anchor()

    def _jump_to_message(self, message_id: str | None, *, top: bool = True) -> None:
        """Bring this message on screen: at the top, or (`top=False`) scrolling only as far as
        needed when it is mounted; a window starting at it, fetched if need be, when not."""
        if message_id is None:
            return
        self._release_hold()
        self.anchor(False)
        for block in self._mounted_blocks():
            if block.message.id == message_id:
                self.scroll_to_widget(block, top=top, animate=False, immediate=True)
                return
        if self._rest_of_first:
            # The first batch is not all mounted yet (`_open_window`): it is now, and a message
            # in it is scrolled to after the next layout, as if it had been there all along.
            rest, self._rest_of_first = self._rest_of_first, 0
            self._load("after", rest)
            if any(block.message.id == message_id for block in self._mounted_blocks()):
                self._jump_pending = message_id
                return
        # Not mounted: a window that starts at it, fetched if need be, at the top.
        self._reset_window(self.window.ids.index(message_id))
        self._jump_pending = message_id
        self._load("after")

    def _finish_jump(self) -> None:
        """After a layout: scroll to the message a jump mounted, once it is there and it and
        the blocks above it have their Markdown in (their heights say where it is); not under
        the loading indicator, where nothing is laid out."""
        if self._jump_pending is None or self.loading:
            return
        blocks = self._mounted_blocks()
        for index, block in enumerate(blocks):
            if block.message.id == self._jump_pending:
                above = blocks[: index + 1]
                # Laid out too: a plain block is settled once mounted, which may be after the
                # layout this follows (then the next one, which places it, comes here again).
                if settled(above) and all(b.size.height for b in above):
                    self._jump_pending = None
                    self.scroll_to_widget(block, top=True, animate=False, immediate=True)
                return
