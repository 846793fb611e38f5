"""`pieces-tui search QUERY [--json | --ndjson] [--limit N] [--exact]`: conversations whose name,
annotations or messages match, best first (`PiecesClient.search_conversations`).

- On a terminal: an aligned table (ID, SCORE, NAME, MATCH), cut to the terminal's width.
- Piped: tab-separated lines, no header: `id`, similarity (0.000-1.000), name, the text around
  the best match (one line).
- `--json`: one JSON array; `--ndjson`: one object per line. Each object is
  `{"id", "name", "updated", "similarity", "exact", "snippet"}` (`name`, `updated`, `snippet`
  may be null).

No match is not an error: nothing is printed and the exit code is 0. Every text is cleaned of
control characters first, as for `list`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from pieces_tui.client.search import SearchedConversation
from pieces_tui.commands.common import (
    OneLineParser,
    add_url_option,
    connect,
    positive_int,
    run_async,
)
from pieces_tui.commands.output import (
    add_shape_options,
    fit_cells,
    pad_cells,
    text_cells,
    write_rows,
)
from pieces_tui.export.markdown import iso
from pieces_tui.labels import UNTITLED, conversation_title
from pieces_tui.sanitize import clean_line

PROG = "pieces-tui search"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG,
        description=(
            "Search conversations (names, annotations, messages), best match first: an aligned "
            "table on a terminal, tab-separated lines (id, similarity, name, match; no header) "
            "when piped. No match prints nothing and exits 0."
        ),
    )
    parser.add_argument("query", help="words to look for")
    add_url_option(parser)
    add_shape_options(parser)
    parser.add_argument("--limit", type=positive_int, metavar="N", help="at most N results")
    parser.add_argument("--exact", action="store_true", help="the words as one phrase")
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    if not options.query.strip():
        parser.error("the query is empty")
    return run_async(PROG, lambda: _search(options))


async def _search(options: argparse.Namespace) -> int:
    async with await connect(options.url) as client:
        hits = await client.search_conversations(
            options.query, exact=options.exact, transferables=True, limit=options.limit
        )
    # No match prints nothing, not even the table's header.
    write_rows(
        options, hits, json_row=_json_row, fields=_fields, table=_table, table_when_empty=False
    )
    return 0


def _name(hit: SearchedConversation) -> str:
    conversation = hit.conversation
    if conversation is None:
        return UNTITLED
    return clean_line(conversation_title(conversation.name, conversation.created.value))


def _snippet(hit: SearchedConversation) -> str:
    snippet = hit.best_snippet
    return clean_line(snippet.text) if snippet is not None else ""


def _json_row(hit: SearchedConversation) -> dict[str, Any]:
    conversation = hit.conversation
    snippet = hit.best_snippet
    return {
        "id": hit.identifier,
        "name": conversation.name if conversation is not None else None,
        "updated": iso(conversation.updated.value) if conversation is not None else None,
        "similarity": round(hit.similarity, 3),
        "exact": hit.exact,
        "snippet": snippet.text if snippet is not None else None,
    }


def _fields(hit: SearchedConversation) -> list[str]:
    return [clean_line(hit.identifier), f"{hit.similarity:.3f}", _name(hit), _snippet(hit)]


def _table(hits: Sequence[SearchedConversation], columns: int) -> str:
    rows = [["ID", "SCORE", "NAME", "MATCH"]] + [
        [clean_line(h.identifier), f"{h.similarity:.2f}", _name(h), _snippet(h)] for h in hits
    ]
    id_width = max(text_cells(r[0]) for r in rows)
    fair = max(12, (columns - id_width - 11) // 2)  # name and match share what is left
    name_width = min(40, fair, max(text_cells(r[2]) for r in rows))
    lines = []
    for row in rows:
        name = pad_cells(fit_cells(row[2], name_width), name_width)
        left = f"{pad_cells(row[0], id_width)}  {row[1].rjust(5)}  {name}"
        room = max(10, columns - text_cells(left) - 2 - 1)
        lines.append(f"{left}  {fit_cells(row[3], room)}".rstrip())
    return "\n".join(lines) + "\n"
