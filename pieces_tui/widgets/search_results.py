"""The search mode's list of results: virtualised on Textual's Line API, like the sidebar.

Each result takes two lines: the conversation's name, then how many messages match and the best
snippet, its matched words highlighted. Names and snippets are untrusted: they are cleaned with
`pieces_tui.sanitize.clean_line` and styled by character spans, never parsed as markup. The row
machinery (Line API, strip cache, cursor, scrolling) is the sidebar's (`RowList`): only the rows
on screen are rendered, so a thousand results cost what ten do. Results may come in pages:
`extend_results` adds rows below without touching the ones shown, and `NearEnd` says the reader
is within a screen of the last row (the owner may then fetch more).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import BindingType
from textual.geometry import Size
from textual.message import Message

from pieces_tui.labels import UNTITLED
from pieces_tui.sanitize import clean_line
from pieces_tui.widgets.row_list import CURSOR_BINDINGS, ROW_HEIGHT, RowList, RowStrips

__all__ = ["SearchResult", "SearchResults", "snippet_text"]

LEAD = 8
"""Characters of context kept before a snippet's first match."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One matching conversation, as the list shows it. `snippet` is raw (untrusted) text and
    `matches` its [start, end) character spans."""

    id: str
    name: str | None
    message_hits: int
    snippet: str = ""
    matches: tuple[tuple[int, int], ...] = ()
    favorited: bool = False


def snippet_text(
    snippet: str,
    matches: Sequence[tuple[int, int]],
    match_style: Style | str,
    style: Style | str = "",
    *,
    lead: int | None = None,
) -> Text:
    """The snippet on one line, cleaned, with each matched span styled. Spans are mapped through
    the cleaning piece by piece, so a removed control character cannot shift them. With `lead`,
    at most that many characters are kept before the first match (cut ones become "…"), so the
    match shows in a narrow row."""
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    cursor = 0
    length = 0
    valid = [(a, b) for a, b in matches if 0 <= a < b <= len(snippet)]
    if lead is not None and valid:
        first = min(a for a, _ in valid)
        if first > lead + 1:
            cursor = first - lead
            pieces.append("…")
            length = 1
    for start, end in sorted(valid):
        if start < cursor or end > len(snippet) or start >= end:
            continue
        before = _clean_piece(snippet[cursor:start])
        word = _clean_piece(snippet[start:end])
        pieces.extend((before, word))
        length += len(before)
        spans.append((length, length + len(word)))
        length += len(word)
        cursor = end
    pieces.append(_clean_piece(snippet[cursor:]))
    text = Text("".join(pieces), style=style, no_wrap=True, end="")
    for start, end in spans:
        text.stylize(match_style, start, end)
    return text


def _clean_piece(piece: str) -> str:
    """`clean_line` keeping one space at either edge where the piece had whitespace there (it
    joins the words around a match)."""
    cleaned = clean_line(piece)
    if cleaned and piece[:1].isspace() and not cleaned[:1].isspace():
        cleaned = " " + cleaned
    if cleaned and piece[-1:].isspace() and not cleaned[-1:].isspace():
        cleaned += " "
    return cleaned if cleaned or not piece[:1].isspace() else " "


class SearchResults(RowList):
    """Results in rank order; posts `Highlighted` and `Selected` like `ConversationList`."""

    BINDINGS: ClassVar[list[BindingType]] = [*CURSOR_BINDINGS]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "search-results--highlight",
        "search-results--meta",
        "search-results--match",
        "search-results--untitled",
        "search-results--star",
    }

    DEFAULT_CSS = """
    SearchResults {
        width: 1fr;
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .search-results--meta { color: $text-muted; }
        & > .search-results--untitled { color: $text-muted; text-style: italic; }
        & > .search-results--match { color: $text-accent; text-style: bold underline; }
        & > .search-results--star { color: $text-warning; }
        & > .search-results--highlight {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .search-results--highlight {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    class Selected(Message):
        """A result was chosen with enter or a click."""

        def __init__(self, conversation_id: str, results: SearchResults) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.results = results

        @property
        def control(self) -> SearchResults:
            return self.results

    class NearEnd(Message):
        """The cursor or the view came within a screen of the last row."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(cache_size=512, name=name, id=id, classes=classes)
        self._rows: list[SearchResult] = []
        self._index: int | None = None
        self._near_end_for = -1
        """The row count `NearEnd` was last posted for (once per page)."""

    # --- public API -------------------------------------------------------------------------------

    @property
    def results(self) -> Sequence[SearchResult]:
        return self._rows

    @property
    def highlighted_id(self) -> str | None:
        return None if self._index is None else self._rows[self._index].id

    def set_results(self, rows: Sequence[SearchResult]) -> None:
        """Show these results (rank order), highlighting the first."""
        self._rows = list(rows)
        self._strip_cache.clear()
        self._index = 0 if self._rows else None
        self._near_end_for = -1
        self.virtual_size = Size(0, len(self._rows) * ROW_HEIGHT)
        self.scroll_to(y=0, animate=False, force=True)
        self.refresh()

    def extend_results(self, rows: Sequence[SearchResult]) -> None:
        """Add these results below the last (the next page); the rows shown stay as they are."""
        if not rows:
            return
        first_new = len(self._rows)
        self._rows.extend(rows)
        if self._index is None:
            self._index = 0
        self.virtual_size = Size(0, len(self._rows) * ROW_HEIGHT)
        self.refresh_lines(first_new * ROW_HEIGHT, len(rows) * ROW_HEIGHT)

    def update_result(self, row: SearchResult) -> None:
        """Replace the result of the same id (a star changed, a rename), if it is listed."""
        for index, old in enumerate(self._rows):
            if old.id == row.id:
                self._rows[index] = row
                self.refresh_row(index)
                return

    # --- what the row machinery asks --------------------------------------------------------------

    @property
    def listed_count(self) -> int:
        return len(self._rows)

    @property
    def cursor_index(self) -> int | None:
        return self._index

    def move_cursor(self, index: int | None, *, scroll: bool = True) -> None:
        if index is None:
            return
        old = self._index
        self._index = index
        for changed in (old, index):
            if changed is not None:
                self.refresh_row(changed)
        if scroll:
            self.scroll_to_row(index)
        self._check_near_end()

    def ask_again_near_end(self) -> None:
        """Post `NearEnd` again the next time the reader is near the end (loading the next
        page failed: moving or scrolling there tries again)."""
        self._near_end_for = -1

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._check_near_end()

    def _check_near_end(self) -> None:
        count = len(self._rows)
        if not count or self._near_end_for == count:
            return
        screen_rows = max(1, self.scrollable_content_region.height // ROW_HEIGHT)
        last_seen = (round(self.scroll_offset.y) // ROW_HEIGHT) + screen_rows
        if max(last_seen, self._index or 0) >= count - screen_rows:
            self._near_end_for = count
            self.post_message(self.NearEnd())

    def action_select(self) -> None:
        conversation_id = self.highlighted_id
        if conversation_id is not None:
            self.post_message(self.Selected(conversation_id, self))

    # --- rendering --------------------------------------------------------------------------------

    def render_row(self, index: int, width: int) -> RowStrips:
        row = self._rows[index]
        highlighted = index == self._index
        return self.cached_row(
            (row, highlighted, width, self.has_focus),
            lambda: self._build_row(row, highlighted, width),
        )

    def _build_row(self, row: SearchResult, highlighted: bool, width: int) -> RowStrips:
        base = ("search-results--highlight",) if highlighted else ()
        get_style = self.get_visual_style
        base_style = get_style(*base).rich_style
        inner = max(0, width - 2)
        if row.name is None:
            name = Text(UNTITLED, style=get_style(*base, "search-results--untitled").rich_style)
        else:
            name = Text(clean_line(row.name), style=base_style)
        if row.favorited:
            name = Text.assemble(("★ ", get_style(*base, "search-results--star").rich_style), name)
        name.truncate(inner, overflow="ellipsis")
        meta_style = get_style(*base, "search-results--meta").rich_style
        hits = row.message_hits
        label = "name" if not hits else ("1 message" if hits == 1 else f"{hits:,} messages")
        meta = Text(f"{label} · ", style=meta_style, no_wrap=True, end="")
        match_style = get_style(*base, "search-results--match").rich_style
        # Context before the first match only as far as the row leaves room for the match.
        first = row.matches[0][1] - row.matches[0][0] if row.matches else 0
        lead = max(0, min(LEAD, inner - meta.cell_len - first - 2))  # the "…" each side
        meta.append_text(snippet_text(row.snippet, row.matches, match_style, meta_style, lead=lead))
        meta.truncate(inner, overflow="ellipsis")
        return self.row_strip(name, width, base_style), self.row_strip(meta, width, base_style)
