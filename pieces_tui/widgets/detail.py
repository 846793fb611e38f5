"""The detail pane: one conversation's snapshot and its messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Static

from pieces_tui.sanitize import clean_line, clean_text
from pieces_tui.timefmt import absolute_time, relative_time

# How many messages are mounted at a time: enough for a screenful and then some; more are mounted
# as the reader nears an edge of what is mounted, so a 2,000-message conversation opens as fast as
# a short one.
MESSAGE_BATCH = 12
# How many messages are fetched at a time when the pane has to ask for them (`MessageFetcher`):
# a request per message costs a few milliseconds, so fetch a little less than a mount batch.
FETCH_BATCH = 8
# At most this many messages stay mounted (several screens): past it, the far end of the window
# is unmounted (and fetched again if the reader goes back), so memory stays bounded at any
# conversation length. Every layout costs time in proportion to what is mounted: 150 messages
# made each page-down take ~0.2 s of layout on 2 cores.
MAX_MOUNTED = 60
# Fetched messages kept beyond the mounted ones, so scrolling back and forth does not refetch
# (and every message of a conversation the app fetched whole).
MAX_CACHED = 600


@dataclass(frozen=True)
class MessageView:
    id: str
    role: str
    text: str
    created: datetime | None = None


@dataclass(frozen=True)
class ConversationView:
    """What the pane shows, already gathered from the client's models by the app."""

    id: str
    name: str | None
    type: str
    created: datetime
    updated: datetime
    model: str | None = None
    annotations: Sequence[tuple[str, str]] = ()
    assets: Sequence[str] = ()
    websites: Sequence[str] = ()
    messages: Sequence[MessageView] = field(default_factory=tuple)
    """Some of the messages (usually the first few, or all); the pane fetches the others by id
    as the reader scrolls to them."""
    message_ids: Sequence[str] = ()
    """Every message id in conversation order (when empty: the ids of `messages`)."""

    @property
    def all_message_ids(self) -> Sequence[str]:
        return self.message_ids or [m.id for m in self.messages]


