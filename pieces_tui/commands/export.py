"""`pieces-tui export ID... [--format md|json] [-o DIR]`: write conversations to files.

Each file is named after its conversation (made safe: `pieces_tui.export.names`), never replaces
an existing file (`name (2).md` ...), and appears only when complete. The paths written are
printed on stdout, one per line; a conversation that fails gets one line on stderr and the
others are still exported. The exit code is that of the first failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pieces_tui.client import NotFound, PiecesError, PiecesUnavailable
from pieces_tui.commands.common import (
    EXIT_WRITE,
    CommandError,
    OneLineParser,
    add_url_option,
    connect,
    error_for,
    fail,
    run_async,
    write_out,
)
from pieces_tui.commands.show import add_format_option
from pieces_tui.export import Format, export_conversation
from pieces_tui.sanitize import clean_line

PROG = "pieces-tui export"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG,
        description=(
            "Write conversations to files named after them (never replacing a file: a number "
            "is added). Prints each path written."
        ),
    )
    parser.add_argument("ids", nargs="+", metavar="ID", help="conversation ids")
    add_format_option(parser)
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="folder to write into, created if missing (default: the current folder)",
    )
    add_url_option(parser)
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    if options.output.exists() and not options.output.is_dir():
        fail(PROG, CommandError(EXIT_WRITE, f"not a folder: {options.output}"))
    return run_async(PROG, lambda: _export(options))


async def _export(options: argparse.Namespace) -> int:
    folder: Path = options.output
    fmt = Format(options.format)
    first_failure = 0
    async with await connect(options.url) as client:
        for conversation_id in dict.fromkeys(options.ids):
            try:
                path = await export_conversation(client, conversation_id, folder, fmt)
            except NotFound as error:
                failure = error_for(error, f"no conversation with id {conversation_id!r}")
            except PiecesUnavailable:
                raise  # every other id would fail the same way
            except PiecesError as error:
                failure = error_for(error)
            except OSError as error:
                failure = CommandError(EXIT_WRITE, f"cannot write into {folder}: {error}")
            else:
                write_out(clean_line(str(path)) + "\n")
                continue
            print(f"{PROG}: error: {clean_line(failure.message)}", file=sys.stderr)
            first_failure = first_failure or failure.code
    return first_failure
