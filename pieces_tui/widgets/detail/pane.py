"""The detail pane: one conversation's header and a window of its messages.

Which messages are mounted, fetched and cached is `MessageWindow`'s arithmetic (window.py); this
widget mounts, unmounts and keeps the reader's place on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Static

from pieces_tui.labels import UNTITLED
from pieces_tui.sanitize import clean_line, clean_text
from pieces_tui.timefmt import utc_now
from pieces_tui.widgets.detail import header
from pieces_tui.widgets.detail.blocks import MessageBlock, settled
from pieces_tui.widgets.detail.matches import MatchCursor
from pieces_tui.widgets.detail.views import ConversationView, MessageFetcher
from pieces_tui.widgets.detail.window import MAX_MOUNTED, MESSAGE_BATCH, End, MessageWindow

__all__ = ["REVEAL_LIMIT", "ConversationDetail"]

REVEAL_LIMIT = 2.0
"""Seconds the loading indicator may stay over a conversation being built underneath before it
is shown as it is (a page that is slow to arrive says so in its own line)."""


class ConversationDetail(VerticalScroll, can_focus=True):
    """Scrollable pane. The app feeds it with `show_*` calls; it never does I/O itself, but it
    asks the `MessageFetcher` it is given for the messages the reader scrolls to.

    It opens at the top (title, summary, first messages). Only a window of the messages is
    mounted: more are mounted (fetched first if need be) as the reader nears either end of the
    window, with a line saying how many are above or below it; `G` jumps to the latest messages
    and `g` to the first ones at any length, fetching only what a screen shows.
    """

    BINDINGS = [
        Binding("j,down", "scroll_down", "Scroll down", show=False),
        Binding("k,up", "scroll_up", "Scroll up", show=False),
        Binding("g,home", "jump_to_start", "Top", show=False),
        Binding("G,end", "jump_to_end", "End", show=False),
        Binding("space,pagedown,ctrl+d", "page_down", "Page down", show=False),
        Binding("b,shift+space,pageup,ctrl+u", "page_up", "Page up", show=False),
        Binding("n", "next_match", "Next match"),
        Binding("N", "previous_match", "Previous match", key_display="N"),
    ]

    class Shown(Message):
        """`show_conversation` put this conversation in the pane (its message ids are known)."""

        def __init__(self, conversation_id: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    def __init__(self, *, now: Callable[[], datetime] = utc_now, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self.conversation_id: str | None = None
        self.failed = False
        """True while the pane shows why `conversation_id` could not be loaded."""
        self._unseen = 0
        self._title = ""
        self.window = MessageWindow()
        """Which messages are mounted, fetched and being fetched (read-only for others)."""
        self._fetch: MessageFetcher | None = None
        # A block kept at the same place on screen while messages are mounted above it.
        self._held: tuple[Widget, int] | None = None
        self._relayout_pending = False
        self._jump_pending: str | None = None
        self.matches = MatchCursor()
        """The messages matching the search, while one is active (n / N step through them)."""
        self._revealing = False
        """The loading indicator covers a conversation being built (`_reveal_when_ready`)."""

    @property
    def focusable(self) -> bool:
        """Focusable under its loading indicator too (Textual's widgets are not): Enter focuses
        the pane it opens at once, and the indicator stays until the conversation is built."""
        if self.loading:
            return self.allow_focus() and self.visible and not self.disabled
        return super().focusable

    def compose(self) -> ComposeResult:
        yield Static(Content("No conversation selected."), id="detail-placeholder")
        yield Static(id="detail-title")
        yield Static(id="detail-meta")
        yield Vertical(id="detail-annotations")
        yield Static(id="detail-links")
        yield Static(id="detail-earlier", classes="empty-messages")
        yield Vertical(id="detail-messages")
        yield Static(id="detail-later", classes="empty-messages")
        yield Label("", id="new-below")

    def on_mount(self) -> None:
        self._set_sections_visible(False)
        self.query_one("#new-below").display = False

    def _set_sections_visible(self, visible: bool) -> None:
        for selector in ("#detail-title", "#detail-meta", "#detail-annotations"):
            self.query_one(selector).display = visible
        self.query_one("#detail-links").display = visible
        self.query_one("#detail-messages").display = visible
        self.query_one("#detail-placeholder").display = not visible
        if not visible:
            self.query_one("#detail-earlier").display = False
            self.query_one("#detail-later").display = False

    def show_placeholder(self, text: str) -> None:
        self._forget_window()
        self.conversation_id = None
        self._revealing = False
        self.loading = False
        self.failed = False
        self._set_sections_visible(False)
        self.query_one("#detail-placeholder", Static).update(Content(text))

    def show_loading(self, conversation_id: str) -> None:
        self._forget_window()
        self.conversation_id = conversation_id
        self._revealing = False
        self.loading = True
        self.failed = False

    def show_error(self, conversation_id: str, text: str) -> None:
        if conversation_id != self.conversation_id:
            return
        self._revealing = False
        self.loading = False
        self.failed = True
        self._set_sections_visible(False)
        self.query_one("#detail-placeholder", Static).update(Content(clean_text(text)))

    def show_deleted(self, conversation_id: str) -> None:
        if conversation_id != self.conversation_id:
            return
        if self.failed:
            self.query_one("#detail-placeholder", Static).update(
                Content("This conversation was deleted.")
            )
        self.query_one("#detail-title", Static).update(header.deleted_title(self._title))
        self.notify("The open conversation was deleted.", severity="warning")

    def show_header(self, view: ConversationView) -> None:
        """Name, ids, times, annotations and links: cheap, so they update in place."""
        self._title = view.name or UNTITLED
        self.query_one("#detail-title", Static).update(header.title(view))
        self.query_one("#detail-meta", Static).update(header.metadata(view, self._now()))
        annotations = self.query_one("#detail-annotations", Vertical)
        annotations.remove_children()
        annotations.mount_all(header.annotation_widgets(view))
        links = header.links(view)
        links_widget = self.query_one("#detail-links", Static)
        links_widget.update(links)
        links_widget.display = bool(links)

    @property
    def message_ids(self) -> Sequence[str]:
        """Every message id of the open conversation, in order (mounted or not)."""
        return tuple(self.window.ids)

    def show_conversation(
        self, view: ConversationView, fetch: MessageFetcher | None = None
    ) -> None:
        """Replace the pane's contents with `view`, at the top. Messages not in `view.messages`
        are asked of `fetch` when the reader scrolls to them (without it, only those are shown).

        After `show_loading`, the loading indicator stays until the first screenful is built
        (header, summary and messages with their Markdown in), which then appears at once."""
        self.conversation_id = view.id
        self._revealing = self.loading
        if self._revealing:
            self.set_timer(REVEAL_LIMIT, lambda: self._reveal(view.id))
        self.failed = False
        self._set_sections_visible(True)
        self.show_header(view)
        self._fetch = fetch
        self._jump_pending = None
        self.matches = MatchCursor()
        self.window.open(view.all_message_ids, view.messages)
        self._set_unseen(0)
        self.anchor(False)
        self._reset_window(0)
        self.scroll_home(animate=False)
        self._load("after")
        self.post_message(self.Shown(view.id))

    def update_messages(self, view: ConversationView) -> None:
        """The open conversation changed. New messages are mounted below the window when it
        reaches the end (out of sight, with a hint, when the reader is not at the end); a
        removed or reordered message shows the same stretch again."""
        if view.id != self.conversation_id:
            return
        window = self.window
        old_end = window.hi == len(window)
        fresh = window.update(view.all_message_ids, view.messages)
        if fresh is None:
            self._reset_window(window.lo)
            self._load("after")
            return
        if not fresh:
            return
        at_end = self.scroll_y >= self.max_scroll_y - 1
        if old_end and window.is_cached(fresh):
            self._place("after", fresh)
            if at_end:
                self.call_after_refresh(self.scroll_end, animate=False)
                return
        self._set_unseen(self._unseen + len(fresh))
        self._update_edges()

    # -- the message window ---------------------------------------------------------------------

    def _forget_window(self) -> None:
        """Drop whatever is being fetched for the current window: it will not be wanted."""
        self.window.forget_fetches()
        self._held = None
        self.workers.cancel_group(self, "detail-pages")

    def _reset_window(self, start: int) -> None:
        """Unmount every message; the (empty) window starts at `start`."""
        self._held = None
        self.workers.cancel_group(self, "detail-pages")
        self.window.start_at(start)
        messages = self.query_one("#detail-messages", Vertical)
        for block in self._mounted_blocks():
            block.leaving = True  # pruned a moment later: the new window must not count it
        messages.remove_children()
        if not len(self.window):
            messages.mount(Static(Content("No messages yet."), classes="empty-messages"))
        self._update_edges()

    def _load(self, where: End) -> None:
        """Mount the next messages above ("before") or below ("after") the window, fetching the
        ones not at hand first."""
        window = self.window
        if where in window.fetching:
            return
        batch = window.next_batch(where)
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
            self._update_edges()

    def _place(self, where: End, batch: Sequence[str]) -> None:
        """Mount `batch` (ids next to the window, all fetched) and trim the far end."""
        container = self.query_one("#detail-messages", Vertical)
        cache = self.window.cache
        blocks = [MessageBlock(cache[i]) for i in batch if i in cache]
        for block in blocks:
            block.set_class(block.message.id in self.matches, "-match")
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
        self._finish_jump()
        self._restore()
        self._check_edges()
        self._reveal_when_ready()

    def _reveal_when_ready(self) -> None:
        """Lift the loading indicator once what the first screen shows is built: the summary's
        and the mounted messages' Markdown is in, and the messages fill the pane or there are
        no more at hand (the rest is being fetched, or there is none)."""
        if not self._revealing:
            return
        annotations = self.query_one("#detail-annotations", Vertical)
        if not settled(self._mounted_blocks()) or not settled(list(annotations.children)):
            return
        window = self.window
        full = self.virtual_size.height >= self.size.height
        more = window.below > 0 and "after" not in window.fetching and "after" not in window.failed
        if full or not more:
            self._reveal(self.conversation_id)

    def _reveal(self, conversation_id: str | None) -> None:
        if self._revealing and conversation_id == self.conversation_id:
            self._revealing = False
            self.loading = False

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
        if self.conversation_id is None or not len(window):
            return
        if self.loading and not self._revealing:
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

    def _release_hold(self) -> None:
        self._held = None

    def on_mouse_scroll_up(self) -> None:
        self._release_hold()

    def on_mouse_scroll_down(self) -> None:
        self._release_hold()

    def action_scroll_up(self) -> None:
        self._release_hold()
        super().action_scroll_up()

    def action_scroll_down(self) -> None:
        self._release_hold()
        super().action_scroll_down()

    def action_page_down(self) -> None:
        self._release_hold()
        super().action_page_down()

    def action_page_up(self) -> None:
        self._release_hold()
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

    # -- search matches --------------------------------------------------------------------------

    def set_matches(self, matching: Iterable[str]) -> None:
        """Mark these messages as matching the search and jump to the first (n / N then step
        through them, fetching the stretch of a long conversation each one is in)."""
        self.matches = MatchCursor(self.window.ids, matching)
        for block in self._mounted_blocks():
            block.set_class(block.message.id in self.matches, "-match")
        self.refresh_bindings()
        if self.matches:
            self.action_next_match()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without an active search, n and N fall through to the screen (n: New).
        if action in ("next_match", "previous_match"):
            return bool(self.matches)
        return True

    def action_next_match(self) -> None:
        self._jump_to_message(self.matches.step(+1))

    def action_previous_match(self) -> None:
        self._jump_to_message(self.matches.step(-1))

    def _jump_to_message(self, message_id: str | None) -> None:
        if message_id is None:
            return
        self._release_hold()
        self.anchor(False)
        for block in self._mounted_blocks():
            if block.message.id == message_id:
                self.scroll_to_widget(block, top=True, animate=False, immediate=True)
                return
        # Not mounted: a window that starts at it, fetched if need be, at the top.
        self._reset_window(self.window.ids.index(message_id))
        self._jump_pending = message_id
        self._load("after")

    def _finish_jump(self) -> None:
        """After a layout: scroll to the match a jump mounted, once it is there."""
        if self._jump_pending is None:
            return
        for block in self._mounted_blocks():
            if block.message.id == self._jump_pending:
                self._jump_pending = None
                self.scroll_to_widget(block, top=True, animate=False, immediate=True)
                return

    @on(Click, "#new-below")
    def _clicked_hint(self) -> None:
        self.action_jump_to_end()