MessageFetcher = Callable[[Sequence[str]], Awaitable[Sequence[MessageView]]]
"""Fetches messages by id (any order; ids the server no longer has are left out)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class MessageBlock(Vertical):
    """One message: its role and its text as Markdown."""

    class Resized(Message):
        """A block was laid out at a new size (mounted, or its Markdown filled in)."""

    def __init__(self, message: MessageView) -> None:
        role = message.role.upper()
        super().__init__(classes=f"message -{role.lower()}")
        self.message = message
        self._role = role

    def compose(self) -> ComposeResult:
        label = {"USER": "You", "ASSISTANT": "Copilot", "SYSTEM": "System"}.get(
            self._role, self._role.replace("_", " ").title()
        )
        yield Label(Content(label), classes="message-role")
        yield from _markdown_blocks(self.message.text, empty="*(empty message)*")

    def on_resize(self) -> None:
        self.post_message(self.Resized())


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
        Binding("space", "page_down", "Page down", show=False),
    ]

    def __init__(self, *, now: Callable[[], datetime] = _utc_now, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self.conversation_id: str | None = None
        self.failed = False
        """True while the pane shows why `conversation_id` could not be loaded."""
        self._unseen = 0
        self._title = ""
        # The message window: every id in order, and the mounted slice `_ids[_lo:_hi]`.
        self._ids: list[str] = []
        self._lo = 0
        self._hi = 0
        self._cache: dict[str, MessageView] = {}
        self._fetch: MessageFetcher | None = None
        # Which ends ("before", "after") are being fetched, and which failed (not retried until
        # the reader scrolls). `_epoch` changes whenever the window is replaced: a fetch that
        # started before is dropped when it lands.
        self._fetching: set[str] = set()
        self._failed: dict[str, str] = {}
        self._epoch = 0
        # A block kept at the same place on screen while messages are mounted above it.
        self._held: tuple[Widget, int] | None = None
        self._relayout_pending = False

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
        self.loading = False
        self.failed = False
        self._set_sections_visible(False)
        self.query_one("#detail-placeholder", Static).update(Content(text))

    def show_loading(self, conversation_id: str) -> None:
        self._forget_window()
        self.conversation_id = conversation_id
        self.loading = True
        self.failed = False

    def show_error(self, conversation_id: str, text: str) -> None:
        if conversation_id != self.conversation_id:
            return
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
        self.query_one("#detail-title", Static).update(
            Content.assemble((clean_line(self._title), "strike"), "  ", ("deleted", "bold reverse"))
        )
        self.notify("The open conversation was deleted.", severity="warning")

    def _relative(self, when: datetime) -> str:
        return f"{absolute_time(when)} ({relative_time(when, self._now())})"

    def show_header(self, view: ConversationView) -> None:
        """Name, ids, times, annotations and links: cheap, so they update in place."""
        self._title = view.name or "Untitled conversation"
        title = Content(clean_line(self._title))
        if not view.name:
            title = title.stylize("italic dim")
        self.query_one("#detail-title", Static).update(title)
        rows = [
            ("id", view.id),
            ("type", view.type),
            ("created", self._relative(view.created)),
            ("updated", self._relative(view.updated)),
            ("model", view.model or "—"),
            ("messages", f"{len(view.all_message_ids):,}"),
        ]
        self.query_one("#detail-meta", Static).update(
            Content("\n").join(
                Content.assemble((f"{key:<9}", "dim"), clean_line(value)) for key, value in rows
            )
        )
        annotations = self.query_one("#detail-annotations", Vertical)
        annotations.remove_children()
        ordered = sorted(view.annotations, key=lambda item: item[0] != "SUMMARY")
        annotations.mount_all(
            Vertical(
                Label(Content(kind.replace("_", " ").title()), classes="section-title"),
                *_markdown_blocks(text),
                classes="annotation",
            )
            for kind, text in ordered
        )
        links: list[Content] = []
        if view.assets:
            links.append(
                Content.assemble(("Assets    ", "dim"), clean_line(", ".join(view.assets)))
            )
        if view.websites:
            links.extend(
                Content.assemble(("Website   " if n == 0 else "          ", "dim"), clean_line(url))
                for n, url in enumerate(view.websites)
            )
        links_widget = self.query_one("#detail-links", Static)
        links_widget.update(Content("\n").join(links))
        links_widget.display = bool(links)

    @property
    def message_ids(self) -> Sequence[str]:
        """Every message id of the open conversation, in order (mounted or not)."""
        return tuple(self._ids)

    def show_conversation(
        self, view: ConversationView, fetch: MessageFetcher | None = None
    ) -> None:
        """Replace the pane's contents with `view`, at the top. Messages not in `view.messages`
        are asked of `fetch` when the reader scrolls to them (without it, only those are shown)."""
        self.conversation_id = view.id
        self.loading = False
        self._set_sections_visible(True)
        self.show_header(view)
        self._fetch = fetch
        self._ids = list(view.all_message_ids)
        self._cache = {m.id: m for m in view.messages}
        self._set_unseen(0)
        self.anchor(False)
        self._reset_window(0)
        self.scroll_home(animate=False)
        self._load("after")

    def update_messages(self, view: ConversationView) -> None:
        """The open conversation changed. New messages are mounted below the window when it
        reaches the end (out of sight, with a hint, when the reader is not at the end); a
        removed or reordered message shows the same stretch again."""
        if view.id != self.conversation_id:
            return
        ids = list(view.all_message_ids)
        for message in view.messages:
            self._cache[message.id] = message
        old = self._ids
        if ids[: len(old)] != old:
            self._ids = ids
            self._reset_window(min(self._lo, len(ids)))
            self._load("after")
            return
        fresh = ids[len(old) :]
        if not fresh:
            return
        at_end = self.scroll_y >= self.max_scroll_y - 1
        window_at_end = self._hi == len(old)
        self._ids = ids
        if window_at_end and all(i in self._cache for i in fresh):
            self._place("after", fresh)
            if at_end:
                self.call_after_refresh(self.scroll_end, animate=False)
                return
        self._set_unseen(self._unseen + len(fresh))
        self._update_edges()

    # -- the message window ---------------------------------------------------------------------

    def _forget_window(self) -> None:
        """Drop whatever is being fetched for the current window: it will not be wanted."""
        self._epoch += 1
        self._fetching.clear()
        self._failed.clear()
        self._held = None
        self.workers.cancel_group(self, "detail-pages")

    def _reset_window(self, start: int) -> None:
        """Unmount every message; the (empty) window starts at `start`."""
        self._forget_window()
        self._lo = self._hi = start
        messages = self.query_one("#detail-messages", Vertical)
        messages.remove_children()
        if not self._ids:
            messages.mount(Static(Content("No messages yet."), classes="empty-messages"))
        self._update_edges()

    def _load(self, where: str) -> None:
        """Mount the next messages above ("before") or below ("after") the window, fetching the
        ones not at hand first."""
        if where in self._fetching:
            return
        if where == "after":
            batch = self._ids[self._hi : self._hi + MESSAGE_BATCH]
        else:
            batch = self._ids[max(0, self._lo - MESSAGE_BATCH) : self._lo]
        if not batch:
            return
        # Mount what is at hand next to the window first; fetch only when nothing is.
        at_hand = _run_of_cached(batch if where == "after" else batch[::-1], self._cache)
        if at_hand:
            self._place(where, at_hand if where == "after" else at_hand[::-1])
            return
        if self._fetch is None:
            return
        batch = batch[:FETCH_BATCH] if where == "after" else batch[-FETCH_BATCH:]
        self._fetching.add(where)
        self._failed.pop(where, None)
        self._update_edges()
        self.run_worker(
            self._fetch_and_place(where, batch, self._epoch, self._fetch),
            group="detail-pages",
            exit_on_error=False,
        )

    async def _fetch_and_place(
        self, where: str, batch: list[str], epoch: int, fetch: MessageFetcher
    ) -> None:
        try:
            fetched = await fetch([i for i in batch if i not in self._cache])
        except Exception as error:  # whatever the app's fetcher raised: say it, a scroll retries
            if epoch == self._epoch:
                self._fetching.discard(where)
                self._failed[where] = clean_line(str(error)) or type(error).__name__
                self._update_edges()
            return
        if epoch != self._epoch:
            return
        self._fetching.discard(where)
        for message in fetched:
            self._cache[message.id] = message
        # The window may have moved meanwhile (trimmed by a load at the other end): only a batch
        # that still touches it is mounted; the next scroll asks again otherwise.
        if where == "after":
            touches = self._ids[self._hi : self._hi + 1] == batch[:1]
        else:
            touches = self._lo > 0 and self._ids[self._lo - 1] == batch[-1]
        if touches:
            self._place(where, batch)
        else:
            self._update_edges()

    def _place(self, where: str, batch: Sequence[str]) -> None:
        """Mount `batch` (ids next to the window, all fetched) and trim the far end."""
        container = self.query_one("#detail-messages", Vertical)
        blocks = [MessageBlock(self._cache[i]) for i in batch if i in self._cache]
        mounted = self._mounted_blocks()
        if blocks:
            container.query_children(".empty-messages").remove()
        if where == "after":
            self._hi += len(batch)
            if blocks:
                container.mount_all(blocks)
            excess = self._hi - self._lo - MAX_MOUNTED
            if excess > 0:
                # Unmount from the top, keeping what the reader sees where it is.
                dropped = set(self._ids[self._lo : self._lo + excess])
                kept = [b for b in [*mounted, *blocks] if b.message.id not in dropped]
                if kept:
                    self._hold(kept[0])
                self._lo += excess
                self._remove([b for b in mounted if b.message.id in dropped])
        else:
            self._lo -= len(batch)
            if blocks:
                if mounted:
                    self._hold(mounted[0])
                    container.mount_all(blocks, before=mounted[0])
                else:
                    container.mount_all(blocks)
            excess = self._hi - self._lo - MAX_MOUNTED
            if excess > 0:
                dropped = set(self._ids[self._hi - excess : self._hi])
                self._hi -= excess
                self._remove([b for b in mounted if b.message.id in dropped])
        self._trim_cache()
        self._update_edges()
        if not blocks:
            # Nothing changes size (the server had none of them): look again at once. Otherwise
            # the next layout does (`watch_virtual_size`): before it, the sizes are stale.
            self._after_layout()

    def _mounted_blocks(self) -> list[MessageBlock]:
        messages = self.query_one("#detail-messages", Vertical)
        return [child for child in messages.children if isinstance(child, MessageBlock)]

    def _remove(self, blocks: list[MessageBlock]) -> None:
        for block in blocks:
            block.remove()

    def _trim_cache(self) -> None:
        if len(self._cache) <= MAX_CACHED:
            return
        near = set(self._ids[max(0, self._lo - MESSAGE_BATCH) : self._hi + MESSAGE_BATCH])
        self._cache = {k: v for k, v in self._cache.items() if k in near}

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
        self._restore()
        self._check_edges()

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
        if self.conversation_id is None or not self._ids or self.loading:
            return
        height = max(1, self.size.height)
        blocks = self._mounted_blocks()
        # Until the blocks last mounted at an end have their Markdown in, that end looks
        # shorter than it is: wait for them rather than mount more than a screen ahead.
        after = self._hi < len(self._ids) and "after" not in self._failed
        after = after and self.max_scroll_y - self.scroll_y < height
        after = after and _settled(blocks[-MESSAGE_BATCH:])
        before = self._lo > 0 and "before" not in self._failed and self.scroll_y < height
        before = before and _settled(blocks[:MESSAGE_BATCH])
        if after and before and self._hi - self._lo >= MAX_MOUNTED:
            return  # a full window shorter than two screens: loading either end drops the other
        if after:
            self._load("after")
        if before:
            self._load("before")

    def _update_edges(self) -> None:
        """The lines above and below the window: how many messages are not mounted there."""
        earlier = self.query_one("#detail-earlier", Static)
        later = self.query_one("#detail-later", Static)
        above = self._lo
        below = len(self._ids) - self._hi
        earlier.display = above > 0
        if above:
            earlier.update(self._edge_line("↑", above, "earlier", "before", "g for the first"))
        show_later = below > 0 and (
            self._ids[self._hi] not in self._cache
            or "after" in self._fetching
            or "after" in self._failed
        )
        later.display = show_later
        if show_later:
            later.update(self._edge_line("↓", below, "more", "after", "G for the latest"))

    def _edge_line(self, arrow: str, count: int, which: str, where: str, key: str) -> Content:
        noun = "message" if count == 1 else "messages"
        head = f"{arrow} {count:,} {which} {noun}"
        if where in self._fetching:
            return Content(f"{head}: loading…")
        if where in self._failed:
            return Content(f"{head}: could not load them ({self._failed[where]}); scroll to retry")
        direction = "up" if where == "before" else "down"
        return Content(f"{head}: scroll {direction} to see them, or press {key}")

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._failed and round(old_value) != round(new_value):
            self._failed.clear()
            self._update_edges()
        self._check_edges()
        at_end = new_value >= self.max_scroll_y - 1 and self._hi == len(self._ids)
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
        if self._lo > 0:
            self._reset_window(0)
            self._load("after")
        self.scroll_home(animate=False)

    def action_jump_to_end(self) -> None:
        """G: the latest messages, at any length; the pane then stays at the end as they (and
        new ones) are mounted, until the reader scrolls up."""
        self._release_hold()
        self._set_unseen(0)
        total = len(self._ids)
        rest = self._ids[self._hi :]
        if rest and all(i in self._cache for i in rest) and total - self._lo <= MAX_MOUNTED:
            self._place("after", rest)
        elif rest:
            at_hand = self._ids[-1] in self._cache
            self._reset_window(max(0, total - (MESSAGE_BATCH if at_hand else FETCH_BATCH)))
            self._load("after")
        self.anchor()

    @on(Click, "#new-below")
    def _clicked_hint(self) -> None:
        self.action_jump_to_end()


def _run_of_cached(ids: Sequence[str], cache: dict[str, MessageView]) -> list[str]:
    """The leading ids of `ids` that are in `cache`."""
    run: list[str] = []
    for message_id in ids:
        if message_id not in cache:
            break
        run.append(message_id)
    return run


def _markdown_blocks(text: str, *, empty: str = "") -> Iterator[Widget]:
    # Imported on first use: Markdown (markdown-it, its plugins, pygments) costs ~0.07 s of
    # start-up, and the list can be painted before the pane needs it.
    from pieces_tui.widgets.safe_markdown import markdown_blocks

    return markdown_blocks(text, empty=empty)


def _settled(blocks: Sequence[MessageBlock]) -> bool:
    """True when every block's Markdown has been parsed and mounted (so its height is known)."""
    from textual.widgets import Markdown

    return all(
        bool(markdown.children)
        for block in blocks
        for markdown in block.children
        if isinstance(markdown, Markdown)
    )


def message_blocks(widget: Widget) -> list[MessageBlock]:
    """The message blocks mounted in a pane (tests and benchmarks read them)."""
    return list(widget.query(MessageBlock))
