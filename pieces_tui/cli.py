"""Command line: `pieces-tui [--demo|--url URL]` runs the app, `pieces-tui serve` runs the embedded server."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pieces_tui import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pieces-tui",
        description="Browse Pieces OS Copilot conversations from the terminal.",
        epilog="Run `pieces-tui serve --help` for the embedded Pieces-OS-compatible server.",
    )
    parser.add_argument("--version", action="version", version=f"pieces-tui {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        from pieces_tui.server.cli import main as serve_main

        return serve_main(args[1:])
    build_parser().parse_args(args)
    return 0
