"""The sanitising policy of `pieces_tui.sanitize`, one character class at a time (the module
docstring is the specification)."""

from __future__ import annotations

import pytest

from pieces_tui.sanitize import clean_line, clean_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        # Escape sequences go with their parameters and payloads.
        ("a\x1b[2Jb", "ab"),
        ("a\x1b[38;2;255;0;0mred\x1b[0m", "ared"),
        ("a\x1b]52;c;aGVsbG8=\x07b", "ab"),  # OSC 52 clipboard write
        ("a\x1b]52;c;aGVsbG8=\x1b\\b", "ab"),
        ("\x1b]8;;https://evil.example\x1b\\label\x1b]8;;\x1b\\", "label"),  # OSC 8: label stays
        ("a\x1bP+q544e\x1b\\b", "ab"),  # DCS
        ("a\x1b_payload\x1b\\b", "ab"),  # APC
        ("a\x1b#8b", "ab"),  # DECALN (fills the screen with E)
        ("a\x1bcb", "ab"),  # full reset
        ("a\x9b2Jb", "ab"),  # 8-bit CSI
        ("a\x9d0;title\x9cb", "ab"),  # 8-bit OSC ... ST
        # An unterminated string sequence loses its introducer only: the rest stays visible.
        ("a\x1b]0;no terminator", "a0;no terminator"),
        ("a\x1b[31", "a31"),  # a CSI with no final byte: ESC [ goes, the rest stays
        # Other controls are removed.
        ("bell\x07 bs\x08 nul\x00 del\x7f vt\x0b ff\x0c", "bell bs nul del vt ff"),
        ("c1\x80\x85\x9f", "c1"),
        # Carriage returns and line separators become newlines.
        ("safe\rmalicious", "safe\nmalicious"),
        ("dos\r\nline", "dos\nline"),
        ("a\u2028b\u2029c", "a\nb\nc"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        # Bidi controls and marks are removed.
        ("a\u202eb\u202ac\u202bd\u202ce\u202df", "abcdef"),
        ("a\u2066b\u2067c\u2068d\u2069e", "abcde"),
        ("a\u200eb\u200fc\u061cd", "abcd"),
        # Zero-width and invisible format characters are removed...
        ("a\u200bb\u2060c\ufeffd\u180ee\u2061f", "abcdef"),
        ("hidden\U000e0041\U000e0042\U000e007f", "hidden"),  # tag characters
        # ... but non-joiners between letters, variation selectors and combining marks stay
        # (the width policy drops U+200D and VS15/VS16: tests/hostile/test_width.py)
        ("\U0001f468\u200d\U0001f469", "\U0001f468\U0001f469"),
        ("\u0915\u094d\u200c\u0937", "\u0915\u094d\u200c\u0937"),
        ("\u0645\u200c\u0627", "\u0645\u200c\u0627"),
        ("\u2764\ufe0f e\u0301", "\u2764 e\u0301"),
        ("\u845b\U000e0100", "\u845b\U000e0100"),
        # Lone surrogates are made visible.
        ("a\ud800b\udfffc", "a\ufffdb\ufffdc"),
        # Markup is not this module's business: it is never parsed, so it stays as text.
        (
            "[bold]x[/] [@click=app.quit]q[/] [red $accent",
            "[bold]x[/] [@click=app.quit]q[/] [red $accent",
        ),
    ],
)
def test_clean_text(raw: str, shown: str) -> None:
    assert clean_text(raw) == shown


def test_clean_line_makes_one_line() -> None:
    assert clean_line("  two\nlines\tand\r\nmore\u2028end\x1b[1m ") == "two lines and more end"
    assert clean_line("plain name") == "plain name"


def test_large_text_is_cleaned_quickly() -> None:
    import time

    text = ("word \x1b[31mred\x1b[0m \u202e\u200b\r\n" * 200_000)[:5_000_000]
    started = time.perf_counter()
    cleaned = clean_text(text)
    assert time.perf_counter() - started < 5
    assert "\x1b" not in cleaned and "\u202e" not in cleaned
