"""Team-wide fixtures: the embedded server on a free loopback port.

- `server`: empty temp database.  - `demo_server`: the deterministic demo data set.
- `make_server(db_path=None, **kwargs)`: a factory for restart scenarios (all stopped at teardown).

All use a deterministic clock (`StepClock`: 2026-12-01T00:00:00Z, one second later at each call,
so new writes are ordered and reproducible) and a deterministic id factory (`SequentialIds`).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pieces_tui.server import EmbeddedServer

CLOCK_START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


class StepClock:
    """A clock for the server: starts at `start` and moves one `step` per call."""

    def __init__(self, start: datetime = CLOCK_START, step: timedelta = timedelta(seconds=1)):
        self._next = start
        self.step = step

    def __call__(self) -> datetime:
        now = self._next
        self._next += self.step
        return now


class SequentialIds:
    """uuid-shaped ids 00000000-0000-4000-8000-000000000001, ...002 and so on."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return str(uuid.UUID(f"00000000-0000-4000-8000-{next(self._counter):012x}"))


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., EmbeddedServer]]:
    started: list[EmbeddedServer] = []

    def factory(db_path: str | Path | None = None, **kwargs: Any) -> EmbeddedServer:
        kwargs.setdefault("clock", StepClock())
        kwargs.setdefault("id_factory", SequentialIds())
        path = db_path if db_path is not None else tmp_path / f"server-{len(started)}.db"
        server = EmbeddedServer(path, **kwargs)
        server.start()
        started.append(server)
        return server

    yield factory
    for server in reversed(started):
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    return make_server()


@pytest.fixture
def demo_server(make_server: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    return make_server(demo=True)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own XDG cache: list snapshots never leak between tests (nor into ~/.cache)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
