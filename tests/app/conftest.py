"""Helpers for driving the app against the embedded server."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pieces_tui.app import PiecesApp
from pieces_tui.cli import create_app
from pieces_tui.config import Settings

# The demo data is dated up to 2026-11-20 09:00 UTC; the app's clock is frozen a little after.
FROZEN_NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def frozen_now() -> datetime:
    return FROZEN_NOW


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., PiecesApp]:
    """An app factory with a frozen clock and a private settings file."""

    def factory(url: str | None, **kwargs: object) -> PiecesApp:
        kwargs.setdefault("settings", Settings(path=tmp_path / "config.json"))
        kwargs.setdefault("now", frozen_now)
        kwargs.setdefault("discover_hosts", False)
        return create_app(url=url, **kwargs)  # type: ignore[arg-type]

    return factory


def loaded(app: PiecesApp) -> Callable[[], bool]:
    """True once the list shows the store and the detail pane shows the highlighted conversation."""

    def check() -> bool:
        listing = app.main_screen.conversation_list
        return (
            len(app.store) > 0
            and listing.row_count == len(app.store)
            and app.main_screen.detail.conversation_id == listing.highlighted_id
            and not app.main_screen.detail.loading
        )

    return check


@pytest.fixture
def unused_url() -> str:
    """A loopback URL on which nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
