"""Links in Markdown messages: only http(s) and mailto open; everything else is refused with a
notification, and `App.open_url` is never called for it.

`App.open_url` is patched to record its calls instead of starting a browser: the only stand-in in
these tests (a real browser cannot be observed from a test)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pilot_wait import Notices, wait_until

from pieces_tui.app import PiecesApp
from pieces_tui.server import EmbeddedServer
from pieces_tui.widgets.detail import message_blocks
from pieces_tui.widgets.safe_markdown import link_refusal, safe_parser

from .conftest import assert_harmless, conversation, loaded, screen_text, seed_database

SIZE = (120, 50)

# One link per paragraph, each with a label that is unique on screen.
LINKS = {
    "FTPLINK": "ftp://files.example/secret",
    "RELLINK": "relative/path/to/thing",
    "VSCLINK": "vscode://file/etc/passwd",
    "SSHLINK": "ssh://host.example",
    "IMGLINK": "data:image/png;base64,iVBORw0KGgo=",
    "NOHOSTLINK": "https:///nohost",
    "WEBLINK": "https://example.com/ok",
    "MAILLINK": "mailto:someone@example.com",
}
NOT_LINKS = {  # markdown-it does not even make links of these: they show as text
    "FILELINK": "file:///etc/passwd",
    "JSLINK": "javascript:alert(1)",
    "DATALINK": "data:text/html,<script>alert(1)</script>",
}
ALLOWED = {"WEBLINK", "MAILLINK"}


def markdown() -> str:
    paragraphs = []
    for label, href in {**LINKS, **NOT_LINKS}.items():
        if label == "IMGLINK":
            paragraphs.append(f"![{label}]({href})")
        else:
            paragraphs.append(f"Go [{label}]({href}) now")
    return "\n\n".join(paragraphs)


@pytest.mark.parametrize(
    ("href", "allowed"),
    [
        ("https://example.com", True),
        ("HTTP://EXAMPLE.COM/x", True),
        ("mailto:a@example.com", True),
        ("https:///nohost", False),
        ("file:///etc/passwd", False),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,x", False),
        ("ftp://example.com", False),
        ("vscode://x", False),
        ("relative/path", False),
        ("//example.com/protocol-relative", False),
        ("#anchor", False),
        ("http://[::1", False),  # urlsplit raises ValueError
        ("mailto:", False),
    ],
)
def test_link_policy(href: str, allowed: bool) -> None:
    assert (link_refusal(href) is None) is allowed


def test_parser_cleans_what_entities_decode_to_and_shows_html_as_text() -> None:
    tokens = safe_parser().parse(
        "a &#x202e; b &#x200b; c <b>bold</b> [x](https://e.example/&#x202e;)"
    )
    inline = tokens[1].children or []
    text = "".join(t.content for t in inline if t.type == "text")
    assert "\u202e" not in text and "\u200b" not in text
    assert "<b>bold</b>" in text
    hrefs = [t.attrs["href"] for t in inline if t.type == "link_open"]
    assert hrefs and all("\u202e" not in str(h) for h in hrefs)


async def test_clicking_links_opens_only_http_and_mailto(
    make_server: Callable[..., EmbeddedServer],
    make_app,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(PiecesApp, "open_url", lambda self, url, **kwargs: opened.append(url))
    seed_database(tmp_path / "links.db", [conversation("c-links", "Links", [("USER", markdown())])])
    server = make_server(tmp_path / "links.db")
    app = make_app(server.url)
    notices = Notices()
    async with app.run_test(size=SIZE, notifications=True, message_hook=notices) as pilot:
        await wait_until(pilot, loaded(app, 1))
        await wait_until(pilot, lambda: len(message_blocks(app.main_screen.detail)) == 1)
        await pilot.press("enter")  # focus the pane
        await wait_until(pilot, lambda: "DATALINK" in screen_text(app))

        for label in [*LINKS, *NOT_LINKS]:
            lines = screen_text(app).splitlines()
            y = next(n for n, line in enumerate(lines) if label in line)
            x = lines[y].index(label)
            before = len(opened)
            notified = len(notices.all)
            await pilot.click(offset=(x + 1, y))
            await pilot.pause()
            if label in ALLOWED:
                assert opened[before:] == [LINKS[label]], label
            else:
                assert opened[before:] == [], label
            if label in LINKS and label not in ALLOWED:
                await wait_until(pilot, lambda n=notified: len(notices.all) > n)
                message = notices.all[-1].message
                assert message.startswith("Not opening"), message
            assert app.is_running

        assert opened == [LINKS["WEBLINK"], LINKS["MAILLINK"]]
        await wait_until(pilot, lambda: "Not opening" in screen_text(app))
        assert_harmless(app)
