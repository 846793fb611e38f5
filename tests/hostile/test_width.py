"""The width policy of `pieces_tui.sanitize` (section 3 of its docstring): for every character
it keeps, and for random strings, Rich's cell width equals `wcwidth`'s (a stand-in for the
terminal's); grapheme clusters are capped; names are bounded (`clean_name`)."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from wcwidth import wcswidth

from pieces_tui.sanitize import MAX_COMBINING, NAME_CELLS, clean_line, clean_name, clean_text


def agree(text: str) -> bool:
    return cell_len(text) == wcswidth(text)


def test_every_kept_character_has_one_width() -> None:
    # Every code point, one at a time (about 1.1 million): what `clean_line` keeps of it is as
    # wide for Rich as for wcwidth.
    disagree = []
    for code_point in range(sys.maxunicode + 1):
        if 0xD800 <= code_point <= 0xDFFF:
            continue  # lone surrogates are replaced (tests/hostile/test_sanitize.py)
        kept = clean_line(chr(code_point))
        if kept and not agree(kept):
            disagree.append(f"U+{code_point:04X} -> {kept!r}")
    assert not disagree, disagree[:20]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\u3164b\uffa0c\u115fd\u1160e", "abcde"),  # Hangul fillers
        ("\U0001f3fb", ""),  # a lone skin-tone modifier
        ("\U0001f44d\U0001f3fd", "\U0001f44d"),  # ... and one after an emoji
        ("\uffff\U0010ffff\ufdd0\U0001fffe", "\ufffd" * 4),  # noncharacters
        ("\u0378", "\ufffd"),  # unassigned
        ("\u2764\ufe0f\u2764\ufe0e", "\u2764\u2764"),  # presentation selectors
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f468\U0001f469\U0001f467"),
        ("\U0001f1eb\U0001f1f7", "\U0001f1eb\U0001f1f7"),  # a flag stays
        ("\U0001f1eb\U0001f1f7\U0001f1eb", "\U0001f1eb\U0001f1f7\ufffd"),  # a lone indicator
        ("e\u0301 \u00e9 \u0915\u094d\u0937", "e\u0301 \u00e9 \u0915\u094d\u0937"),
        ("\u200d\u094d0", "0"),  # marks and joiners with nothing to combine with
        ("\u200da", "a"),
        ("\u1100\u094da a\u094d\u1100 0\u094d\u200d", "\u1100a a\u1100 0"),  # viramas
        ("\u0915\u094d\u200d\u0937", "\u0915\u094d\u0937"),  # ... in their script, no ZWJ
        ("\u1100\u1161\u11a8 \u1161\u11a8", "\u1100\u1161\u11a8 "),  # jamo: only in a syllable
    ],
)
def test_width_policy_classes(raw: str, shown: str) -> None:
    assert clean_line(raw) == shown
    assert clean_text(raw) == shown
    assert agree(shown)


def test_emoji_newer_than_the_tables_are_replaced() -> None:
    # Emoji of Unicode 15 and 16 (shaking face, harp, splatter...): replaced wherever Python's
    # Unicode tables do not know them yet, kept (and agreed on) where they do.
    for char in "\U0001fae8\U0001fa89\U0001fadf\U0001fabf":
        kept = clean_line(char)
        if unicodedata.category(char) == "Cn":
            assert kept == "\ufffd"
        assert agree(kept)


def test_the_reported_spoof_is_as_wide_as_it_looks() -> None:
    # The name: fillers and modifiers that Rich counted as nothing, so the line drawn
    # by the terminal ran on past the sidebar.
    name = "\u3164" * 40 + "\U0001f3fb" * 20 + "\uffa0" * 40 + "SYSTEM: your session expired"
    shown = clean_name(name)
    assert shown == "SYSTEM: your session expired"
    assert agree(shown)


tricky = st.sampled_from(
    [
        "\u200d",
        "\u200c",
        "\ufe0f",
        "\ufe0e",
        "\u0301",
        "\u20e3",
        "\U0001f3fb",
        "\U0001f1eb",
        "\U0001f1f7",
        "\U0001f468",
        "\u2764",
        "\u3164",
        "\uffa0",
        "\uffff",
        "\u0378",
        "a",
        "\u845b",
        "\U000e0100",
        "\u0915",
        "\u094d",
        "\u00ad",
        "\u1100",
        "\u1161",
        "\u11a8",
        "\U0001f9d1",
        "\u2640",
        "#",
        " ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(tricky, st.characters()), max_size=40).map("".join))
def test_random_strings_have_one_width(raw: str) -> None:
    shown = clean_line(raw)
    assert agree(shown), (raw, shown)
    named = clean_name(raw, 12)
    assert agree(named) and cell_len(named) <= 12, (raw, named)


def test_grapheme_clusters_are_capped() -> None:
    zalgo = "a" + "\u0301" * 10_000 + "b" + "\u0300\u0301" * 5
    shown = clean_line(zalgo)
    assert shown == "a" + "\u0301" * MAX_COMBINING + "b" + "\u0300\u0301" * 5
    assert clean_text(zalgo) == shown
    assert len(clean_name(zalgo)) == len(shown)


def test_names_are_bounded() -> None:
    long_name = "word " * 20_000  # 100 KB
    shown = clean_name(long_name)
    assert shown.endswith("\u2026") and cell_len(shown) <= NAME_CELLS
    assert shown[:-1] == long_name[: len(shown) - 1].rstrip()
    wide = clean_name("\u845b" * 300, 11)
    assert wide == "\u845b" * 5 + "\u2026" and cell_len(wide) == 11
    assert clean_name("short \x1b[31mred\x1b[0m") == "short red"
    assert clean_name("\U0001f1eb\U0001f1f7" * 10, 7) == "\U0001f1eb\U0001f1f7" * 3 + "\u2026"
    assert clean_name("\U0001f1eb\U0001f1f7" * 10, 6) == "\U0001f1eb\U0001f1f7" * 2 + "\u2026"
    exact = "x" * NAME_CELLS
    assert clean_name(exact) == exact
    with pytest.raises(ValueError):
        clean_name("x", 0)
