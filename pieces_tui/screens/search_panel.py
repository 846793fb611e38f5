"""The search mode of the sidebar: a field and the ranked results of `POST /conversations/search`.

Results come as the user pauses: each change of the field starts one exclusive worker that first
waits `DEBOUNCE`, then asks the server, so a newer query cancels the older one (whether it is
still waiting or already on the wire) and only the last query's results are ever shown.

Results come in two pages: the first `FIRST_PAGE` (more than a screen holds) are asked for and
painted at once; the rest, up to `MAX_RESULTS`, only when the reader scrolls near the end of the
first page. The server ranks, groups and cuts snippets for every result it sends and the client
reads each one, so a first page of a thousand took the best part of a second at 10,000
conversations, for rows nobody had scrolled to (`benchmarks/search_app.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.getters import query_one
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import Input, Static

from pieces_tui.client import PiecesError
from pieces_tui.widgets.search_results import SearchResult, SearchResults

if TYPE_CHECKING:
    from pieces_tui.client import PiecesClient
    from pieces_tui.client.search import SearchedConversation
    from pieces_tui.client.summary import ConversationSummary

__all__ = ["DEBOUNCE", "FIRST_PAGE", "MAX_RESULTS", "SearchPanel"]

DEBOUNCE = 0.2
"""How long the field must rest before its query is sent (seconds)."""

FIRST_PAGE = 50
"""Results asked for first (at least; more on a screen taller than a third of that)."""

MAX_RESULTS = 1000
"""Results asked for in all, once the reader scrolls near the end of the first page."""


class SearchField(Input):
    """The search field. An Input's virtual size grows with its text, and a widget's virtual
    size is a reactive that lays out the whole screen when it changes: on every keystroke, with
    the detail pane's Markdown widgets. This field's own size is fixed (one line, the sidebar's
    width), so its virtual size (its horizontal scroll range) changes without a layout."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


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
            width: 1fr;
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
        self._more: str | None = None
        """The query shown whose first page was full (so more may match), until they are asked."""

    def compose(self) -> ComposeResult:
        yield SearchField(placeholder="s search messages and names", id="search-input")
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
        self.workers.cancel_group(self, "search-more")
        self._more = None
        self._search(event.value.strip())

    @on(SearchResults.NearEnd)
    def _near_end(self, event: SearchResults.NearEnd) -> None:
        event.stop()
        if self._more is not None and self._more == self.active_query:
            self._more = None
            self._search_more(self.active_query, len(self.results.results))

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
        self._status("Searching…")
        page = self._first_page()
        try:
            hits = await client.search_conversations(query, limit=page)
        except PiecesError as error:
            self._show(query, [], f"Search failed: {error}")
            return
        rows = [self._row(hit) for hit in hits]
        full = len(rows) >= page
        self._show(query, rows, _found(len(rows), more=full))
        self._more = query if full else None

    def _status(self, text: str) -> None:
        # One line of a fixed size: no layout of the screen for it (each keystroke changes it).
        self.status_line.update(text, layout=False)

    def _first_page(self) -> int:
        """Enough results for three screens of the list, and at least `FIRST_PAGE`."""
        return min(MAX_RESULTS, max(FIRST_PAGE, 3 * self.results.size.height // 2))

    @work(exclusive=True, group="search-more", exit_on_error=False)
    async def _search_more(self, query: str, shown: int) -> None:
        """The results after the first page, added below it (the shown rows stay put)."""
        client = self._client()
        if client is None:
            return
        self._status(f"{_found(shown, more=False)}; loading more…")
        try:
            hits = await client.search_conversations(query, limit=MAX_RESULTS)
        except PiecesError as error:
            if query == self.active_query:
                # Not the end of the results: the next move near the end asks again.
                self._more = query
                self.results.ask_again_near_end()
                # The way out first: the reason may be long, and the line is cut at the width.
                self._status(
                    f"{_found(shown, more=False)}; could not load more (move or scroll to "
                    f"try again): {error}"
                )
            return
        if query != self.active_query:
            return
        listed = {row.id for row in self.results.results}
        rows = [self._row(hit) for hit in hits if hit.identifier not in listed]
        self.results.extend_results(rows)
        count = len(self.results.results)
        self._status(_found(count, more=False))
        self.post_message(self.Searched(query, count))

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
        self._more = None
        self.active_query = query
        self.results.set_results(rows)
        self._status(status)
        self.post_message(self.Searched(query, len(rows)))


def _found(count: int, *, more: bool) -> str:
    if not count:
        return "No match."
    noun = "conversation" if count == 1 else "conversations"
    return f"The best {count:,} {noun}; more as you scroll" if more else f"{count:,} {noun}"
