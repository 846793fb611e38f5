"""The main screen: status bar, filter, conversation list and detail pane.

Data flows one way: the connection's `StoreChanged` is drained here into the list (rows read from
the store) and, when the open conversation changed, into the detail pane. What the pane is doing
is one explicit `Pane` value (`pane`, `screens/pane.py`), not a set of flags. The writes (new,
rename, delete, star, export) live in `WritesScreen` (`screens/main_writes.py`), search in
`FindScreen`, the layout keys in `LayoutScreen`; the palette and help entries in
`screens/main_commands.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from time import monotonic
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.getters import query_one
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import Worker

from pieces_tui.client import NotFound, PiecesError
from pieces_tui.connection import Connection, ConnectionChanged, LoadTrouble, StoreChanged
from pieces_tui.sanitize import clean_line
from pieces_tui.screens.bulk import BulkActions
from pieces_tui.screens.layout_keys import LayoutScreen
from pieces_tui.screens.main_find import FindScreen
from pieces_tui.screens.main_writes import WritesScreen
from pieces_tui.screens.pane import Pane
from pieces_tui.screens.spaced import Spaced
from pieces_tui.typeahead import keys_ready
from pieces_tui.widgets.conversation_list import ConversationList
from pieces_tui.widgets.detail import ConversationDetail
from pieces_tui.widgets.filter_field import FilterField
from pieces_tui.widgets.footer import Footer
from pieces_tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from pieces_tui.client import PiecesClient
    from pieces_tui.config import Settings, Timings

__all__ = ["MainScreen", "Pane"]

NO_CONVERSATIONS = "No conversations yet. Press n to start one."
NO_MATCH = "No conversation matches the filter."
LOADING = "Loading conversations…"

# Past this many changed rows, replacing the list wholesale is cheaper than patching it.
BULK_CHANGE = 256
FIRST_OPEN_LOOKS = 30  # frames (`_open_first`)
DRAIN_SPACING = 1 / 60
"""Seconds, at least, between two passes of store changes into the list (a frame at 60 fps):
during a burst of stream events each fetched conversation posts a change, and draining each one
on its own cost a list update, a repaint and a status update per event, in the way of keys."""


class MainScreen(WritesScreen, FindScreen, LayoutScreen):
    """Browse, filter, open, create, rename and delete conversations."""

    BINDINGS = [
        Binding("n", "new_conversation", "New"),
        Binding("r", "rename_conversation", "Rename"),
        Binding("d,delete", "delete_conversation", "Delete"),
        Binding("e", "export", "Export"),
        Binding("u", "undo_delete", "Undo"),
        Binding("slash", "start_filter", "Filter", key_display="/"),
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("q", "app.quit", "Quit"),
        Binding("ctrl+c", "app.quit", "Quit", show=False),  # as users expect (not in an Input)
        Binding("escape", "back_to_list", "Back", show=False),
        Binding("ctrl+r", "reload", "Reload the list", show=False),
    ]

    # The screen's state is `var`s: the screen draws none of it (the status bar, bound to it,
    # repaints its own line), and a reactive's every change repainted the whole screen.
    connection_state: var[str] = var("connecting")
    """"connecting", "live", "reconnecting" or "offline"."""
    connection_detail: var[str] = var("")
    source: var[str] = var("")
    count: var[int | None] = var(None)
    """How many conversations the store holds (None until the first load)."""
    filtered: var[int | None] = var(None)
    """How many pass the filter (None when there is no filter)."""
    pane: var[Pane] = var(Pane, init=False)
    """What the detail pane is doing (every opening, every move of the highlight changes it)."""
    marked: var[int] = var(0)
    """How many conversations are marked (`bulk.marks`)."""
    activity: var[str] = var("")
    """A long batch's progress ("deleting 40/200"), "" when idle."""

    conversation_list = query_one("#conversations", ConversationList)
    detail = query_one("#detail", ConversationDetail)
    status = query_one("#status", StatusBar)
    filter_input = query_one("#filter", Input)

    settings: Settings
    """Remembered across runs: the layout, the export folder (given, never None here)."""

    def __init__(
        self,
        connection: Connection,
        *,
        now: Callable[[], datetime],
        timings: Timings,
        settings: Settings,
        undo_seconds: float = 5.0,
    ) -> None:
        super().__init__()
        self.remember_from(settings)
        self.connection = connection
        self.store = connection.store
        self._now = now
        self._timings = timings
        self._settle: Timer | None = None
        self._drain = Spaced(self, DRAIN_SPACING, self._drain_changes)
        self._refresh = Spaced(self, timings.detail_settle, self._refresh_due)
        self._refresh_id: str | None = None
        self.bulk = BulkActions(self, undo_seconds=undo_seconds)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status").data_bind(
            state=MainScreen.connection_state,
            detail=MainScreen.connection_detail,
            source=MainScreen.source,
            count=MainScreen.count,
            filtered=MainScreen.filtered,
            marked=MainScreen.marked,
            activity=MainScreen.activity,
        )
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield FilterField(
                    placeholder="/ filter by name", id="filter", on_text=self._filter_to
                )
                yield ConversationList(id="conversations", source=self.store, now=self._now)
                # The search panel (hidden until `s`) is mounted here by `after_first_frame`.
            yield ConversationDetail(id="detail", now=self._now)
        yield Footer()

    def on_mount(self) -> None:
        keys_ready(self, self.conversation_list)  # keys typed while the app started go now
        self.conversation_list.show_marks(self.bulk.marks)
        self.detail.show_placeholder(LOADING)

    def after_first_frame(self) -> None:
        """The app painted its first frame: build what it did not show (the detail pane's
        sections, the search panel)."""
        self.detail.build()
        self.run_worker(self.mount_search_panel(), exit_on_error=False)

    @property
    def client(self) -> PiecesClient | None:
        return self.connection.client

    def run_worker(self, work: Any, *args: Any, **kwargs: Any) -> Worker[Any]:
        """This screen's workers (`@work` included) run on the app, so that the app's one
        `Worker.StateChanged` handler sees their failures (that message does not bubble)."""
        return self.app.run_worker(work, *args, **kwargs)

    # -- the connection --------------------------------------------------------------------------

    @on(ConnectionChanged)
    def _connection_changed(self, event: ConnectionChanged) -> None:
        self.connection_state = event.state
        self.connection_detail = event.detail
        if event.source is not None:
            self.source = event.source
        open_id = self.pane.conversation_id if self.pane.mode == "open" else None
        if event.state == "live" and self.detail.failed and open_id is not None:
            self._open(open_id)  # it failed while the server was away: heal

    @on(LoadTrouble)
    def _load_trouble(self, event: LoadTrouble) -> None:
        """The bulk load keeps failing (or no longer does): say why instead of "Loading"."""
        if self.pane.mode == "empty" and not self.connection.loaded:
            problem = event.problem
            self.detail.show_placeholder(clean_line(problem.message) if problem else LOADING)

    @on(StoreChanged)
    def _store_changed(self) -> None:
        """Drain the store's changes now, or at the next frame when the last drain was less than
        a frame ago: a burst of changes is one list update per frame, however many events."""
        self._drain.ask()

    def _drain_changes(self) -> None:
        """Tell the list which rows changed since the last time (it reads them from the store,
        which owns their order); then the pane."""
        changes = self.connection.take_changes()
        listing = self.conversation_list
        if len(changes.ids) > BULK_CHANGE or (listing.row_count == 0 and changes.ids):
            listing.rows_replaced()
        elif changes.ids:
            listing.rows_changed(changes.ids)
            panel = self.search_panel_if_mounted
            if panel is not None:
                for conversation_id in changes.ids:
                    panel.refresh_result(conversation_id)
        if changes.ids or changes.loaded:
            self._update_count()
        if changes.loaded and listing.highlighted_id is None:
            self._show_placeholder()  # nothing at all, or a filter typed early hides it all
        pane = self.pane
        open_id = pane.conversation_id
        if changes.loaded and pane.mode == "open" and open_id and not self.detail.conversation_id:
            self._open(open_id)  # opened from the saved list before there was a client
            return
        if pane.mode == "empty":
            if changes.ids and listing.highlighted_id is not None:
                self._open_first(listing.highlighted_id)
            return
        if open_id is None or open_id not in changes.ids or pane.mode == "settling":
            return
        if open_id in changes.removed:
            if pane.mode == "deleting":
                return  # ours: the list moved its highlight on, and the pane follows it
            if listing.highlighted_id not in (None, open_id):
                self.pane = replace(pane, mode="held")
            self.detail.show_deleted(open_id)
        elif open_id in self.store:
            self._refresh_soon(open_id)

    def _open_first(self, conversation_id: str, looks: int = 0) -> None:
        """Open the first row highlighted in an empty pane once the list has drawn it: after the
        bulk load, its fetch is the first to import pydantic and the models (~0.15 s on the
        loop), which held the list that just landed off the screen. Until the row is drawn,
        look a frame later, `FIRST_OPEN_LOOKS` times at most (a hidden sidebar draws none)."""
        listing = self.conversation_list
        if self.pane.mode != "empty" or listing.highlighted_id != conversation_id:
            return
        if listing.is_on_screen and not listing.drew(conversation_id) and looks < FIRST_OPEN_LOOKS:
            self.set_timer(DRAIN_SPACING, partial(self._open_first, conversation_id, looks + 1))
            return
        self._open(conversation_id)

    @property
    def pane_conversation_id(self) -> str | None:
        return self.pane.conversation_id

    def _update_count(self) -> None:
        listing = self.conversation_list
        self.count = len(self.store)
        self.filtered = listing.visible_count if listing.narrowed else None

    def _show_placeholder(self) -> None:
        self.pane = Pane("empty", moved_at=self.pane.moved_at)
        self.detail.show_placeholder(NO_CONVERSATIONS if not len(self.store) else NO_MATCH)

    # -- the detail pane follows the highlight ---------------------------------------------------

    @on(ConversationList.Highlighted)
    def _highlighted(self, event: ConversationList.Highlighted) -> None:
        pane = self.pane
        if pane.mode == "held":
            self.pane = replace(pane, mode="open")
            if event.conversation_id is not None:
                return
        if event.conversation_id is None:
            self._cancel_settle()
            self._show_placeholder()
            return
        if event.conversation_id == pane.conversation_id and pane.mode != "settling":
            return
        # A single move opens the conversation at once. While the highlight keeps moving (a key
        # held down, j j j), wait for it to rest: loading every conversation passed over would
        # keep the loop busy building panes nobody reads and make the next keypress late.
        now = monotonic()
        settle = self._timings.detail_settle
        moving = now - pane.moved_at < settle
        self._cancel_settle()
        if moving:
            self.pane = Pane("settling", event.conversation_id, now)
            self._settle = self.set_timer(settle, self._settled)
        elif pane.mode == "empty":  # the first row (the list landed, or a filter cleared)
            self.pane = replace(pane, moved_at=now)
            self._open_first(event.conversation_id)
        else:
            self._open(event.conversation_id, moved_at=now)

    def _settled(self) -> None:
        self._settle = None
        pane = self.pane
        if pane.mode == "settling" and pane.conversation_id is not None:
            self._open(pane.conversation_id, moved_at=pane.moved_at)

    def _cancel_settle(self) -> None:
        if self._settle is not None:
            self._settle.stop()
            self._settle = None

    @on(ConversationList.Selected)
    def _selected(self, event: ConversationList.Selected) -> None:
        self._cancel_settle()
        pane = self.pane
        # Enter on a conversation that failed to load tries again.
        if (
            event.conversation_id != pane.conversation_id
            or pane.mode == "settling"
            or self.detail.failed
        ):
            self._open(event.conversation_id, moved_at=pane.moved_at)
        self.detail.focus()

    def _open(self, conversation_id: str, *, moved_at: float | None = None) -> None:
        when = self.pane.moved_at if moved_at is None else moved_at
        self.pane = Pane("open", conversation_id, when)
        self._load_detail(conversation_id)

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def _load_detail(self, conversation_id: str) -> None:
        """A newer selection cancels this one (exclusive group): no mixed-up conversations.

        Not while the list is the saved snapshot: the server's list lands first (fetching the
        pane then competed with the bulk load and its parse on the loop, and made the start
        from a snapshot slower than without), and `_store_changed` opens the pane after it."""
        client = self.client
        if client is None or self.connection.from_snapshot:
            return
        from pieces_tui.detail_loader import failure_text, load_detail, message_fetcher

        self.detail.show_loading(conversation_id)
        row = self.store.get(conversation_id)
        try:
            view = await load_detail(
                client, conversation_id, message_count=row.message_count if row else None
            )
        except NotFound:
            # Deleted meanwhile; the list's own update moves the highlight on.
            self.detail.show_error(conversation_id, "This conversation was deleted.")
            return
        except PiecesError as error:
            self.detail.show_error(conversation_id, failure_text(error, client.base_url))
            return
        self.detail.show_conversation(view, message_fetcher(client))

    def _refresh_soon(self, conversation_id: str) -> None:
        """The open conversation changed: refresh the pane now, or once `detail_settle` has
        passed since the last refresh. A burst of changes to it (renames every few ms) is then a
        refresh per settle, each shown, rather than one per change, each cancelling the last
        one's requests and keeping the loop busy."""
        self._refresh_id = conversation_id
        self._refresh.ask()

    def _refresh_due(self) -> None:
        conversation_id, self._refresh_id = self._refresh_id, None
        pane = self.pane
        if (
            conversation_id is None
            or pane.mode in ("empty", "settling")
            or pane.conversation_id != conversation_id
        ):
            return  # the pane moved on meanwhile: what it opens next is loaded whole
        if conversation_id in self.store:
            self._refresh_detail(conversation_id)

    @work(exclusive=True, group="detail-refresh", exit_on_error=False)
    async def _refresh_detail(self, conversation_id: str) -> None:
        client = self.client
        if client is None:
            return
        from pieces_tui.detail_loader import load_detail

        try:
            view = await load_detail(
                client,
                conversation_id,
                known=self.detail.message_ids,
                conversation=self.store.conversation(conversation_id),
            )
        except PiecesError:
            return  # the stream will tell us if it was deleted; the pane keeps what it has
        if self.detail.conversation_id != conversation_id:
            return
        self.detail.show_header(view)
        self.detail.update_messages(view)

    # -- filter, focus, help ---------------------------------------------------------------------

    def action_start_filter(self) -> None:
        # Focus now rather than via `focus()` (which queues behind pending keys), so the keys
        # typed straight after `/` land in the filter.
        self.set_focus(self.filter_input)

    def _filter_to(self, text: str) -> None:
        """The filter's text changed (called by the field while the key is handled)."""
        self.conversation_list.filter_text = text
        self._update_count()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.conversation_list.focus()
        self.conversation_list.show_marks(self.bulk.marks)

    def action_back_to_list(self) -> None:
        """Escape: leave the detail pane, or clear the filter, or leave search mode."""
        field = self.filter_input
        listing = self.conversation_list
        if self.searching:
            self.search_back()
            return
        if self.focused is field or (self.focused is listing and field.value):
            field.value = ""
            listing.focus()
        elif self.focused is not listing:
            listing.focus()

    def action_reload(self) -> None:
        """Load the list again now when it failed to load (it also retries by itself)."""
        if not self.connection.reload():
            self.notify("The list is already loaded and kept live.")

    # The help screen and the palette's entries are imported when first asked for.

    def action_help(self) -> None:
        from pieces_tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        from pieces_tui.screens.main_commands import help_sections

        return help_sections(self)

    def system_commands(self) -> Iterable[SystemCommand]:
        from pieces_tui.screens.main_commands import main_commands

        return main_commands(self)
