"""Search mode and favorites for the main screen, kept apart so that `screens/main.py` stays small.

`FindScreen` is `MainScreen`'s base: it holds the `s` / `f` / `F` keys, their palette commands and
the search panel's flow (starring itself, `f`, is a write: `screens/main_writes.py`). What it
needs of the main screen (the list, the pane, opening a conversation) is declared here and
defined there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from pieces_tui.client import PiecesError
from pieces_tui.widgets.detail import ConversationDetail

if TYPE_CHECKING:
    from textual.widget import AwaitMount
    from textual.worker import Worker

    from pieces_tui.client import PiecesClient
    from pieces_tui.screens.bulk import BulkActions
    from pieces_tui.screens.search_panel import SearchPanel
    from pieces_tui.state.store import ConversationStore
    from pieces_tui.widgets.conversation_list import ConversationList

__all__ = ["FindScreen"]


class FindScreen(Screen[None]):
    """The search and favorites half of `MainScreen`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "search", "Search"),
        Binding("f", "toggle_favorite", "Star"),
        Binding("F", "favorites_only", "Favorites", key_display="F"),
    ]

    _search_mount: AwaitMount | None = None
    _matching: tuple[str, list[str], tuple[str, ...]] | None = None
    """The matching message ids of the result just opened and the query's words, until the pane
    shows it."""

    if TYPE_CHECKING:
        bulk: BulkActions
        store: ConversationStore
        conversation_list: ConversationList
        detail: ConversationDetail

        def _open(self, conversation_id: str, *, moved_at: float | None = None) -> None: ...
        def _cancel_settle(self) -> None: ...
        def _connected(self) -> PiecesClient | None: ...
        def _update_count(self) -> None: ...
        @property
        def client(self) -> PiecesClient | None: ...
        def action_toggle_favorite(self) -> Worker[None]: ...
        @property
        def pane_conversation_id(self) -> str | None: ...

    # The search panel is not part of the first frame: it is mounted after it (or at `s`, if
    # that comes first), and its module imported only then (tests/test_deferred_imports.py).

    @property
    def search_panel_if_mounted(self) -> SearchPanel | None:
        for panel in self.query("#search"):
            return panel  # type: ignore[return-value]
        return None

    @property
    def search_panel(self) -> SearchPanel:
        panel = self.search_panel_if_mounted
        if panel is None:
            raise LookupError("the search panel is not mounted yet")
        return panel

    async def mount_search_panel(self) -> SearchPanel:
        """The search panel, mounted (hidden) below the list if it is not yet."""
        panel = self.search_panel_if_mounted
        if panel is None:
            from pieces_tui.screens.search_panel import SearchPanel

            panel = SearchPanel(lambda: self.client, self.store.get, id="search")
            panel.display = False
            # In the DOM at once (a second caller finds it), composed once awaited.
            self._search_mount = self.query_one("#sidebar").mount(panel)
        if self._search_mount is not None:
            await self._search_mount
        return panel

    @property
    def searching(self) -> bool:
        """Whether the sidebar shows the search panel instead of the list."""
        panel = self.search_panel_if_mounted
        return panel is not None and panel.display

    def _show_search(self, searching: bool) -> None:
        # Inline styles apply at once, so the field can take the focus (and the keys typed
        # straight after `s`) in this same handler.
        self.search_panel.display = searching
        self.conversation_list.display = not searching
        self.query_one("#filter").display = not searching

    async def action_search(self) -> None:
        panel = await self.mount_search_panel()
        self._show_search(True)
        panel.start()

    def search_back(self) -> None:
        """Escape in search mode: from the pane back to the results; from the panel back to the
        full list, where it was."""
        focused = self.focused
        if focused is not None and focused in self.search_panel.walk_children():
            self._leave_search()
        else:
            self.search_panel.results.focus()

    def _leave_search(self) -> None:
        self._show_search(False)
        self._matching = None
        self.detail.set_matches(())
        listing = self.conversation_list
        listing.focus()
        highlighted = listing.highlighted_id
        if highlighted is not None and highlighted != self.pane_conversation_id:
            self._open(highlighted)

    def on_search_panel_opened(self, event: SearchPanel.Opened) -> None:
        """A result was chosen (`SearchPanel.Opened`; by its handler's name, so that this
        module needs no import of the panel)."""
        self._cancel_settle()
        self._matching = None
        detail = self.detail
        if detail.conversation_id != event.conversation_id or detail.failed:
            self._open(event.conversation_id)
        detail.focus()
        if event.query:
            self._find_matches(event.conversation_id, event.query)

    @work(exclusive=True, group="search-matches", exit_on_error=False)
    async def _find_matches(self, conversation_id: str, query: str) -> None:
        """Which messages of the opened result match (n / N); applied once the pane shows it."""
        client = self._connected()
        if client is None:
            return
        try:
            hits = await client.search_conversation_messages(conversation_id, query, limit=1000)
        except PiecesError:
            return  # the pane says whether it was deleted; without matches n / N stay off
        ids = [hit.identifier for hit in hits]
        from pieces_tui.widgets.detail.highlight import query_words

        self._matching = (conversation_id, ids, query_words(query))
        self._apply_matches()

    @on(ConversationDetail.Shown)
    def _detail_shown(self) -> None:
        self._apply_matches()

    def _apply_matches(self) -> None:
        matching = self._matching
        if matching is None or not self.searching:
            return
        conversation_id, ids, words = matching
        detail = self.detail
        if detail.conversation_id == conversation_id and detail.message_ids and not detail.loading:
            self._matching = None
            self.detail.set_matches(ids, words)

    def action_favorites_only(self) -> None:
        listing = self.conversation_list
        listing.favorites_only = not listing.favorites_only
        self._update_count()

    def find_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Search messages", "Search every message and name", self.action_search)
        yield SystemCommand(
            "Toggle favorite",
            "Star the marked conversations (or the highlighted one) · f",
            self.action_toggle_favorite,
        )
        yield SystemCommand(
            "Favorites only", "Show only starred conversations", self.action_favorites_only
        )
