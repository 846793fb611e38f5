"""The search mode of the sidebar: a field and the ranked results of `POST /conversations/search`.

Results come as the user pauses: each change of the field starts one exclusive worker that first
waits `DEBOUNCE`, then asks the server, so a newer query cancels the older one (whether it is
still waiting or already on the wire) and only the last query's results are ever shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.getters import query_one
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Static

from pieces_tui.client import PiecesError
from pieces_tui.widgets.search_results import SearchResult, SearchResults

if TYPE_CHECKING:
    from pieces_tui.client import PiecesClient
    from pieces_tui.client.search import SearchedConversation
    from pieces_tui.client.summary import ConversationSummary

__all__ = ["DEBOUNCE", "SearchPanel"]

DEBOUNCE = 0.2
"""How long the field must rest before its query is sent (seconds)."""


class SearchPanel(Vertical):
    """The search field over its results. Posts `Opened` when a result is chosen."""

    DEFAULT_CSS = """
    SearchPanel {
        height: 1fr;
        & > #search-input {
            height: 1;
            border: none;
            padding: 0 1;
            background: $boost;
            &:focus { border: none; background: $accent 20%; }
        }
        & > #search-status {
            height: 1;
            padding: 0 1;
            color: $text-muted;
        }
    }
    """

    class Opened(Message):
        """A result was chosen: open `conversation_id`, whose messages match `query`."""

        def __init__(self, conversation_id: str, query: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.query = query

    class Searched(Message):
        """Results for `query` are on screen (`count` of them)."""

        def __init__(self, query: str, count: int) -> None:
            super().__init__()
            self.query = query
            self.count = count

    active_query: reactive[str] = reactive("", init=False)
    """The query whose results are shown ("" before the first)."""

    field = query_one("#search-input", Input)
    results = query_one("#search-results", SearchResults)
    status_line = query_one("#search-status", Static)

    def __init__(
        self,
        client: Callable[[], PiecesClient | None],
        summary: Callable[[str], ConversationSummary | None],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._client = client
        self._summary = summary

    def compose(self) -> ComposeResult:
        yield Input(placeholder="s search messages and names", id="search-input")
        yield Static("Type to search every message.", id="search-status", markup=False)
        yield SearchResults(id="search-results")

    def start(self) -> None:
        """Focus the field (at once, so keys typed straight after `s` land in it)."""
        self.screen.set_focus(self.field)

    def refresh_result(self, conversation_id: str) -> None:
        """The store changed this conversation: show its new name or star."""
        summary = self._summary(conversation_id)
        for row in self.results.results:
            if row.id == conversation_id and summary is not None:
                self.results.update_result(
                    SearchResult(
                        row.id,
                        summary.name,
                        row.message_hits,
                        row.snippet,
                        row.matches,
                        summary.favorited,
                    )
                )

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._search(event.value.strip())

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        # At once (not `focus()`, which waits its turn): an enter typed next opens the result.
        self.screen.set_focus(self.results)

    @on(SearchResults.Selected)
    def _selected(self, event: SearchResults.Selected) -> None:
        event.stop()
        self.post_message(self.Opened(event.conversation_id, self.active_query))

    @work(exclusive=True, group="search", exit_on_error=False)
    async def _search(self, query: str) -> None:
        await asyncio.sleep(DEBOUNCE)
        client = self._client()
        if not query:
            self._show(query, [], "Type to search every message.")
            return
        if client is None:
            self._show(query, [], "Not connected to Pieces OS yet.")
            return
        self.status_line.update("Searching…")
        try:
            hits = await client.search_conversations(query, limit=1000)
        except PiecesError as error:
            self._show(query, [], f"Search failed: {error}")
            return
        rows = [self._row(hit) for hit in hits]
        count = len(rows)
        found = "No match." if not count else f"{count:,} conversation{'s' * (count != 1)}"
        self._show(query, rows, found)

    def _row(self, hit: SearchedConversation) -> SearchResult:
        summary = self._summary(hit.identifier)
        name = summary.name if summary is not None else None
        if summary is None and hit.conversation is not None:
            name = hit.conversation.name
        snippet = hit.best_snippet
        return SearchResult(
            hit.identifier,
            name,
            len(hit.message_hits),
            snippet.text if snippet is not None else "",
            tuple(snippet.matches) if snippet is not None else (),
            summary.favorited if summary is not None else False,
        )

    def _show(self, query: str, rows: list[SearchResult], status: str) -> None:
        self.active_query = query
        self.results.set_results(rows)
        self.status_line.update(status)
        self.post_message(self.Searched(query, len(rows)))
