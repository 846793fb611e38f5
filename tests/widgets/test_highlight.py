"""The search words found in rendered text, as the server's index finds them (no Textual app)."""

from __future__ import annotations

from pieces_tui.widgets.detail.highlight import match_spans, query_words


def words(text: str, query: str) -> list[str]:
    return [text[a:b] for a, b in match_spans(text, query_words(query))]


def test_case_and_diacritics_are_folded_and_words_match_as_prefixes() -> None:
    assert query_words("Café  CAFE retr") == ("cafe", "retr")
    assert words("Un café, des CAFÉS; Retrying retro", "cafe retr") == [
        "café",
        "CAFÉS",
        "Retrying",
        "retro",
    ]


def test_a_one_letter_word_matches_only_whole_and_never_inside_a_word() -> None:
    assert words("a b ab ba a", "a") == ["a", "a"]
    assert words("preretry retry_x retry", "retry") == ["retry", "retry"]


def test_markup_like_text_is_only_text() -> None:
    text = "[bold]retry[/bold] <b>retry</b> $retry"
    assert words(text, "retry") == ["retry", "retry", "retry"]
    assert words(text, "bold") == ["bold", "bold"]
    assert match_spans(text, ()) == [] and match_spans("", ("x",)) == []
