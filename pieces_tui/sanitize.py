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
   - Kept, because text needs them and they cannot move or hide other text: U+200C / U+200D
     (zero-width non-joiner and joiner: emoji sequences, Persian, Indic scripts), variation
     selectors, combining marks and the soft hyphen.
   - Lone surrogates U+D800-U+DFFF (a JSON body can carry `"\\ud800"`): made visible as U+FFFD �,
     since they cannot be encoded for the terminal at all.

Everything else (letters, symbols, emoji, private-use characters) is shown as it is.
"""

from __future__ import annotations

import re

__all__ = ["clean_line", "clean_text"]

# Escape sequences first, so their parameters and payloads vanish with them. String sequences
# (OSC, DCS, ...) are removed only when terminated; an unterminated introducer is caught by the
# two-character rule and the text after it stays.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]                    # CSI ... final byte
    | (?:\x1b\]|\x9d) [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)  # OSC ... BEL or ST
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) [^\x1b\x9c]* (?:\x1b\\|\x9c)  # DCS/SOS/PM/APC ... ST
    | \x1b [ -/]+ [0-~]                                    # nF: ESC ( B, ESC # 8, ...
    | \x1b [0-~]                                           # two-character escapes, ST
    """,
    re.VERBOSE,
)
_LINE_BREAK = re.compile(r"\r\n?|[\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# C0 controls except TAB and LF, DEL, C1 controls, bidi controls and marks, zero-width and
# invisible format characters, tag characters.
_REMOVED = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u200b\u2060-\u2064\ufeff\u180e\u206a-\u206f\ufff9-\ufffb"
    "\U000e0000-\U000e007f"
    "]"
)


def clean_text(text: str) -> str:
    """`text` with escape sequences and invisible or control characters dealt with as the module
    docstring says; newlines and tabs are kept."""
    if text.isprintable():
        return text
    text = _SURROGATE.sub("\ufffd", text)
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _LINE_BREAK.sub("\n", text)
    return _REMOVED.sub("", text)


def clean_line(text: str) -> str:
    """Like `clean_text`, for one-line fields: every run of whitespace becomes one space."""
    if text.isprintable():  # no newline, tab or control character in it
        return text
    return " ".join(clean_text(text).split())
