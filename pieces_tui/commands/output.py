"""The one output path of the row commands (`list`, `search`): JSON, NDJSON, a table, TSV.

- `--json`: one JSON array; `--ndjson`: one object per line (`pieces_tui.export.dumps`: the exact
  text, terminal-unsafe characters as `\\uXXXX` escapes);
- on a terminal: the command's aligned table, cut to the terminal's width;
- piped: tab-separated lines, no header, no colours.

The command gives each row's JSON object, its TSV fields (already cleaned) and its table; this
module picks the shape and writes it. Also the cell arithmetic the tables share (wide East Asian
characters take two cells, combining marks none).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pieces_tui.commands.common import write_out
from pieces_tui.export import dumps

__all__ = ["add_shape_options", "fit_cells", "pad_cells", "text_cells", "write_rows"]

_R = TypeVar("_R")


def add_shape_options(parser: argparse.ArgumentParser) -> None:
    """`--json` / `--ndjson`, one at most."""
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="one JSON array of objects")
    shape.add_argument("--ndjson", action="store_true", help="one JSON object per line")


def write_rows(
    options: argparse.Namespace,
    rows: Sequence[_R],
    *,
    json_row: Callable[[_R], dict[str, Any]],
    fields: Callable[[_R], list[str]],
    table: Callable[[Sequence[_R], int], str],
    table_when_empty: bool = True,
) -> None:
    """Write `rows` in the shape `options` (`--json`, `--ndjson`) and stdout ask for.
    `table_when_empty`: on a terminal, print the table (its header) even without rows."""
    if options.json:
        write_out(dumps([json_row(r) for r in rows]) + "\n")
    elif options.ndjson:
        write_out("".join(dumps(json_row(r), indent=None) + "\n" for r in rows))
    elif sys.stdout.isatty():
        if rows or table_when_empty:
            write_out(table(rows, shutil.get_terminal_size().columns))
    else:
        write_out("".join("\t".join(fields(r)) + "\n" for r in rows))


def text_cells(text: str) -> int:
    """Terminal cells `text` takes: wide East Asian characters 2, combining marks 0."""
    total = 0
    for char in text:
        if unicodedata.combining(char) or char in "\u200c\u200d" or "\ufe00" <= char <= "\ufe0f":
            continue
        total += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return total


def pad_cells(text: str, width: int) -> str:
    return text + " " * (width - text_cells(text))


def fit_cells(text: str, room: int) -> str:
    if text_cells(text) <= room:
        return text
    out, used = "", 0
    for char in text:
        cells = text_cells(char)
        if used + cells > room - 1:
            break
        out += char
        used += cells
    return out + "…"
