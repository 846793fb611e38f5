"""`pieces-tui show ID [--format md|json]`: one conversation on stdout, as `export` writes it."""

from __future__ import annotations

import argparse

from pieces_tui.client import NotFound
from pieces_tui.commands.common import (
    OneLineParser,
    add_url_option,
    connect,
    error_for,
    run_async,
    write_out,
)
from pieces_tui.export import Format, render

PROG = "pieces-tui show"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG,
        description=(
            "Print one conversation: Markdown (metadata, annotations, every message) or JSON "
            "in the Pieces OS wire shapes. Control characters are never printed."
        ),
    )
    parser.add_argument("id", help="the conversation id (first column of `pieces-tui list`)")
    add_format_option(parser)
    add_url_option(parser)
    return parser


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=[f.value for f in Format],
        default=Format.MARKDOWN.value,
        help="md (default) or json",
    )


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    return run_async(PROG, lambda: _show(options))


async def _show(options: argparse.Namespace) -> int:
    async with await connect(options.url) as client:
        try:
            rendered = await render(client, options.id, Format(options.format))
        except NotFound as error:
            raise error_for(error, f"no conversation with id {options.id!r}") from error
    write_out(rendered.text)
    return 0
