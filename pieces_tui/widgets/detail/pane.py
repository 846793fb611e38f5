"""The detail pane: one conversation's header and a window of its messages.

Paging the messages in and out of the scroll view is `PagedMessages` (paging.py), with
`MessageWindow`'s arithmetic (window.py); this widget shows the header, takes the keys and marks
the search matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.events import Click, Focus
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Static

from pieces_tui.labels import UNTITLED
from pieces_tui.paths import styles_dir
from pieces_tui.sanitize import clean_text
from pieces_tui.timefmt import utc_now
from pieces_tui.widgets.detail import header
from pieces_tui.widgets.detail.blocks import MessageBlock, settled
from pieces_tui.widgets.detail.cursor import CursorMessages
from pieces_tui.widgets.detail.highlight import MatchHighlighter
from pieces_tui.widgets.detail.matches import MatchCursor
from pieces_tui.widgets.detail.views import ConversationView, MessageFetcher

if TYPE_CHECKING:
    from textual.widgets import Markdown

__all__ = ["REVEAL_LIMIT", "ConversationDetail"]

REVEAL_LIMIT = 2.0
"""Seconds the loading indicator may stay over a conversation being built underneath before it
is shown as it is (a page that is slow to arrive says so in its own line)."""


class ConversationDetail(CursorMessages, can_focus=True):
    """Scrollable pane. The app feeds it with `show_*` calls; it never does I/O itself, but it
    asks the `MessageFetcher` it is given for the messages the reader scrolls to.

    It opens at the top (title, summary, first messages). Only a window of the messages is
    mounted: more are mounted (fetched first if need be) as the reader nears either end of the
    window, with a line saying how many are above or below it; `G` jumps to the latest messages
    and `g` to the first ones at any length, fetching only what a screen shows.

    A message cursor (`CursorMessages`, `J` / `K`) marks the message `y` copies as its Markdown
    source and `c` copies a code block of (`copying.py`), through `App.copy_to_clipboard`.
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
        Binding("J", "next_message", "Next message", key_display="J", show=False),
        Binding("K", "previous_message", "Previous message", key_display="K", show=False),
        Binding("y", "copy_message", "Copy"),
        Binding("c", "copy_code", "Copy code"),
    ]

    class Shown(Message):
        """`show_conversation` put this conversation in the pane (its message ids are known);
        posted again when its loading indicator comes off (what waits for the pane to be
        built, search matches, looks again then)."""

        def __init__(self, conversation_id: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    def __init__(self, *, now: Callable[[], datetime] = utc_now, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self.failed = False
        """True while the pane shows why `conversation_id` could not be loaded."""
        self._title = ""
        self.matches = MatchCursor()
        """The messages matching the search, while one is active (n / N step through them)."""
        self.highlighter = MatchHighlighter()
        """Styles the search's words in the rendered Markdown of the matching messages."""
        self._revealing = False
        """The loading indicator covers a conversation being built (`_reveal_when_ready`)."""
        self._built = False

    @property
    def focusable(self) -> bool:
        """Focusable under its loading indicator too (Textual's widgets are not): Enter focuses
        the pane it opens at once, and the indicator stays until the conversation is built."""
        if self.loading:
            return self.allow_focus() and self.visible and not self.disabled
        return super().focusable

    def compose(self) -> ComposeResult:
        # The first frame shows the placeholder only: the sections, their styles
        # (styles/detail.tcss) and their widgets' come with `build`, after that frame.
        yield Static(Content("No conversation selected."), id="detail-placeholder")

    @property
    def built(self) -> bool:
        """Whether the sections below the placeholder are mounted (`build`)."""
        return self._built

    def build(self) -> None:
        """Mount the sections the placeholder stands for, hidden, with their styles: after the
        first frame (the screen calls it), or when something is first shown or the pane takes
        the focus, whichever comes first. Once; the widgets are queryable when it returns."""
        if self._built:
            return
        self._built = True
        stylesheet = self.app.stylesheet
        path = styles_dir() / "detail.tcss"
        if not stylesheet.has_source(str(path)):
            # As if it were in the app's CSS_PATH (same key, so a theme change re-reads it);
            # only this source is parsed, and the widgets mounted next are styled with it.
            stylesheet.add_source(path.read_text(encoding="utf-8"), read_from=(str(path), ""))
        sections: list[Widget] = [
            Static(id="detail-title"),
            Static(id="detail-meta"),
            Vertical(id="detail-annotations"),
            Static(id="detail-links"),
            Static(id="detail-earlier", classes="empty-messages"),
            Vertical(id="detail-messages"),
            Static(id="detail-later", classes="empty-messages"),
            Label("", id="new-below"),
        ]
        for widget in sections:
            widget.display = False
        self.mount_all(sections)

    def _on_focus(self, event: Focus) -> None:
        self.build()  # its keys act on the sections
        super()._on_focus(event)

    def _set_sections_visible(self, visible: bool) -> None:
        self.query_one("#detail-placeholder").display = not (visible and self._built)
        if not self._built:
            return
        for name in ("title", "meta", "annotations", "links", "messages"):
            self.query_one(f"#detail-{name}").display = visible
        if not visible:  # (shown, the edge lines show as the window says)
            for name in ("earlier", "later"):
                self.query_one(f"#detail-{name}").display = False

    def _show_text(self, text: str, *, failed: bool) -> None:
        """The placeholder's text instead of a conversation (nothing selected, or an error)."""
        self._revealing = False
        self.loading = False
        self.failed = failed
        self._set_sections_visible(False)
        self.query_one("#detail-placeholder", Static).update(Content(text))

    def show_placeholder(self, text: str) -> None:
        self._forget_window()
        self.conversation_id = None
        self._show_text(text, failed=False)

    def show_loading(self, conversation_id: str) -> None:
        self.build()
        self._forget_window()
        self.conversation_id = conversation_id
        self._revealing = False
        self.loading = True
        self.failed = False

    def show_error(self, conversation_id: str, text: str) -> None:
        self.build()
        if conversation_id != self.conversation_id:
            return
        self._show_text(clean_text(text), failed=True)

    def show_deleted(self, conversation_id: str) -> None:
        self.build()
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
        self.build()
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
        self.build()
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
        self.reset_cursor()
        self.window.open(view.all_message_ids, view.messages)
        self._set_unseen(0)
        self.anchor(False)
        self._reset_window(0)
        self.scroll_home(animate=False, immediate=True)
        self._open_window()
        # Nothing to fill in (no summary, no messages): nothing would check again.
        self.call_after_refresh(self._reveal_when_ready)
        self.post_message(self.Shown(view.id))

    # -- one loading look ------------------------------------------------------------------------

    def get_loading_widget(self) -> Widget:
        from pieces_tui.widgets.detail.loading import DotsIndicator

        return DotsIndicator()

    def _paused(self) -> bool:
        return bool(self.loading) and not self._revealing

    def _after_layout(self) -> None:
        super()._after_layout()
        self._reveal_when_ready()

    def _reveal_when_ready(self) -> None:
        """Lift the loading indicator once what the first screen shows is built: the summary's
        and the first batch of messages' Markdown is in (the first batch is a screenful or
        more; the rest is mounted after the first frame, as the reader nears the end).

        Checked when a Markdown is filled in, not after a layout: Textual does not lay out the
        children of a widget under its loading indicator (the indicator takes its place in the
        compositor), so no size is known, and no layout comes, until the indicator is off.
        Waiting for one held every opening to `REVEAL_LIMIT`."""
        if not self._revealing:
            return
        annotations = self.query_one("#detail-annotations", Vertical)
        if settled(self._mounted_blocks()) and settled(list(annotations.children)):
            self._reveal(self.conversation_id)

    def _reveal(self, conversation_id: str | None) -> None:
        if (
            self._revealing
            and conversation_id is not None
            and conversation_id == self.conversation_id
        ):
            self._revealing = False
            self.loading = False
            self.post_message(self.Shown(conversation_id))

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

    def _decorate(self, block: MessageBlock) -> None:
        block.set_class(block.message.id in self.matches, "-match")
        super()._decorate(block)

    # -- search matches --------------------------------------------------------------------------

    def set_matches(self, matching: Iterable[str], words: Sequence[str] = ()) -> None:
        """Mark these messages as matching the search, highlight `words` (folded) in them, and
        jump to the first (n / N then step through them, fetching the stretch of a long
        conversation each one is in)."""
        self.build()
        self.matches = MatchCursor(self.window.ids, matching)
        self.highlighter.words = tuple(words)
        for block in self._mounted_blocks():
            block.set_class(block.message.id in self.matches, "-match")
            self._highlight(block)
        self.refresh_bindings()
        if self.matches:
            self.action_next_match()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without an active search, n and N fall through to the screen (n: New).
        if action in ("next_match", "previous_match"):
            return bool(self.matches)
        if action in ("copy_message", "copy_code", "next_message", "previous_message"):
            return True if len(self.window) and not self.loading else None
        return True

    def action_next_match(self) -> None:
        self._step_match(+1)

    def action_previous_match(self) -> None:
        self._step_match(-1)

    def _step_match(self, delta: int) -> None:
        before = self.matches.current
        after = self.matches.step(delta)
        hit: Widget | None = None
        for block in self._mounted_blocks():
            if block.message.id == before:
                self._highlight(block)
            if block.message.id == after:
                hit = self._highlight(block)
        self._to_match(after)
        if hit is not None:  # the message's top is shown: also its first matching word
            self.scroll_to_widget(hit, animate=False, immediate=True)

    def _highlight(self, block: MessageBlock) -> Widget | None:
        message_id = block.message.id
        current = message_id == self.matches.current
        return self.highlighter.apply(block, matching=message_id in self.matches, current=current)

    def on_markdown_table_of_contents_updated(self, event: Markdown.TableOfContentsUpdated) -> None:
        """A message's Markdown is parsed and mounted: highlight it if it matches. (A handler by
        name, so the pane does not import Markdown, which loads on first use.)"""
        node = event.markdown.parent
        while node is not None and not isinstance(node, MessageBlock):
            node = node.parent
        if node is not None and node.message.id in self.matches:
            self._highlight(node)
        self._reveal_when_ready()

    @on(MessageBlock.Filled)
    def _plain_filled(self, event: MessageBlock.Filled) -> None:
        """A plain message's text is mounted: as for a Markdown one, above."""
        event.stop()
        if event.block.message.id in self.matches:
            self._highlight(event.block)
        self._reveal_when_ready()

    def _to_match(self, message_id: str | None) -> None:
        if message_id is not None:
            self.move_cursor(message_id, top=True)

    # -- the cursor ----------------------------------------------------------------------------

    def action_next_message(self) -> None:
        self.step_cursor(+1)

    def action_previous_message(self) -> None:
        self.step_cursor(-1)

    def action_jump_to_start(self) -> None:
        super().action_jump_to_start()
        if self.window.ids:
            self._follow = False
            self._set_cursor(self.window.ids[0])

    def action_jump_to_end(self) -> None:
        super().action_jump_to_end()
        if self.window.ids:
            self._follow = False
            self._set_cursor(self.window.ids[-1])

    @on(Click, "#new-below")
    def _clicked_hint(self) -> None:
        self.action_jump_to_end()
