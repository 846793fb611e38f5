"""The detail pane: one conversation's snapshot and its messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.events import Click
from textual.widget import Widget
from textual.widgets import Label, Static

from pieces_tui.sanitize import clean_line, clean_text
from pieces_tui.timefmt import absolute_time, relative_time
from pieces_tui.widgets.safe_markdown import markdown_blocks

# How many messages are mounted at a time: enough for a screenful and then some; more are mounted
# as the reader scrolls towards the end, so a 2,000-message conversation opens as fast as a
# short one.
MESSAGE_BATCH = 12


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


def _utc_now() -> datetime:
    return datetime.now(UTC)


class MessageBlock(Vertical):
    """One message: its role and its text as Markdown."""

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
        yield from markdown_blocks(self.message.text, empty="*(empty message)*")


class ConversationDetail(VerticalScroll, can_focus=True):
    """Scrollable pane. The app feeds it with `show_*` calls; it never does I/O itself."""

    BINDINGS = [
        Binding("j,down", "scroll_down", "Scroll down", show=False),
        Binding("k,up", "scroll_up", "Scroll up", show=False),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "jump_to_end", "End", show=False),
        Binding("space", "page_down", "Page down", show=False),
    ]

    def __init__(self, *, now: Callable[[], datetime] = _utc_now, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self.conversation_id: str | None = None
        self._pending: list[MessageView] = []
        self._shown_ids: set[str] = set()
        self._unseen = 0
        self._title = ""

    def compose(self) -> ComposeResult:
        yield Static(Content("No conversation selected."), id="detail-placeholder")
        yield Static(id="detail-title")
        yield Static(id="detail-meta")
        yield Vertical(id="detail-annotations")
        yield Static(id="detail-links")
        yield Vertical(id="detail-messages")
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

    def show_placeholder(self, text: str) -> None:
        self.conversation_id = None
        self.loading = False
        self._set_sections_visible(False)
        self.query_one("#detail-placeholder", Static).update(Content(text))

    def show_loading(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        self.loading = True

    def show_error(self, conversation_id: str, text: str) -> None:
        if conversation_id != self.conversation_id:
            return
        self.loading = False
        self._set_sections_visible(False)
        self.query_one("#detail-placeholder", Static).update(Content(clean_text(text)))

    def show_deleted(self, conversation_id: str) -> None:
        if conversation_id != self.conversation_id:
            return
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
            ("messages", str(len(view.messages))),
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
                *markdown_blocks(text),
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

    def show_conversation(self, view: ConversationView) -> None:
        """Replace the pane's contents with `view`; messages mount in batches."""
        self.conversation_id = view.id
        self.loading = False
        self._set_sections_visible(True)
        self.show_header(view)
        messages = self.query_one("#detail-messages", Vertical)
        messages.remove_children()
        if not view.messages:
            messages.mount(Static(Content("No messages yet."), classes="empty-messages"))
        self._pending = list(view.messages)
        self._shown_ids = set()
        self._set_unseen(0)
        self.scroll_home(animate=False)
        self._mount_batch()

    def append_messages(self, new: Sequence[MessageView]) -> None:
        """Messages that arrived while the conversation is open; keeps the reading position."""
        fresh = [m for m in new if m.id not in self._shown_ids and m not in self._pending]
        if not fresh:
            return
        at_end = self.scroll_y >= self.max_scroll_y - 1
        if self._pending:
            self._pending.extend(fresh)
            return
        self.query("#detail-messages .empty-messages").remove()
        self._mount_messages(fresh)
        if at_end:
            self.call_after_refresh(self.scroll_end, animate=False)
        else:
            self._set_unseen(self._unseen + len(fresh))

    def _mount_messages(self, messages: Sequence[MessageView]) -> None:
        self._shown_ids.update(m.id for m in messages)
        self.query_one("#detail-messages", Vertical).mount_all(MessageBlock(m) for m in messages)

    def _mount_batch(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending[:MESSAGE_BATCH], self._pending[MESSAGE_BATCH:]
        self._mount_messages(batch)
        self.call_after_refresh(self._maybe_mount_more)

    def _maybe_mount_more(self) -> None:
        if self._pending and self.max_scroll_y - self.scroll_y < self.size.height:
            self._mount_batch()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._maybe_mount_more()
        if self._unseen and new_value >= self.max_scroll_y - 1:
            self._set_unseen(0)

    def _set_unseen(self, count: int) -> None:
        self._unseen = count
        hint = self.query_one("#new-below", Label)
        hint.display = count > 0
        if count:
            noun = "message" if count == 1 else "messages"
            hint.update(Content(f"↓ {count} new {noun} below (G to jump)"))

    def action_jump_to_end(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:200], self._pending[200:]
            self._mount_messages(batch)
        self.call_after_refresh(self.scroll_end, animate=False)
        self._set_unseen(0)

    @on(Click, "#new-below")
    def _clicked_hint(self) -> None:
        self.action_jump_to_end()


def message_blocks(widget: Widget) -> list[MessageBlock]:
    """The message blocks mounted in a pane (tests and benchmarks read them)."""
    return list(widget.query(MessageBlock))
