"""`pieces-tui serve`: run the embedded server in the foreground until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from pieces_tui.server.app import QuietHandshakes
from pieces_tui.server.limits import raise_fd_limit
from pieces_tui.server.lock import DatabaseInUse
from pieces_tui.server.runner import EmbeddedServer
from pieces_tui.server.shutdown import StopSignal
from pieces_tui.server.storage_errors import StorageError


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pieces-tui" / "server.db"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pieces-tui serve",
        description="Run the embedded Pieces-OS-compatible server (SQLite-backed).",
    )
    parser.add_argument(
        "--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests addressed to NAME (Host and Origin headers); repeatable."
        " 127.0.0.1, localhost, [::1] and the --bind address are always allowed",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="also accept requests from web pages on ORIGIN (http(s)://host[:port]); repeatable."
        " Pages on an allowed host and this server's own port are always accepted",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=39300,
        help="port (default 39300; 0 picks any free one). A taken port of Pieces OS's range"
        " 39300-39333 falls back to the next free one of the range, as Pieces OS does",
    )
    parser.add_argument(
        "--signed-out",
        action="store_true",
        help="behave as Pieces OS with nobody signed in: data reads answer 401"
        " (health and version stay open)",
    )
    parser.add_argument("--db", type=Path, default=None, help=f"database ({default_db_path()})")
    parser.add_argument("--demo", action="store_true", help="fill an empty database with demo data")
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="add N synthetic conversations (empty db)"
    )
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.seed < 0:
        print("pieces-tui serve: --seed must be >= 0", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr
    )
    logging.getLogger("uvicorn.error").addFilter(QuietHandshakes())  # one line per WebSocket
    db_path = args.db or default_db_path()
    try:
        server = EmbeddedServer(
            db_path,
            host=args.bind,
            port=args.port,
            demo=args.demo,
            seed=args.seed,
            log_requests=True,
            allow_hosts=args.allow_host,
            allow_origins=args.allow_origin,
            signed_out=args.signed_out,
        )
    except ValueError as exc:
        print(f"pieces-tui serve: --allow-host/--allow-origin/--bind: {exc}", file=sys.stderr)
        return 2
    raise_fd_limit()  # a desktop's 1,024 descriptors would cap connections low (see limits.py)
    # The handler only records the signal (shutdown.py): a handler that took a lock could
    # deadlock against the main thread's own wait and leave the server deaf to signals.
    with StopSignal() as stop:
        try:
            return _serve(server, args, db_path, stop)
        finally:
            server.stop()


def _serve(
    server: EmbeddedServer, args: argparse.Namespace, db_path: Path, stop: StopSignal
) -> int:
    started = time.perf_counter()
    try:
        server.start()
    except (StorageError, DatabaseInUse) as exc:
        print(f"pieces-tui serve: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"pieces-tui serve: cannot listen on {args.bind}:{args.port}: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    if server.port != args.port and args.port != 0:
        print(
            f"pieces-tui serve: port {args.port} is taken; using {server.port},"
            " the next free port of 39300-39333",
            flush=True,
        )
    state = ", signed out" if args.signed_out else ""
    print(f"listening on {server.url} (db: {db_path}{state}, ready in {elapsed:.2f}s)", flush=True)
    while not stop.wait(0.5):
        if not server.running:
            print("pieces-tui serve: server stopped unexpectedly", file=sys.stderr)
            return 1
    print("shutting down", file=sys.stderr, flush=True)
    return 0
