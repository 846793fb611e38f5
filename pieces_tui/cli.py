"""Command line: `pieces-tui [--demo | --url URL]` runs the app, `pieces-tui serve` the server."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from pieces_tui import __version__

if TYPE_CHECKING:
    from pieces_tui.app import PiecesApp
    from pieces_tui.config import Settings, Timings


USAGE = """%(prog)s [-h] [--version] [--url URL | --demo] [--db DB] [--seed N]
                  [--no-cache] [--utc]
       %(prog)s serve [--bind BIND] [--allow-host NAME]
                        [--allow-origin ORIGIN] [--port PORT] [--signed-out]
                        [--db DB] [--demo] [--seed N]
       %(prog)s {list,show,export,search,web} ..."""
"""The app's usage, then the server's and the commands' (argparse would show the app's only)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pieces-tui",
        usage=USAGE,
        description="Browse Pieces OS Copilot conversations from the terminal.",
        epilog=(
            "Without --url, pieces-tui looks for Pieces OS on 127.0.0.1 ports 39300-39333 "
            "(then localhost:1000), unless PIECES_OS_URL is set. "
            "`pieces-tui serve` runs the embedded Pieces-OS-compatible server (on 39300, Pieces "
            "OS's own port, by default; --allow-host NAME also answers requests addressed to "
            "NAME; see `pieces-tui serve --help`). "
            "Commands for scripts: list, show, export, search; web serves the app to a browser "
            "(`pieces-tui COMMAND --help`)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"pieces-tui {__version__}")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--url", help="Pieces OS address, e.g. http://127.0.0.1:39300")
    source.add_argument(
        "--demo",
        action="store_true",
        help="start the embedded server with demo data and open the app on it",
    )
    parser.add_argument(
        "--db", type=Path, help="with --demo: keep the demo database here instead of a temp dir"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="with --demo: also generate N synthetic conversations",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not paint the list from its last snapshot, nor save one (see the README)",
    )
    parser.add_argument(
        "--utc",
        action="store_true",
        help="show times in UTC (default: the local time zone, named after each time)",
    )
    return parser


def create_app(
    *,
    url: str | None = None,
    demo: bool = False,
    db: Path | None = None,
    seed: int = 0,
    settings: Settings | None = None,
    now: Callable[[], datetime] | None = None,
    discover_hosts: bool = True,
    timings: Timings | None = None,
    list_cache: bool = True,
    utc: bool = False,
) -> PiecesApp:
    """The one app factory, used by the command line, the tests and the screenshot script.

    `now` fixes the clock (relative times, and the zone times are shown in: by default the
    machine's, UTC with `utc` or the `utc_times` setting), `settings` the config file and
    `timings` the network timeouts, retries and the detail pane's settle time, for tests.
    `list_cache=False` (`--no-cache`) neither paints the list from its snapshot nor saves one.
    """
    from pieces_tui.app import PiecesApp

    demo_server = None
    if demo:
        from pieces_tui.demo_runner import DemoServer

        demo_server = DemoServer(db, seed=seed)
    return PiecesApp(
        url=url,
        demo=demo_server,
        settings=settings,
        now=now,
        discover_hosts=discover_hosts,
        timings=timings,
        list_cache=list_cache,
        utc=utc,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        from pieces_tui.server.cli import main as serve_main

        return serve_main(args[1:])
    from pieces_tui.commands import COMMANDS, run

    if args[:1] and args[0] in COMMANDS:
        return run(args[0], args[1:])
    parser = build_parser()
    options = parser.parse_args(args)
    if (options.db is not None or options.seed) and not options.demo:
        parser.error("--db and --seed only apply with --demo")
    if options.seed < 0:
        parser.error("--seed must be zero or more")
    url = None
    if options.url is not None:
        from pieces_tui.urls import check_url, normal_url

        problem = check_url(options.url)
        if problem is not None:
            parser.error(f"--url: {problem}")
        url = normal_url(options.url)
    app = create_app(
        url=url,
        demo=options.demo,
        db=options.db,
        seed=options.seed,
        list_cache=not options.no_cache,
        utc=options.utc,
    )
    app.exit_on_signals = True
    try:
        app.run()
    finally:
        # However the app ended: the demo's temporary folder goes (its own exit did it already
        # unless a signal or an exception cut it short).
        demo = app.connection.demo
        if demo is not None:
            demo.discard()
    exit_now(app.return_code or 0)


def exit_now(code: int) -> NoReturn:
    """End the process once the app has ended and cleaned up (deletes sent, demo stopped, the
    list snapshot and settings written): flush what is buffered and skip the interpreter's
    teardown of every module and object, which took about a second after each quit
    (benchmarks/RESULTS.md, "Quitting")."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
