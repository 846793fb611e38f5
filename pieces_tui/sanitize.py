"""Make untrusted text safe to show in a terminal.

Conversation names, messages, summaries, annotations, asset names and text, website names and URLs,
and error texts all come from the server, and much of it was written by an LLM: pieces-tui treats
all of it as hostile. Two rules keep it harmless:

1. It is never parsed as markup. Callers build `Content` / `rich.text.Text` objects (or pass
   `markup=False`), so `[bold]x[/]`, `[link=https://evil]`, `[@click=app.quit]`, an unbalanced `[/]`
   or `[red`, and `$accent` are shown as the literal characters they are, and clicking them does
   nothing. Messages and annotations are rendered as Markdown on purpose; that path has its own
   rules (`pieces_tui.widgets.safe_markdown`: no raw HTML, links open only for http, https and
   mailto, and this module runs again on the text Markdown produces, because entities such as
   `&#x202e;` decode to characters that were not in the source).
2. What a terminal would act on, or what would make the text look different from what it is, is
   removed or replaced by `clean_text` / `clean_line`, per character class:

   - Escape sequences, removed together with their parameters and payload: CSI (`ESC [` ... final
     byte: colours, cursor moves, `ESC[2J` screen clears), OSC (`ESC ]` ... BEL or ST: window
     titles, OSC 8 hyperlinks, OSC 52 clipboard writes), DCS / SOS / PM / APC strings (`ESC P`,
     `ESC X`, `ESC ^`, `ESC _` ... ST), nF sequences (`ESC ( B`, `ESC # 8`) and two-character
     escapes (`ESC c`, `ESC 7`), and the 8-bit C1 forms of the introducers (U+009B CSI, U+009D
     OSC, U+0090 DCS, U+0098, U+009E, U+009F). The label between an OSC 8 link's opening and
     closing sequences stays, as plain text. A sequence that never ends (an OSC, DCS, ...
     string with no terminator, a CSI with no final byte) loses only its introducer (`ESC ]`,
     `ESC [`, ...): a terminal would swallow everything after it, we keep that text visible.
   - Other C0 controls U+0000-U+001F except TAB and LF (NUL, BEL, backspace, vertical tab, form
     feed, a stray ESC, ...), DEL U+007F and the other C1 controls U+0080-U+009F: removed.
   - Carriage return: CRLF becomes LF, and a lone CR becomes LF too, so `safe\\rmalicious` shows
     both parts instead of letting one overwrite the other. U+2028 / U+2029 (line and paragraph
     separators) also become LF.
   - TAB and LF: kept by `clean_text` (messages, code, Markdown); `clean_line` (names, titles,
     URLs, error notifications: one-line fields) turns every run of whitespace that contains
     anything but plain spaces (LF, TAB, CR, U+2028, NBSP, ...) into one space and trims the ends.
   - Bidirectional controls, removed (they can make text read differently from what it is, the
     "Trojan Source" trick): embeddings and overrides U+202A-U+202E (LRE, RLE, PDF, LRO, RLO),
     isolates U+2066-U+2069 (LRI, RLI, FSI, PDI) and the marks U+200E, U+200F, U+061C (LRM, RLM,
     ALM).
   - Zero-width and invisible format characters, removed (they let two names that look the same
     differ, hide text, and throw off the width the terminal and the layout agree on): U+200B
     zero-width space, U+2060 word joiner, U+2061-U+2064 invisible operators, U+FEFF
     zero-width no-break space / byte-order mark, U+180E Mongolian vowel separator, U+206A-U+206F
     deprecated format characters, U+FFF9-U+FFFB interlinear annotation, and the tag characters
     U+E0000-U+E007F (used to smuggle invisible text into LLM prompts and answers).
   - Kept, because text needs them and they cannot move or hide other text: U+200C zero-width
     non-joiner between letters (Persian, Indic; U+200D goes, see 3), variation
     selectors other than VS15/VS16, combining marks (at most 30 in a row, see below) and the
     soft hyphen.
   - Lone surrogates U+D800-U+DFFF (a JSON body can carry `"\\ud800"`): made visible as U+FFFD �,
     since they cannot be encoded for the terminal at all.
3. Width policy: Rich lays text out by its own idea of each character's cell width; the terminal
   draws by its own. Where they disagree, a name can spill out of the sidebar and write over the
   detail pane. So every character whose width Rich and common terminals (`wcwidth`, xterm, tmux,
   VTE) may disagree on is removed or replaced, per class (`tests/hostile/test_width.py` checks
   that for every kept character, and for random strings, Rich's width equals `wcwidth`'s):

   - Unassigned code points (category Cn in Python's Unicode tables), which includes the
     noncharacters U+FDD0-U+FDEF and U+xFFFE/U+xFFFF (U+FFFF, U+10FFFF, ...), and so every
     emoji newer than those tables, whose width each terminal guesses differently (the newer
     emoji that Rich's tables do not know fall here too): replaced by U+FFFD �, one cell
     everywhere, so the reader sees that something was there.
   - Hangul fillers U+115F, U+1160, U+3164, U+FFA0 (blank letters: zero cells for Rich, one or
     two for many terminals): removed.
   - Hangul vowels and finals (conjoining jamo U+1161-U+11FF, U+D7B0-U+D7FF) that do not follow
     another jamo: removed (Rich 0 cells, many terminals 1); in a syllable they stay.
   - Emoji modifiers U+1F3FB-U+1F3FF (skin tones): removed, the emoji before them stays. Alone,
     Rich gives them 0 cells and terminals 2; after an emoji, terminals give the pair 2 or 4.
   - VS15 / VS16 U+FE0E / U+FE0F (text or emoji presentation): removed, so every character is
     shown in its default presentation, whose width all agree on (`❤️` is 2 cells for Rich, 1
     for many terminals).
   - U+200D zero-width joiner: removed. Emoji sequences show as their parts side by side (`👨‍👩‍👧`
     is 2 cells for Rich, 6 for terminals that do not join it), and even in Indic scripts Rich
     and wcwidth disagree on it (`क्‍ष`); the text stays readable as a conjunct. U+200C
     zero-width non-joiner: kept between two letters or marks (Persian, Indic), removed elsewhere.
   - Regional indicators U+1F1E6-U+1F1FF: kept in pairs (a flag, 2 cells for all); one left
     alone (Rich 1 cell, terminals 2) is replaced by U+FFFD.
   - Combining marks (categories Mn, Mc, Me) and joiners: at most 30 in a row, as Unicode's
     stream-safe text format (UAX #15) allows; the rest are removed, so a letter with 10,000
     marks costs 31 characters per repaint, not 20 KB. At the very start of a text, with nothing
     to combine with, they are removed (`\u094d0` is 1 cell for Rich, 2 for wcwidth), and so is
     a virama (combining class 9) unless both its neighbours (joiners aside) are of its own
     script block: wcwidth makes a conjunct of `ᄀ्a` (2 cells), Rich does not (3); a spacing
     mark (category Mc) is removed unless it follows a character of its own script block.
   - East Asian ambiguous-width characters (Greek, Cyrillic, `±`, `°`, box drawing...): kept,
     one cell, as Rich and terminals in their default (non-CJK) setting agree. A terminal set
     to draw them wide will disagree; we do not guess that setting.
   - Private-use characters (U+E000-U+F8FF, planes 15-16): kept, one cell for both.

Everything else (letters, symbols, emoji, private-use characters) is shown as it is.

Names are also bounded (`clean_name`): at most `NAME_CELLS` cells, cut with an ellipsis, so a
100 KB name is one short header line rather than a thousand.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from rich.cells import get_character_cell_size

__all__ = ["MAX_COMBINING", "NAME_CELLS", "clean_line", "clean_name", "clean_text"]

MAX_COMBINING = 30
"""Combining marks (and joiners) kept in a row after a character (UAX #15, stream-safe text)."""
NAME_CELLS = 200
"""Cells a name may take once cleaned for display (`clean_name`)."""


class _Lazy:
    """A pattern compiled at its first use: the first frame (ASCII names, the common case)
    uses none of them, and compiling them all cost ~4 ms before it (issue 13)."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def sub(self, replacement: str | Callable[[re.Match[str]], str], text: str) -> str:
        if self._compiled is None:
            self._compiled = re.compile(self._source, self._flags)
        return self._compiled.sub(replacement, text)


# Escape sequences first, so their parameters and payloads vanish with them. String sequences
# (OSC, DCS, ...) are removed only when terminated; an unterminated introducer is caught by the
# two-character rule and the text after it stays.
_ESCAPE_SEQUENCE = _Lazy(
    r"""
    (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]                    # CSI ... final byte
    | (?:\x1b\]|\x9d) [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)  # OSC ... BEL or ST
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) [^\x1b\x9c]* (?:\x1b\\|\x9c)  # DCS/SOS/PM/APC ... ST
    | \x1b [ -/]+ [0-~]                                    # nF: ESC ( B, ESC # 8, ...
    | \x1b [0-~]                                           # two-character escapes, ST
    """,
    re.VERBOSE,
)
_LINE_BREAK = _Lazy(r"\r\n?|[\u2028\u2029]")
_SURROGATE = _Lazy(r"[\ud800-\udfff]")
# C0 controls except TAB and LF, DEL, C1 controls, bidi controls and marks, zero-width and
# invisible format characters, tag characters.
_REMOVED = _Lazy(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u200b\u2060-\u2064\ufeff\u180e\u206a-\u206f\ufff9-\ufffb"
    "\U000e0000-\U000e007f"
    "]"
)


# The width policy (section 3 of the module docstring).
_WIDTH_REMOVED = _Lazy("[\u115f\u1160\u3164\uffa0\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_REGIONAL = _Lazy("([\U0001f1e6-\U0001f1ff]{2})|[\U0001f1e6-\U0001f1ff]")
_REGIONAL_CHARS = "".join(chr(cp) for cp in range(0x1F1E6, 0x1F200))
_NON_ASCII = _Lazy("[^\x00-\x7f]+")
_ZWJ = "\u200d"
_ZWNJ = "\u200c"
_JOINERS = _ZWNJ + _ZWJ
_VIRAMA = 9  # canonical combining class of the viramas (Devanagari U+094D, ...)


def _is_jamo_tail(char: str) -> bool:
    return "\u1160" <= char <= "\u11ff" or "\ud7b0" <= char <= "\ud7ff"


def _is_jamo(char: str) -> bool:
    return "\u1100" <= char <= "\u11ff" or "\ua960" <= char <= "\ua97f" or _is_jamo_tail(char)


@lru_cache(maxsize=4096)
def _category(char: str) -> str:
    return unicodedata.category(char)


def _fix_run(match: re.Match[str]) -> str:
    """One run of non-ASCII characters: unassigned ones replaced, emoji joiners removed,
    combining marks capped."""
    run = match.group()
    out: list[str] = []
    marks = 0
    for position, char in enumerate(run):
        category = _category(char)
        if category == "Cn":
            out.append("\ufffd")
            marks = 0
            continue
        if char == _ZWJ:
            continue  # see the module docstring: no two agree on what it joins
        if char == _ZWNJ:
            before = out[-1] if out else match.string[match.start() - 1 : match.start()]
            after = run[position + 1 : position + 2]
            letters = bool(before and after) and f"{_category(before)}{_category(after)}"[::2]
            if not (letters and letters[0] in "LM" and letters[1] in "LM"):
                continue  # a non-joiner between letters only
        if _is_jamo_tail(char) and not (out and _is_jamo(out[-1])):
            continue  # a Hangul vowel or final with no syllable to join: 0 cells or 1
        if category == "Mn" and unicodedata.combining(char) == _VIRAMA:
            before = out[-1] if out else match.string[match.start() - 1 : match.start()]
            after = run[position + 1 :].lstrip(_JOINERS)[:1]
            block = ord(char) >> 7
            if not (before and after and ord(before) >> 7 == block == ord(after) >> 7):
                continue  # a conjunct across scripts: widths disagree (`ᄀ्a`: 2 cells or 3)
        if category == "Mc":
            before = out[-1] if out else match.string[match.start() - 1 : match.start()]
            if not before or ord(before) >> 7 != ord(char) >> 7:
                continue  # a spacing mark on a letter of another script: 0 cells or 1
        if category[0] == "M" or char in _JOINERS:
            if not out and match.start() == 0:
                continue  # nothing to combine with: widths disagree (`\u094d0`: 1 or 2)
            marks += 1
            if marks > MAX_COMBINING:
                continue
        else:
            marks = 0
        out.append(char)
    return "".join(out)


def _width_safe(text: str) -> str:
    if text.isascii():
        return text
    text = _WIDTH_REMOVED.sub("", text)
    text = _REGIONAL.sub(lambda m: m.group(1) or "\ufffd", text)
    return _NON_ASCII.sub(_fix_run, text)


def clean_text(text: str) -> str:
    """`text` with escape sequences and invisible or control characters dealt with as the module
    docstring says; newlines and tabs are kept."""
    if not text.isprintable():
        text = _SURROGATE.sub("\ufffd", text)
        text = _ESCAPE_SEQUENCE.sub("", text)
        text = _LINE_BREAK.sub("\n", text)
        text = _REMOVED.sub("", text)
    return _width_safe(text)


def clean_line(text: str) -> str:
    """Like `clean_text`, for one-line fields: every run of whitespace becomes one space."""
    if text.isprintable():  # no newline, tab or control character in it
        return _width_safe(text)
    return " ".join(clean_text(text).split())


def clean_name(text: str, limit: int = NAME_CELLS) -> str:
    """`clean_line`, then at most `limit` cells: a longer name is cut and ends with "…"."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    # Bounds the work on a 100 KB name; what is shown comes from far before this cut.
    line = clean_line(text[: limit * 64 + 1024])
    if len(line) * 2 <= limit:
        return line
    widths = [get_character_cell_size(char) for char in line]
    if sum(widths) <= limit:
        return line
    cells = 0
    end = 0
    for end, width in enumerate(widths):  # noqa: B007 - `end` is used after the loop
        if cells + width > limit - 1:  # one cell for the ellipsis
            break
        cells += width
    kept = line[:end]
    flags = len(kept) - len(kept.rstrip(_REGIONAL_CHARS))
    if flags % 2:
        kept = kept[:-1]  # the cut split a flag: no regional indicator is left alone
    return kept.rstrip() + "\u2026"
