"""The detail pane shows a message with no Markdown syntax as one widget, its block, with its role
line and text in one `Content`: chosen for plain text only, showing the same text, looking
exactly as its label and Markdown paragraph did.
(Which texts are plain, against markdown-it's tokens: tests/hostile/test_plain_text.py.)"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest
from pilot_wait import wait_until
from textual.app import App, ComposeResult
from textual.widgets import Markdown

from pieces_tui.paths import styles_dir
from pieces_tui.widgets.detail import (
    ConversationDetail,
    ConversationView,
    MessageView,
    message_blocks,
)
from pieces_tui.widgets.detail import blocks as blocks_module
from pieces_tui.widgets.safe_markdown import SafeMarkdown

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

TEXTS = [
    (
        "USER",
        "How do I retry an HTTP call with exponential backoff and jitter, so that a "
        "flaky server does not take   the whole service down with it?",
    ),
    ("ASSISTANT", "Use a loop.\nDouble the delay after each failure.\n\nCap it, too."),
    ("USER", "And with **async** functions, in `asyncio`?"),
    ("ASSISTANT", "Yes! The same, with await and a sleep (see the docs)."),
]


def conversation() -> ConversationView:
    return ConversationView(
        id="c1",
        name="Plain and Markdown",
        type="COPILOT",
        created=NOW,
        updated=NOW,
        messages=[
            MessageView(id=f"m{k}", role=role, text=text, created=NOW)
            for k, (role, text) in enumerate(TEXTS)
        ],
    )


class PaneApp(App[None]):
    CSS_PATH = [styles_dir() / "app.tcss", styles_dir() / "detail.tcss"]

    def compose(self) -> ComposeResult:
        yield ConversationDetail(id="detail", now=lambda: NOW)


async def shown(app: PaneApp, pilot) -> ConversationDetail:
    detail = app.query_one(ConversationDetail)
    detail.show_loading("c1")
    detail.show_conversation(conversation())
    await wait_until(
        pilot,
        lambda: (
            not detail.loading
            and len(message_blocks(detail)) == len(TEXTS)
            and all(md.filled for md in detail.query(SafeMarkdown))
        ),
    )
    await pilot.pause()
    return detail


async def test_plain_messages_are_one_widget_and_markdown_ones_stay_markdown() -> None:
    app = PaneApp()
    async with app.run_test(size=(100, 40)) as pilot:
        detail = await shown(app, pilot)
        kinds = []
        for block in message_blocks(detail):
            markdown = list(block.query(Markdown))
            if block.plain is not None:
                assert not markdown and not block.children  # one widget: the block
            else:
                assert markdown
            kinds.append("plain" if block.plain is not None else "markdown")
        assert kinds == ["plain", "plain", "markdown", "plain"]
        texts = [str(b.content) for b in message_blocks(detail) if b.plain is not None]
        assert texts == [
            "You\nHow do I retry an HTTP call with exponential backoff and jitter, so that a "
            "flaky server does not take the whole service down with it?",
            "Copilot\nUse a loop. Double the delay after each failure.\n\nCap it, too.",
            "Copilot\nYes! The same, with await and a sleep (see the docs).",
        ]


async def test_a_search_highlights_a_plain_message_s_words_not_its_role_line() -> None:
    """The role line is in the block's own Content: "you" matches the text's words, never the
    "You" above them (a Markdown message's role is a label the highlight does not touch)."""
    from pieces_tui.widgets.detail.highlight import CURRENT_STYLE, MATCH_STYLE

    app = PaneApp()
    async with app.run_test(size=(100, 40)) as pilot:
        detail = await shown(app, pilot)
        detail.set_matches(["m0", "m1"], ["you", "loop"])
        blocks = {block.message.id: block for block in message_blocks(detail)}

        def marked(message_id: str) -> list[tuple[int, str]]:
            content = blocks[message_id].content
            return [
                (span.start, content.plain[span.start : span.end])
                for span in content.spans
                if span.style in (MATCH_STYLE, CURRENT_STYLE)
            ]

        await wait_until(pilot, lambda: bool(marked("m1")))
        assert marked("m0") == []  # "You" is its role line: its text has no "you"
        assert marked("m1") == [(len("Copilot\nUse a "), "loop")]
        detail.set_matches(["m0"], ["you", "how"])
        await wait_until(pilot, lambda: bool(marked("m0")))
        assert marked("m0") == [(len("You\n"), "How")]
        assert marked("m1") == []


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_plain_messages_look_as_their_markdown_did(monkeypatch, size) -> None:
    """The same pane, once as it is and once with every message sent down the Markdown path
    (the path the plain one replaces; patched here only to compare the two): the same screen,
    character for character and style for style."""
    screens = []
    for markdown_only in (False, True):
        if markdown_only:
            monkeypatch.setattr(blocks_module, "plain_text", lambda text: None)
        app = PaneApp()
        async with app.run_test(size=size) as pilot:
            detail = await shown(app, pilot)
            plain = [block for block in message_blocks(detail) if block.plain is not None]
            assert bool(plain) is not markdown_only
            screens.append(await settled_screen(pilot))
    assert screens[0] == screens[1]


async def settled_screen(pilot) -> list[list[tuple[str, object]]]:
    """The screen once two renders a moment apart agree (a Markdown filled in lays its block
    out again a frame later)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    last = rendered(pilot.app)
    while True:
        await pilot.pause(0.05)
        now = rendered(pilot.app)
        if now == last or loop.time() > deadline:
            return now
        last = now


def rendered(app: App[None]) -> list[list[tuple[str, object]]]:
    """The screen cell by cell, as the eye sees it: each character with its style (a blank
    with only what shows on a blank: the background, reverse and underline; an empty segment,
    which shows nothing, left out; the offsets Textual's text selection keeps in a style's
    meta, which differ since the plain paragraphs are one widget, left out)."""
    update = app.screen._compositor.render_update(full=True)
    rows = []
    for line in update.strips:  # type: ignore[union-attr]
        cells: list[tuple[str, object]] = []
        for strip in line:
            for segment in strip:
                style = segment.style.clear_meta_and_links() if segment.style else None
                for char in segment.text:
                    if char == " " and style is not None:
                        shown = (style.bgcolor, style.reverse, style.underline)
                        cells.append((char, shown))
                    else:
                        cells.append((char, style))
        rows.append(cells)
    return rows


OPEN_PLAIN = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import UTC, datetime

    from textual.app import App

    from pieces_tui.paths import styles_dir
    from pieces_tui.widgets.detail import ConversationDetail, ConversationView, MessageView

    NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    class PaneApp(App[None]):
        CSS_PATH = [styles_dir() / "app.tcss", styles_dir() / "detail.tcss"]

        def compose(self):
            yield ConversationDetail(now=lambda: NOW)

    async def main() -> None:
        async with App.run_test(PaneApp(), size=(100, 40)) as pilot:
            detail = pilot.app.query_one(ConversationDetail)
            detail.show_loading("c1")
            messages = [MessageView(f"m{k}", "USER", f"Message {k} of 20.") for k in range(20)]
            detail.show_conversation(
                ConversationView("c1", "Plain", "COPILOT", NOW, NOW, messages=messages)
            )
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while (detail.loading or len(detail.window) != 20) and loop.time() < deadline:
                await pilot.pause(0.01)
            await pilot.pause()
            print("revealed" if not detail.loading else "still loading")
            print("markdown_it" in sys.modules)

    asyncio.run(main())
    """
)


def test_an_opening_of_plain_messages_imports_no_markdown() -> None:
    """markdown-it, its plugins and Textual's Markdown (~0.07 s) load only for a text that needs
    them: in a fresh interpreter (this one has imported everything already)."""
    done = subprocess.run(
        [sys.executable, "-c", OPEN_PLAIN], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["revealed", "False"]
