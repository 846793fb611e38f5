"""Fixtures of the server tests (the team-wide ones live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pieces_tui.server import EmbeddedServer


@pytest.fixture(scope="module")
def shared_demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """One demo server for a whole module, for the many small requests that each must leave the
    data as it was (starting a server per case would cost ~0.3 s each)."""
    path = tmp_path_factory.mktemp("shared") / "demo.db"
    with EmbeddedServer(path, demo=True) as server:
        yield server
