"""EmbeddedServer: the server on uvicorn in a daemon thread (for tests, `--demo` and the CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from types import TracebackType

import uvicorn

from pieces_tui.server import demo
from pieces_tui.server.app import create_app
from pieces_tui.server.db import Database
from pieces_tui.server.guard import MAX_BODY_BYTES, allowed_names, normalise_origin
from pieces_tui.server.limits import (
    DEFAULT_BODY_BUDGET,
    DEFAULT_KEEP_ALIVE,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_TIMEOUT,
    BodyBudget,
    EpisodeLog,
    effective_cap,
    limited_protocol,
)
from pieces_tui.server.lock import DatabaseInUse, DatabaseLock
from pieces_tui.server.routes import Api, new_id, utcnow
from pieces_tui.server.routes_os import OsApi
from pieces_tui.server.session import Session
from pieces_tui.server.storage_errors import StorageError, classify
from pieces_tui.server.stream import Hub
from pieces_tui.server.wsprotocol import DEFAULT_SEND_TIMEOUT, bounded_protocol

__all__ = ["DatabaseInUse", "EmbeddedServer", "StorageError"]

INSTALLATION_PATH = Path(__file__).resolve().parent.parent  # the pieces_tui package
START_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0
# Clients never send WebSocket messages (only control frames): a small bound is plenty. Frames
# go out uncompressed: on loopback deflate only costs CPU, once per frame per client.
WS_MAX_MESSAGE = 64 * 1024
# The ports Pieces OS listens on (the SDK probes them in order). Asked for one of them, the
# server takes the next free one of the range when it is taken, as Pieces OS does.
PIECES_PORTS = range(39300, 39334)


class EmbeddedServer:
    def __init__(
        self,
        db_path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        demo: bool = False,
        seed: int = 0,
        clock: Callable[[], datetime] | None = None,
        id_factory: Callable[[], str] | None = None,
        log_requests: bool = False,
        allow_hosts: Iterable[str] = (),
        max_body: int = MAX_BODY_BYTES,
        send_timeout: float = DEFAULT_SEND_TIMEOUT,
        allow_origins: Iterable[str] = (),
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        keep_alive: float = DEFAULT_KEEP_ALIVE,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        body_budget: int = DEFAULT_BODY_BUDGET,
        max_db_pages: int | None = None,
        signed_out: bool = False,
    ) -> None:
        """`allow_hosts`: names accepted in Host and Origin headers besides 127.0.0.1, localhost,
        [::1] and `host` (see guard.py). `allow_origins`: web origins accepted whatever their
        port. `max_body`: the request body bound in bytes, `body_budget` the bound on all bodies
        held at once. `send_timeout`: how long a stream frame may wait for a client that does not
        read. `request_timeout`, `keep_alive`, `max_connections`: see limits.py.
        `max_db_pages`: a cap on the database file (to meet a full disk on purpose).

        `signed_out`: behave as Pieces OS with nobody signed in (401 on data reads; see
        routes_os.py); the `signed_out` property changes it while running.

        `start` raises `StorageError` (storage_errors.py) for a database it cannot use and
        `DatabaseInUse` (lock.py) when another server holds it."""
        self.db_path = Path(db_path)
        self.host = host
        self.allowed_hosts = allowed_names(host, allow_hosts)  # ValueError for a bad name
        self.allowed_origins = frozenset(normalise_origin(o) for o in allow_origins)
        self.max_body = max_body
        self.send_timeout = send_timeout
        self.request_timeout = request_timeout
        self.keep_alive = keep_alive
        self.max_connections = max_connections
        self.body_budget = body_budget
        self.max_db_pages = max_db_pages
        self._lock = DatabaseLock(self.db_path)
        self._port = port
        self.demo = demo
        self.seed = seed
        self.clock = clock or utcnow
        self.id_factory = id_factory or new_id
        self.log_requests = log_requests
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._api: Api | None = None
        self._db: Database | None = None
        self._error: BaseException | None = None
        self.requested_port = port
        self._session = Session(signed_out)
        self._os_api: OsApi | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def signed_out(self) -> bool:
        return self._session.signed_out

    @signed_out.setter
    def signed_out(self, value: bool) -> None:
        """Sign the (only, local) user out or in; announced on `/user/stream`."""
        loop = self._loop
        if loop is None or not self.running:
            self._session.signed_out = value
            return
        done = threading.Event()

        def apply() -> None:
            self._session.set_signed_out(value)
            done.set()

        loop.call_soon_threadsafe(apply)
        done.wait(STOP_TIMEOUT)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    @property
    def stream_clients(self) -> int:
        """How many clients the identifier stream is serving now (0 when stopped)."""
        return len(self._api.hub) if self._api is not None else 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _bind(self) -> socket.socket:
        """Bind the requested port or, for a taken port of `PIECES_PORTS`, the next free one of
        the range (`port` says which; `requested_port` what was asked)."""
        candidates = [self._port]
        if self._port in PIECES_PORTS:
            candidates = list(range(self._port, PIECES_PORTS.stop))
        for pos, port in enumerate(candidates):
            try:
                return self._bind_one(port)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE or pos == len(candidates) - 1:
                    raise
        raise AssertionError("unreachable")

    def _bind_one(self, port: int) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto must be IPPROTO_TCP (not 0): asyncio only sets TCP_NODELAY on accepted sockets
        # whose proto says TCP, and without it every response waits ~40 ms (Nagle + delayed ACK).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, port))
        except OSError:
            sock.close()
            raise
        sock.set_inheritable(True)
        self._port = sock.getsockname()[1]
        return sock

    def start(self) -> None:
        """Open the database (filling an empty one with demo/seed data), then serve; returns when
        the server is listening."""
        if self.running:
            return
        try:
            self._lock.acquire()
        except OSError as exc:  # the folder cannot hold the lock file: the database neither
            raise classify(exc, self.db_path) from None
        try:
            db = Database(self.db_path, max_pages=self.max_db_pages)
        except BaseException:
            self._lock.release()
            raise
        try:
            if (self.demo or self.seed) and db.is_empty():
                demo.populate(db, demo=self.demo, seed=self.seed)
            sock = self._bind()
        except BaseException:
            db.close()
            self._lock.release()
            raise
        self._lock.note(f"pid {os.getpid()}, {self.url}")
        self._db = db
        self._api = Api(db, Hub(), self.clock, self.id_factory)
        self._api.snapshot.warm()  # the first GET /conversations finds its body built
        self._os_api = OsApi(self._api, self._session, installation_path=INSTALLATION_PATH)
        app = create_app(
            self._api,
            os_api=self._os_api,
            log_requests=self.log_requests,
            allowed_hosts=self.allowed_hosts,
            max_body=self.max_body,
            allowed_origins=self.allowed_origins,
            body_budget=BodyBudget(self.body_budget),
        )
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="off",
            # No proxy in front: the client address is the socket's own (and a header naming
            # another one is not believed). It also saves a middleware call per request.
            proxy_headers=False,
            http=limited_protocol(self.request_timeout, effective_cap(self.max_connections)),
            timeout_keep_alive=self.keep_alive,  # type: ignore[arg-type]  # a float works
            backlog=512,
            ws=bounded_protocol(self.send_timeout),
            ws_max_size=WS_MAX_MESSAGE,
            ws_per_message_deflate=False,
            timeout_graceful_shutdown=3,
        )
        self._server = uvicorn.Server(config)
        self._error = None
        self._thread = threading.Thread(
            target=self._run, args=(self._server, sock), name="pieces-tui-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"embedded server failed to start: {self._error!r}")
            time.sleep(0.005)

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(EpisodeLog())
        self._loop = loop
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        except BaseException as exc:  # surfaced by start()
            self._error = exc
        finally:
            sock.close()
            loop.close()

    def stop(self) -> None:
        """Close the streams, stop serving, release the port and close the database."""
        server, thread, loop, api = self._server, self._thread, self._loop, self._api
        if server is not None and thread is not None:
            if loop is not None and api is not None and thread.is_alive():
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(api.close_streams)
                    if self._os_api is not None:
                        loop.call_soon_threadsafe(self._os_api.close_streams)
            server.should_exit = True
            thread.join(STOP_TIMEOUT)
        if api is not None:
            api.close()
        if self._db is not None:
            self._db.close()
            self._lock.release()
        self._server = self._thread = self._loop = None
        self._api = None
        self._os_api = None
        self._db = None

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
