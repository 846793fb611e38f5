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
    def url(self) -> str | None:
        return self._server.url if self._server is not None else None

    async def start(self) -> str:
        if self._server is None:
            db_path = self._db_path
            if db_path is None:
                self._tempdir = tempfile.mkdtemp(prefix="pieces-tui-demo-")
                db_path = Path(self._tempdir) / "demo.db"
            from pieces_tui.server import EmbeddedServer

            server = EmbeddedServer(db_path, port=self._port, demo=True, seed=self._seed)
            await asyncio.to_thread(server.start)
            self._server = server
        return self._server.url

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await asyncio.to_thread(server.stop)
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None
