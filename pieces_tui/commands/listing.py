"""`pieces-tui list`: the conversations, newest first, for people and for scripts.

- On a terminal: an aligned table with a header (ID, UPDATED, MSGS, FAV, NAME), names cut to the
  terminal's width.
- Piped (stdout not a terminal): tab-separated lines, no header, no colours: `id`, `updated`
  (ISO 8601, UTC), message count, `*` for a favorite (else empty), name.
- `--json`: one JSON array (what `python -m json.tool`, `jq` and every JSON parser read);
  `--ndjson`: one object per line, for line-by-line tools and streaming. Each object is
  `{"id", "name", "created", "updated", "messages", "favorited", "model"}` (`name` and `model`
  may be null; times ISO 8601 UTC).

Every name is cleaned of control characters first (`sanitize.clean_line`); JSON output keeps
the exact text, with terminal-unsafe characters as `\\uXXXX` escapes.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from pieces_tui.client.models import Conversation
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
from pieces_tui.labels import conversation_title
from pieces_tui.sanitize import clean_line

PROG = "pieces-tui list"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG,
        description=(
            "List conversations, newest first: an aligned table on a terminal, tab-separated "
            "lines (id, updated, messages, favorite, name; no header) when piped."
        ),
    )
    add_url_option(parser)
    add_shape_options(parser)
    parser.add_argument("--limit", type=positive_int, metavar="N", help="at most N conversations")
    parser.add_argument("--favorites", action="store_true", help="only favorite conversations")
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    return run_async(PROG, lambda: _list(options))


async def _list(options: argparse.Namespace) -> int:
    async with await connect(options.url) as client:
        conversations = await client.conversations()
    rows = sorted(
        (c for c in conversations if c.deleted is None),
        key=lambda c: (-c.updated.value.timestamp(), c.id),
    )
    if options.favorites:
        rows = [c for c in rows if c.favorited]
    if options.limit is not None:
        rows = rows[: options.limit]
    write_rows(options, rows, json_row=_json_row, fields=_fields, table=_table)
    return 0


def _json_row(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "name": conversation.name,
        "created": iso(conversation.created.value),
        "updated": iso(conversation.updated.value),
        "messages": conversation.message_count,
        "favorited": bool(conversation.favorited),
        "model": conversation.model.id if conversation.model is not None else None,
    }


def _fields(conversation: Conversation) -> list[str]:
    return [
        clean_line(conversation.id),
        iso(conversation.updated.value),
        str(conversation.message_count),
        "*" if conversation.favorited else "",
        clean_line(conversation_title(conversation.name, conversation.created.value)),
    ]


def _table(rows: Sequence[Conversation], columns: int) -> str:
    header = ["ID", "UPDATED", "MSGS", "FAV", "NAME"]
    cells = [header] + [
        [
            clean_line(c.id),
            c.updated.value.strftime("%Y-%m-%d %H:%M"),
            str(c.message_count),
            "★" if c.favorited else "",
            clean_line(conversation_title(c.name, c.created.value)),
        ]
        for c in rows
    ]
    widths = [max(text_cells(row[i]) for row in cells) for i in range(4)]
    lines = []
    for row in cells:
        left = "  ".join(
            cell.rjust(w) if i == 2 else pad_cells(cell, w)
            for i, (cell, w) in enumerate(zip(row[:4], widths, strict=True))
        )
        room = max(10, columns - text_cells(left) - 2 - 1)
        lines.append(f"{left}  {fit_cells(row[4], room)}".rstrip())
    return "\n".join(lines) + "\n"
