"""The embedded demo server, as the app runs it: in a thread, on a free loopback port."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # The server (uvicorn, Starlette, sqlite) costs ~0.1 s to import: only `--demo` pays for it.
    from pieces_tui.server import EmbeddedServer


class DemoUnavailable(Exception):
    """The demo server cannot start. `reason`: one line naming the cause and the database path;
    `choices`: what the user can do about it, as short imperative sentences for the UI to offer
    (for example as the options of the connect screen)."""

    def __init__(self, reason: str, choices: tuple[str, ...]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.choices = choices


TEMPORARY_CHOICE = "start the demo on a temporary database (run without --db)"


class DemoServer:
    """Starts an `EmbeddedServer` with demo data without blocking the UI, and cleans up after it.

    With no `db_path` the database lives in a temporary folder that is removed on `stop`.
    """

    def __init__(self, db_path: Path | None = None, *, seed: int = 0, port: int = 0) -> None:
        self._db_path = db_path
        self._seed = seed
        self._port = port
        self._tempdir: str | None = None
        self._server: EmbeddedServer | None = None

    @property
    def db_path(self) -> Path | None:
        """The database file given (None: a temporary one, new every run)."""
        return self._db_path

    @property
    def url(self) -> str | None:
        return self._server.url if self._server is not None else None

    async def start(self) -> str:
        """Start the server; its URL. `DemoUnavailable` (with the reason and the user's choices)
        when the database cannot be used or another server holds it."""
        if self._server is None:
            db_path = self._db_path
            if db_path is None:
                self._tempdir = tempfile.mkdtemp(prefix="pieces-tui-demo-")
                db_path = Path(self._tempdir) / "demo.db"
            from pieces_tui.server import EmbeddedServer
            from pieces_tui.server.lock import DatabaseInUse
            from pieces_tui.server.storage_errors import StorageError

            server = EmbeddedServer(db_path, port=self._port, demo=True, seed=self._seed)
            try:
                await asyncio.to_thread(server.start)
            except StorageError as error:
                raise DemoUnavailable(error.reason, self._choices(error.kind)) from None
            except DatabaseInUse as error:
                choices = ("connect to the server that holds it", "choose another --db")
                raise DemoUnavailable(str(error), choices) from None
            self._server = server
        return self._server.url

    def _choices(self, kind: str) -> tuple[str, ...]:
        if self._db_path is None:
            return ("retry", "connect to a running Pieces OS instead")
        if kind == "full":
            first = "free some disk space and retry"
        elif kind == "busy":
            first = "retry"
        elif kind == "newer":
            first = "upgrade pieces-tui"
        elif kind == "damaged":
            first = "move the file aside (or restore a backup) and retry"
        else:
            first = "check the file's folder and permissions and retry"
        return (first, "choose another --db", TEMPORARY_CHOICE)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await asyncio.to_thread(server.stop)
        self._remove_tempdir()

    def discard(self) -> None:
        """`stop` without an event loop, for the command line once the app has ended however
        it ended (a signal, an exception): idempotent, and a no-op after `stop`."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        self._remove_tempdir()

    def _remove_tempdir(self) -> None:
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None
