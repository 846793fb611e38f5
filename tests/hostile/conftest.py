"""Helpers for the hostile-content tests.

- `HOSTILE`: fragments an LLM, a user or a broken server could put in any text field.
- `screen_text(app)`: what the whole screen shows (modals and toasts included), one line per row.
- `assert_harmless(app)`: no control character, escape, bidi control, zero-width character or lone
  surrogate in any rendered segment, nor in the raw terminal output Textual would write, apart
  from the SGR colours and cursor moves Textual itself emits; the app is still running.
- `seed_database(path, ...)`: put hostile conversations, annotations, assets and websites in a
  database before the embedded server starts on it (the HTTP API cannot create annotations,
  assets or websites; the server still serves them over real sockets).
- `ThreadDriver`: lets a Hypothesis test (synchronous, run in a thread) drive an app whose event
  loop runs in the test's own loop.
- Hypothesis profiles: `ci` (the default: few examples, fast) and `fuzz` (>= 2,000 examples per
  property, and no per-test timeout):

      HYPOTHESIS_PROFILE=fuzz python -m pytest tests/hostile -m property
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Coroutine, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from rich.segment import Segment
from textual.app import App
from textual.strip import Strip

from pieces_tui.app import PiecesApp
from pieces_tui.cli import create_app
from pieces_tui.config import Settings
from pieces_tui.server.db import Database
from pieces_tui.server.records import NewAnnotation, NewConversation, NewMessage, iso

_T = TypeVar("_T")

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "fuzz",
    max_examples=2_000,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "property: Hypothesis property tests (fuzz profile)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A fuzz run takes minutes per property: lift the suite's per-test timeout for it."""
    if PROFILE == "fuzz":
        for item in items:
            if item.get_closest_marker("property") is not None:
                item.add_marker(pytest.mark.timeout(3_600))


HOSTILE: tuple[str, ...] = (
    "[bold]x[/]",
    "[link=https://evil.example]click[/link]",
    "[@click=app.quit]quit[/]",
    "[/]",
    "[red",
    "$accent",
    "\x1b[2J",
    "\x1b[31m",
    "\x1b[0m",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b]8;;https://evil.example\x1b\\label\x1b]8;;\x1b\\",
    "\x1b]0;pwned title\x07",
    "\x1bP+q544e\x1b\\",
    "\x1b#8",
    "\x1bc",
    "\x07",
    "\x08\x08\x08",
    "\r",
    "\r\n",
    "\x00",
    "\x7f",
    "\x9b31m",
    "\x9d0;c1 title\x9c",
    "\x85",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200b",
    "\ufeff",
    "\u2060",
    "\U000e0041\U000e0042",
    "\u2028",
    "\t",
    "&#x202e;",
    "&#27;[2J",
    "<script>alert(1)</script>",
    "[a](javascript:alert(1))",
    "[f](file:///etc/passwd)",
    "`code \x1b[1m`",
    "```\n\x1b]52;c;Zm9v\x07\n```",
)
"""Fragments that must never reach the terminal as anything but harmless text."""

