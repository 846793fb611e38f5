"""Hostile names and snippets in the search mode (real sockets): shown literally, harmlessly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pilot_wait import wait_until
from rich.style import Style

from pieces_tui.server import EmbeddedServer
from pieces_tui.widgets.search_results import snippet_text

from .conftest import FORBIDDEN, HOSTILE, assert_harmless, loaded, screen_text
from .test_rendering import SIZE, seed


async def test_search_results_and_the_opened_match_show_hostile_text_literally(
    make_server: Callable[..., EmbeddedServer], make_app, tmp_path: Path
) -> None:
    seed(tmp_path / "hostile.db")
    server = make_server(tmp_path / "hostile.db")
    app = make_app(server.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, loaded(app, 2))
        screen = app.main_screen
        panel = screen.search_panel
        await pilot.press("f")  # a star on the hostile row too
        await wait_until(pilot, lambda: app.store.get("c-hostile").favorited)
        await pilot.press("s", *"item")
        await wait_until(
            pilot, lambda: panel.active_query == "item" and bool(panel.results.results)
        )
        await pilot.pause()
        result = panel.results.results[0]
        assert result.id == "c-hostile" and result.favorited
        first = panel.results.render_line(0).text
        assert first.startswith(" ★ [bold]x[/] [@click=app.quit]quit")
        assert "item" in panel.results.render_line(1).text
        assert_harmless(app)

        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: bool(screen.detail.matches), within=20)
        await pilot.press("n", "N")
        await pilot.pause()
        assert "[bold]x[/]" in screen_text(app)
        assert_harmless(app)


def test_snippet_highlighting_is_by_span_and_never_markup() -> None:
    for fragment in HOSTILE:
        raw = f"a {fragment} word {fragment} b"
        start = raw.index("word")
        text = snippet_text(raw, [(start, start + 4), (-3, 2), (start, 10**6)], Style(bold=True))
        assert not FORBIDDEN.search(text.plain), repr(fragment)
        assert "word" in text.plain
        bold = [text.plain[s.start : s.end] for s in text.spans if s.style == Style(bold=True)]
        assert bold == ["word"], repr(fragment)
