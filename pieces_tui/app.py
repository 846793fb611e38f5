"""The pieces-tui application: owns the client, the live stream worker and the main layout."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from time import monotonic
from typing import Any, TypeVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from pieces_tui.client import (
    IdentifierStream,
    NotFound,
    PiecesClient,
    PiecesError,
    StreamState,
    discover,
)
from pieces_tui.client.http import DEFAULT_TIMEOUT
from pieces_tui.client.models import Asset, Conversation, ConversationMessage, Website
from pieces_tui.config import Settings
from pieces_tui.demo import DemoServer
from pieces_tui.paths import styles_dir
from pieces_tui.sanitize import clean_line, clean_text
from pieces_tui.screens.confirm_delete import ConfirmDeleteScreen
from pieces_tui.screens.connect import ConnectChoice, ConnectScreen
from pieces_tui.screens.help import HelpScreen, binding_rows
from pieces_tui.screens.new_conversation import NewConversation, NewConversationScreen
from pieces_tui.screens.rename import RenameScreen
from pieces_tui.state.store import ConversationStore, StoreChange
from pieces_tui.state.sync import Synchronizer
from pieces_tui.views import conversation_view, message_views
from pieces_tui.widgets.conversation_list import ConversationList
from pieces_tui.widgets.detail import (
    FETCH_BATCH,
    ConversationDetail,
    ConversationView,
    MessageFetcher,
    MessageView,
)
from pieces_tui.widgets.status_bar import StatusBar

_T = TypeVar("_T")

# Up to this many messages, one GET /conversation/{id}/messages is cheaper than a request per
# message shown (embedded server, 2 cores: all of 200 messages in 31 ms; 12 one by one in 93 ms).
BULK_MESSAGES = 400


def utc_now() -> datetime:
    return datetime.now(UTC)


async def _linked(
    client: PiecesClient, conversation: Conversation
) -> tuple[list[Asset], list[Website]]:
    """The linked assets and websites that still exist (a conversation may outlive them)."""

    async def one(fetch: Callable[[str], Awaitable[_T]], item_id: str) -> _T | None:
        try:
            return await fetch(item_id)
        except NotFound:
            return None

    assets, websites = await asyncio.gather(
        asyncio.gather(*(one(client.asset, i) for i in conversation.asset_ids)),
        asyncio.gather(*(one(client.website, i) for i in conversation.website_ids)),
    )
    return [a for a in assets if a is not None], [w for w in websites if w is not None]


async def _gather_detail(
    client: PiecesClient, conversation_id: str, known: Collection[str] = ()
) -> ConversationView:
    """Everything the detail pane shows first of one conversation, fetched concurrently.

    A conversation of up to `BULK_MESSAGES` messages comes whole (one request). Of a longer one
    only a few messages come: the first ones or, when `known` (the ids the pane has) is given,
    the last new ones; the pane fetches the others as the reader scrolls to them."""
    conversation = await client.conversation(conversation_id)
    ids = conversation.message_ids()
    messages, annotations, (assets, websites) = await asyncio.gather(
        _first_messages(client, conversation_id, ids, known),
        client.annotations(conversation.annotation_ids),
        _linked(client, conversation),
    )
    return conversation_view(conversation, messages, annotations, assets, websites, ids)


async def _first_messages(
    client: PiecesClient, conversation_id: str, ids: Sequence[str], known: Collection[str]
) -> list[ConversationMessage]:
    if len(ids) <= BULK_MESSAGES:
        return await client.messages(conversation_id)
    if known:
        have = set(known)
        wanted = [i for i in ids if i not in have][-FETCH_BATCH:]
    else:
        wanted = list(ids[:FETCH_BATCH])
    found = await client.messages_by_ids(wanted)
    return [m for m in found.values() if m is not None]


def _message_fetcher(client: PiecesClient) -> MessageFetcher:
    """What the detail pane calls to fetch the messages the reader scrolls to."""

    async def fetch(message_ids: Sequence[str]) -> list[MessageView]:
        found = await client.messages_by_ids(message_ids)
        return message_views([m for m in found.values() if m is not None])

    return fetch


class PiecesApp(App[None]):
    """Browse Pieces OS conversations. Create it through `pieces_tui.cli.create_app`."""

    CSS_PATH = [styles_dir() / "app.tcss"]
    TITLE = "pieces-tui"
    BINDINGS = [
        Binding("n", "new_conversation", "New"),
        Binding("r", "rename_conversation", "Rename"),
        Binding("d,delete", "delete_conversation", "Delete"),
        Binding("slash", "start_filter", "Filter", key_display="/"),
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "back_to_list", "Back", show=False),
    ]

    # Network timings. The defaults suit a real Pieces OS; tests shorten them (set them on the
    # instance before it runs) so that a run of reconnects or timeouts takes seconds.
    request_timeout: float = DEFAULT_TIMEOUT
    """Seconds allowed for one request, and for opening the live stream."""
    retry_delay: float = 0.25
    """First delay before reconnecting or retrying; it doubles per failure up to `retry_cap`."""
    retry_cap: float = 10.0
    stream_keepalive: float = 5.0
    """Seconds between pings on the live stream, and allowed for their answer."""
    detail_settle: float = 0.1
    """Seconds the highlight must rest, while it keeps moving, before the detail pane follows."""

    def __init__(
        self,
        *,
        url: str | None = None,
        demo: DemoServer | None = None,
        settings: Settings | None = None,
        now: Callable[[], datetime] = utc_now,
        discover_hosts: bool = True,
    ) -> None:
        super().__init__()
        self._url = url
        self._demo = demo
        self._settings = settings if settings is not None else Settings.load()
        self._now = now
        self._discover_hosts = discover_hosts
        self.client: PiecesClient | None = None
        self.store = ConversationStore()
        self.store.subscribe(self._store_changed)
        # Conversations this app is deleting: their removal is expected, not news.
        self._own_deletes: set[str] = set()
        # Set when the open conversation was deleted elsewhere: the pane keeps showing it (marked
        # deleted) instead of following the highlight to its neighbour, until the user moves.
        self._hold_deleted = False
        # The highlight's last move, and the detail load waiting for it to rest.
        self._last_highlight = float("-inf")
        self._pending_detail: Timer | None = None

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="/ filter by name", id="filter")
                yield ConversationList(id="conversations", now=self._now)
            yield ConversationDetail(id="detail", now=self._now)
        yield Footer()

    @property
    def conversation_list(self) -> ConversationList:
        return self.query_one("#conversations", ConversationList)

    @property
    def detail(self) -> ConversationDetail:
        return self.query_one("#detail", ConversationDetail)

    @property
    def status(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification, whoever raises it: error texts from the server are untrusted, so
        control characters and escape sequences go (`clean_text`) before a toast shows them."""
        super().notify(
            clean_text(message),
            title=clean_line(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def on_mount(self) -> None:
        if self._settings.theme in self.available_themes:
            self.theme = self._settings.theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.conversation_list.focus()
        self.detail.show_placeholder("Loading conversations…")
        self._start()

    def _remember_theme(self, theme: Theme) -> None:
        if theme.name != self._settings.theme:
            self._settings.theme = theme.name
            try:
                self._settings.save()
            except OSError as error:
                self.notify(f"Could not save settings: {error}", severity="warning", markup=False)

    # -- connecting -----------------------------------------------------------------------------

    @work(exclusive=True, group="connect", exit_on_error=False)
    async def _start(self) -> None:
        """Find a server (or start the demo), then run the live sync until the app exits."""
        self.status.state = "connecting"
        self.status.detail = ""
        url = self._url
        if url is None and self._demo is not None:
            self.status.source = "starting demo server…"
            url = await self._demo.start()
        if url is None and self._discover_hosts:
            self.status.source = "looking for Pieces OS…"
            url = await discover()
        if url is None:
            self._offer_choices("No Pieces OS answered on this machine.")
            return
        await self._connect(url)

    async def _connect(self, url: str) -> None:
        self._url = url
        if self.client is not None:
            await self.client.aclose()
        self.client = PiecesClient(url, timeout=self.request_timeout)
        self.status.source = url if self._demo is None else f"demo server {url}"
        self._sync(self.client)

    def _offer_choices(self, reason: str) -> None:
        self.status.state = "offline"
        looked_at = self._url or "127.0.0.1 ports 39300-39333 and localhost:1000"
        screen = ConnectScreen(f"{reason} Trying again by itself…", looked_at)
        self.push_screen(screen, self._connect_choice)
        self._knock(screen)

    @work(exclusive=True, group="knock", exit_on_error=False)
    async def _knock(self, screen: ConnectScreen) -> None:
        """While the connect screen is up, keep asking (with backoff); when Pieces OS answers,
        go on as if the user had pressed Retry."""
        delay = self.retry_delay
        while True:
            self.status.detail = f"next try in {delay:.1f} s"
            await asyncio.sleep(delay)
            if screen not in self.screen_stack:
                return  # the user chose something
            if screen is not self.screen:
                continue  # something on top of it (help, palette): knock once it is back
            delay = min(self.retry_cap, delay * 2)
            if self._url is not None:
                async with PiecesClient(self._url, timeout=self.request_timeout) as probe:
                    try:
                        await probe.health()
                    except PiecesError:
                        continue
            elif not self._discover_hosts:
                return  # nowhere to look: only the user can say where
            elif await discover() is None:
                continue
            if screen is not self.screen:
                continue
            self.status.detail = ""
            await screen.dismiss(ConnectChoice("retry"))
            return

    def _connect_choice(self, choice: ConnectChoice | None) -> None:
        if choice is None:
            return
        if choice.action == "demo":
            if self._demo is None:
                self._demo = DemoServer()
            self._url = None
        elif choice.action == "url":
            self._url = choice.url
        self._start()

    @work(exclusive=True, group="sync", exit_on_error=False)
    async def _sync(self, client: PiecesClient) -> None:
        """Check the server answers, then keep the store in step with it until the app exits."""
        try:
            await client.health()
        except PiecesError as error:
            self._offer_choices(f"No answer from {client.base_url}: {error}")
            return
        stream = IdentifierStream(
            client.base_url,
            base_delay=self.retry_delay,
            max_delay=self.retry_cap,
            open_timeout=self.request_timeout,
            keepalive=self.stream_keepalive,
        )
        synchronizer = Synchronizer(
            client,
            self.store,
            stream=stream,
            on_state=self._sync_state,
            on_error=self._sync_error,
            retry_delay=self.retry_delay,
            max_retry_delay=self.retry_cap,
        )
        running = asyncio.create_task(synchronizer.run())
        loaded = asyncio.create_task(synchronizer.loaded.wait())
        try:
            await asyncio.wait({running, loaded}, return_when=asyncio.FIRST_COMPLETED)
            if loaded.done():
                self._first_load_done()
            await running
        finally:
            loaded.cancel()
            running.cancel()

    def _first_load_done(self) -> None:
        self._update_count()
        if not len(self.store):
            self.detail.show_placeholder("No conversations yet. Press n to start one.")

    def _sync_state(self, state: StreamState) -> None:
        self.status.state = state.state
        if state.state in ("reconnecting", "offline"):
            self.status.detail = f"attempt {state.attempt}, next in {state.delay:.1f} s"
        else:
            self.status.detail = ""

    def _sync_error(self, error: PiecesError) -> None:
        self.log.warning(f"sync: {error}")

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """One place for unexpected worker failures: tell the user, keep running."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(
                clean_line(f"{type(error).__name__}: {error}"),
                title="Something went wrong",
                severity="error",
                markup=False,
            )

    # -- live updates ---------------------------------------------------------------------------

    # Past this many changed rows, replacing the list wholesale is cheaper than patching it.
    BULK_CHANGE = 256

    def _store_changed(self, change: StoreChange) -> None:
        """Patch the list row by row; refresh the detail pane if its conversation changed."""
        listing = self.conversation_list
        changed = len(change.added) + len(change.updated) + len(change.removed)
        if changed > self.BULK_CHANGE or listing.row_count == 0:
            listing.set_rows(self.store.ordered())
        else:
            for conversation_id in change.removed:
                listing.remove_row(conversation_id)
            for conversation_id in (*change.added, *change.updated):
                summary = self.store.get(conversation_id)
                if summary is not None:
                    listing.upsert_row(summary)
        self._update_count()
        open_id = self.detail.conversation_id
        if open_id is None:
            if change.added and listing.highlighted_id is not None:
                self._load_detail(listing.highlighted_id)
            return
        if open_id in change.removed and open_id not in self._own_deletes:
            # The list moved its highlight on and will say so; keep the pane where it is.
            self._hold_deleted = listing.highlighted_id not in (None, open_id)
            self.detail.show_deleted(open_id)
        elif open_id in change.updated:
            self._refresh_detail(open_id)

    def _update_count(self) -> None:
        listing = self.conversation_list
        self.status.count = len(self.store)
        self.status.filtered = listing.visible_count if listing.filter_text else None

    @on(ConversationList.Highlighted)
    def _highlighted(self, event: ConversationList.Highlighted) -> None:
        if self._hold_deleted:
            self._hold_deleted = False
            if event.conversation_id is not None:
                return
        if event.conversation_id is None:
            if not len(self.store):
                self.detail.show_placeholder("No conversations yet. Press n to start one.")
            else:
                self.detail.show_placeholder("No conversation matches the filter.")
            return
        if event.conversation_id == self.detail.conversation_id:
            return
        # A single move opens the conversation at once. While the highlight keeps moving (a key
        # held down, j j j), wait for it to rest: loading every conversation passed over would
        # keep the loop busy building panes nobody reads and make the next keypress late.
        now = monotonic()
        moving = now - self._last_highlight < self.detail_settle
        self._last_highlight = now
        self._cancel_pending_detail()
        if moving:
            self._pending_detail = self.set_timer(
                self.detail_settle, partial(self._load_detail, event.conversation_id)
            )
        else:
            self._load_detail(event.conversation_id)

    def _cancel_pending_detail(self) -> None:
        if self._pending_detail is not None:
            self._pending_detail.stop()
            self._pending_detail = None

    @on(ConversationList.Selected)
    def _selected(self, event: ConversationList.Selected) -> None:
        self._cancel_pending_detail()
        # Enter on a conversation that failed to load tries again.
        if event.conversation_id != self.detail.conversation_id or self.detail.failed:
            self._load_detail(event.conversation_id)
        self.detail.focus()

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def _load_detail(self, conversation_id: str) -> None:
        """A newer selection cancels this one (exclusive group): no mixed-up conversations."""
        client = self.client
        if client is None:
            return
        self.detail.show_loading(conversation_id)
        try:
            view = await _gather_detail(client, conversation_id)
        except NotFound:
            # Deleted meanwhile; the list's own update moves the highlight on.
            self.detail.show_error(conversation_id, "This conversation was deleted.")
            return
        except PiecesError as error:
            self.detail.show_error(conversation_id, f"Could not load this conversation: {error}")
            return
        self.detail.show_conversation(view, _message_fetcher(client))

    @work(exclusive=True, group="detail-refresh", exit_on_error=False)
    async def _refresh_detail(self, conversation_id: str) -> None:
        client = self.client
        if client is None:
            return
        try:
            view = await _gather_detail(client, conversation_id, self.detail.message_ids)
        except PiecesError:
            return  # the stream will tell us if it was deleted; the pane keeps what it has
        if self.detail.conversation_id != conversation_id:
            return
        self.detail.show_header(view)
        self.detail.update_messages(view)

    # -- actions --------------------------------------------------------------------------------

    def _highlighted_summary_name(self) -> tuple[str, str | None] | None:
        conversation_id = self.conversation_list.highlighted_id
        if conversation_id is None:
            self.notify("No conversation is highlighted.", severity="warning")
            return None
        summary = self.store.get(conversation_id)
        return conversation_id, summary.name if summary is not None else None

    def action_new_conversation(self) -> None:
        if self.client is None:
            self.notify("Not connected to Pieces OS yet.", severity="warning")
            return
        client = self.client
        self.push_screen(
            NewConversationScreen(lambda: client.assets(transferables=True)),
            self._new_dialog_closed,
        )

    def _new_dialog_closed(self, request: NewConversation | None) -> None:
        if request is not None:
            self._create(request)

    @work(group="writes", exit_on_error=False)
    async def _create(self, request: NewConversation) -> None:
        if self.client is None:
            return
        try:
            if request.asset_id is not None:
                created = await self.client.create_from_asset(request.asset_id, name=request.name)
            else:
                created = await self.client.create_conversation(name=request.name)
        except PiecesError as error:
            self.notify(
                f"Could not create the conversation: {error}", severity="error", markup=False
            )
            return
        # The stream announces it too; upserting now makes it show without waiting for that.
        self.store.upsert(created)
        self.conversation_list.highlight(created.id)

    def action_rename_conversation(self) -> None:
        target = self._highlighted_summary_name()
        if target is None:
            return
        conversation_id, name = target

        def closed(new_name: str | None) -> None:
            if new_name is not None:
                self._rename(conversation_id, new_name)

        self.push_screen(RenameScreen(name), closed)

    @work(group="writes", exit_on_error=False)
    async def _rename(self, conversation_id: str, name: str) -> None:
        if self.client is None:
            return
        try:
            self.store.upsert(await self.client.rename_conversation(conversation_id, name))
        except PiecesError as error:
            self.notify(f"Could not rename: {error}", severity="error", markup=False)

    def action_delete_conversation(self) -> None:
        target = self._highlighted_summary_name()
        if target is None:
            return
        conversation_id, name = target

        def closed(confirmed: bool | None) -> None:
            if confirmed:
                self._delete(conversation_id)

        self.push_screen(ConfirmDeleteScreen(name or "Untitled conversation"), closed)

    @work(group="writes", exit_on_error=False)
    async def _delete(self, conversation_id: str) -> None:
        if self.client is None:
            return
        self._own_deletes.add(conversation_id)
        try:
            await self.client.delete_conversation(conversation_id)
        except NotFound:
            # Deleted elsewhere first (the stream may not have said so yet): the goal is met.
            self.store.remove(conversation_id)
            self.notify("This conversation was already deleted elsewhere.", title="Deleted")
            return
        except PiecesError as error:
            self.notify(f"Could not delete: {error}", severity="error", markup=False)
            return
        else:
            self.store.remove(conversation_id)
        finally:
            self._own_deletes.discard(conversation_id)

    def action_start_filter(self) -> None:
        field = self.query_one("#filter", Input)
        # Focus now rather than via `focus()` (which queues behind pending keys), so the keys
        # typed straight after `/` land in the filter.
        self.screen.set_focus(field)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.conversation_list.filter_text = event.value
        self._update_count()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.conversation_list.focus()

    def action_back_to_list(self) -> None:
        """Escape: leave the detail pane, or clear the filter."""
        field = self.query_one("#filter", Input)
        if self.focused is field or (self.focused is self.conversation_list and field.value):
            field.value = ""
            self.conversation_list.focus()
        elif self.focused is not self.conversation_list:
            self.conversation_list.focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        return [
            (
                "Everywhere",
                [*binding_rows(self.BINDINGS), ("tab", "Next pane"), ("^p", "Commands")],
            ),
            ("Conversation list", binding_rows(ConversationList.BINDINGS)),
            ("Detail pane", binding_rows(ConversationDetail.BINDINGS)),
        ]

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "New conversation", "Create a conversation", self.action_new_conversation
        )
        yield SystemCommand(
            "Rename conversation",
            "Rename the highlighted conversation",
            self.action_rename_conversation,
        )
        yield SystemCommand(
            "Delete conversation",
            "Delete the highlighted conversation",
            self.action_delete_conversation,
        )
        yield SystemCommand(
            "Filter conversations", "Filter the list by name", self.action_start_filter
        )
        yield SystemCommand("Show keys", "List every key binding", self.action_help)

    async def on_unmount(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        if self._demo is not None:
            await self._demo.stop()