# Written independently of pieces_tui.sanitize, on purpose: what must never be rendered.
FORBIDDEN = re.compile(
    "["
    "\x00-\x1f\x7f-\x9f"
    "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\u180e\ufff9-\ufffb"
    "\U000e0000-\U000e007f"
    "\ud800-\udfff"
    # The width policy (sanitize.py, section 3): fillers, skin-tone modifiers, presentation
    # selectors and noncharacters never reach the screen.
    "\u115f\u1160\u3164\uffa0\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0010fffe\U0010ffff"
    "]"
)
# What Textual itself writes around the text: SGR attributes and cursor positioning.
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;]*m|\x1b\[[0-9]+;[0-9]+H|\n")


def _screen_strips(app: App[Any]) -> list[list[Strip]]:
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    strips = getattr(update, "strips", None)
    assert strips is not None, "a full update always carries strips"
    return [list(line) for line in strips]


def rendered_segments(app: App[Any]) -> Iterator[Segment]:
    """Every segment of the screen as it is composed now (modals and notifications included)."""
    for line in _screen_strips(app):
        for strip in line:
            yield from strip


def screen_text(app: App[Any]) -> str:
    """The screen's text, one line per row."""
    return "\n".join("".join(strip.text for strip in line) for line in _screen_strips(app))


def terminal_output(app: App[Any]) -> str:
    """The raw data Textual would write to the terminal for a full repaint."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    assert update is not None
    return update.render_segments(app.console)  # type: ignore[union-attr]


def forbidden_in(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)]


def assert_harmless(app: App[Any]) -> None:
    """Nothing hostile in what is rendered, nor in what would be written; still running."""
    assert app.is_running, "the app stopped"
    for segment in rendered_segments(app):
        if segment.control:
            continue  # Textual's own cursor moves, not text
        leaked = forbidden_in(segment.text)
        assert not leaked, f"segment {segment.text!r} carries {leaked}"
        link = segment.style.link if segment.style is not None else None
        assert not link, f"segment {segment.text!r} is a terminal hyperlink to {link!r}"
    raw = _OWN_SEQUENCES.sub("", terminal_output(app))
    leaked = forbidden_in(raw)
    assert not leaked, f"terminal output carries {leaked}: {raw[:200]!r}"


class ThreadDriver:
    """Runs coroutines on the app's loop from the thread a Hypothesis test runs in."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float = 30) -> None:
        self._loop = loop
        self._timeout = timeout

    def __call__(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(self._timeout)


# The seeded data is dated up to 2026-11-20 09:00 UTC; the app's clock is frozen a little after.
FROZEN_NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., PiecesApp]:
    """The real app (the CLI's factory) with a frozen clock and a private settings file."""

    def factory(url: str | None, **kwargs: Any) -> PiecesApp:
        kwargs.setdefault("settings", Settings(path=tmp_path / "config.json"))
        kwargs.setdefault("now", lambda: FROZEN_NOW)
        kwargs.setdefault("discover_hosts", False)
        return create_app(url=url, **kwargs)

    return factory


def loaded(app: PiecesApp, count: int) -> Callable[[], bool]:
    """True once the list holds `count` rows and the pane shows the highlighted conversation."""

    def check() -> bool:
        return (
            app.main_screen.conversation_list.row_count == count
            and app.main_screen.detail.conversation_id is not None
            and app.main_screen.detail.conversation_id
            == app.main_screen.conversation_list.highlighted_id
            and not app.main_screen.detail.loading
        )

    return check


# -- seeding the server's database ---------------------------------------------------------------

SEED_TIME = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def seed_database(
    path: Path,
    conversations: Sequence[NewConversation],
    *,
    assets: Sequence[tuple[str, str, str, str]] = (),
    websites: Sequence[tuple[str, str, str]] = (),
) -> None:
    """Write rows before the server starts on `path`. Assets are (id, name, ext, text), websites
    (id, name, url)."""
    created = iso(SEED_TIME - timedelta(days=1))
    db = Database(path)
    try:
        if assets:
            db.insert_assets([(i, n, e, t, created, created) for i, n, e, t in assets])
        if websites:
            db.insert_websites([(i, n, u, created, created) for i, n, u in websites])
        db.insert_conversations(conversations)
    finally:
        db.close()


def conversation(
    conversation_id: str,
    name: str | None,
    messages: Sequence[tuple[str, str]] = (),
    *,
    minutes_ago: int = 0,
    annotations: Sequence[tuple[str, str]] = (),
    asset_ids: Sequence[str] = (),
    website_ids: Sequence[str] = (),
) -> NewConversation:
    at = SEED_TIME - timedelta(minutes=minutes_ago)
    return NewConversation(
        id=conversation_id,
        created=iso(at - timedelta(hours=1)),
        updated=iso(at),
        name=name,
        messages=[
            NewMessage(f"{conversation_id}-m{n}", role, text, iso(at - timedelta(minutes=59 - n)))
            for n, (role, text) in enumerate(messages)
        ],
        annotations=[
            NewAnnotation(f"{conversation_id}-a{n}", kind, text)
            for n, (kind, text) in enumerate(annotations)
        ],
        asset_ids=list(asset_ids),
        website_ids=list(website_ids),
    )
