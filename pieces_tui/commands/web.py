"""`pieces-tui web`: the app in a browser, through textual-serve (the `web` extra).

Each browser tab runs its own `pieces-tui` process; with `--demo` they all share one embedded
demo server started here. The page and its WebSocket are guarded like the embedded server
(`pieces_tui.server.guard`): a request must name an allowed `Host` (loopback names, the bound
address, `--allow-host` names: no DNS rebinding) and any `Origin` must be one of them too (a page
elsewhere cannot open the app's WebSocket and type into it). Refusals are 403 with the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pieces_tui.commands.common import (
    EXIT_BAD_INPUT,
    CommandError,
    OneLineParser,
    fail,
    positive_int,
)
from pieces_tui.sanitize import clean_line

if TYPE_CHECKING:
    from aiohttp import web

PROG = "pieces-tui web"
EXIT_MISSING = 6
MISSING_HELP = "web mode needs textual-serve, an optional extra: pip install 'pieces-tui[web]'"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG,
        description=(
            "Serve pieces-tui to a web browser (textual-serve). Listens on loopback unless "
            "--host says otherwise; only pages on allowed host names may use it."
        ),
        epilog=(
            "exit codes: 0 stopped normally, 2 bad input, "
            f"{EXIT_MISSING} textual-serve missing ({MISSING_HELP.split(': ', 1)[1]})"
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=positive_int, default=8000, help="port (default 8000)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--demo", action="store_true", help="serve the app on demo data")
    source.add_argument("--url", help="the Pieces OS each session uses (default: discovery)")
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also accept this name in Host and Origin headers (repeatable)",
    )
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    if options.port > 65535:
        fail(PROG, CommandError(EXIT_BAD_INPUT, f"--port must be at most 65535: {options.port}"))
    if options.url is not None and not options.url.lower().startswith(("http://", "https://")):
        fail(
            PROG, CommandError(EXIT_BAD_INPUT, f"--url must start with http(s)://: {options.url!r}")
        )
    try:
        from textual_serve.server import Server  # noqa: F401
    except ImportError:
        fail(PROG, CommandError(EXIT_MISSING, MISSING_HELP))
    from pieces_tui.server.guard import allowed_names

    try:
        names = allowed_names(options.host, options.allow_host)
    except ValueError as error:
        fail(PROG, CommandError(EXIT_BAD_INPUT, str(error)))
    try:
        with _pieces_url(options) as url:
            command = [sys.executable, "-m", "pieces_tui"] + (["--url", url] if url else [])
            server = make_server(shlex.join(command), options.host, options.port, names)
            if options.host not in {"127.0.0.1", "localhost", "::1"}:
                print(
                    f"{PROG}: warning: listening on {clean_line(options.host)}: anyone who can "
                    "reach this address can use your Pieces OS through it",
                    file=sys.stderr,
                )
            server.serve()
    except OSError as error:  # the port is taken, the address is not ours
        fail(
            PROG,
            CommandError(EXIT_BAD_INPUT, f"cannot serve on {options.host}:{options.port}: {error}"),
        )
    except KeyboardInterrupt:
        pass
    return 0


@contextlib.contextmanager
def _pieces_url(options: argparse.Namespace) -> Iterator[str | None]:
    """The Pieces OS address the sessions use: a demo server started here, `--url`, or None
    (each session discovers Pieces OS as the app does)."""
    if not options.demo:
        yield options.url.rstrip("/") if options.url else None
        return
    from pieces_tui.server import EmbeddedServer

    folder = tempfile.mkdtemp(prefix="pieces-tui-web-demo-")
    server = EmbeddedServer(Path(folder) / "demo.db", demo=True)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def make_server(command: str, host: str, port: int, allowed: frozenset[str]) -> Any:
    """A textual-serve `Server` running `command` per browser session, behind the Host/Origin
    guard."""
    from aiohttp import web
    from textual_serve.server import Server

    from pieces_tui.server.guard import Guard

    checker = Guard(_never_called, allowed_hosts=allowed)

    @web.middleware
    async def guard(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        # `server` gives the guard our own port: a page's Origin passes only with that port.
        scope = {
            "headers": [(key.lower(), value) for key, value in request.raw_headers],
            "server": (host, port),
        }
        reason = checker.refusal(scope)
        if reason is not None:
            reason = reason.replace("pieces-tui serve --allow-host", "pieces-tui web --allow-host")
            return web.Response(
                status=403, text=reason, headers={"X-Content-Type-Options": "nosniff"}
            )
        return await handler(request)

    class GuardedServer(Server):
        async def _make_app(self) -> web.Application:
            app: web.Application = await super()._make_app()
            app.middlewares.append(guard)
            return app

    shown = f"[{host}]" if ":" in host else host
    return GuardedServer(
        command, host=host, port=port, title="pieces-tui", public_url=f"http://{shown}:{port}"
    )


async def _never_called(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
    raise AssertionError("the guard is used only for its rules here")
