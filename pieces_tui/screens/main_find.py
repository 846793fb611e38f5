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
from textual.getters import query_one
from textual.screen import Screen

from pieces_tui.client import PiecesError
from pieces_tui.screens.search_panel import SearchPanel
from pieces_tui.widgets.detail import ConversationDetail
from pieces_tui.widgets.detail.highlight import query_words

if TYPE_CHECKING:
    from textual.worker import Worker

    from pieces_tui.client import PiecesClient
    from pieces_tui.screens.bulk import BulkActions
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

    search_panel = query_one("#search", SearchPanel)
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
        def action_toggle_favorite(self) -> Worker[None]: ...
        @property
        def pane_conversation_id(self) -> str | None: ...

    @property
    def searching(self) -> bool:
        """Whether the sidebar shows the search panel instead of the list."""
        return self.search_panel.display

    def _show_search(self, searching: bool) -> None:
        # Inline styles apply at once, so the field can take the focus (and the keys typed
        # straight after `s`) in this same handler.
        self.search_panel.display = searching
        self.conversation_list.display = not searching
        self.query_one("#filter").display = not searching

    def action_search(self) -> None:
        self._show_search(True)
        self.search_panel.start()

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

    @on(SearchPanel.Opened)
    def _search_opened(self, event: SearchPanel.Opened) -> None:
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
