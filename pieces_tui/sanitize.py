"""Make untrusted text safe to show in a terminal.

Names, messages and error texts come from the server. They are never parsed as markup (callers
build `Content`/`Text` objects), and this module removes what a terminal would act on: escape
sequences and other control characters.
"""

from __future__ import annotations

import re

# CSI / OSC / other ESC sequences first, so their parameters vanish with them.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]          # CSI ... final byte
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC ... BEL or ST
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?  # DCS / SOS / PM / APC ... ST
    | \x1b[@-Z\\-_]                  # other two-byte escapes
    | \x9b[0-?]*[ -/]*[@-~]          # 8-bit CSI
    """,
    re.VERBOSE,
)
# C0 controls except tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional overrides can make text read differently from what it is.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Strip escape sequences and control characters, keeping newlines and tabs."""
    if text.isprintable():
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    return _BIDI.sub("", text)


def clean_line(text: str) -> str:
    """Like `clean_text`, for one-line fields: newlines and tabs become spaces."""
    return " ".join(clean_text(text).split()) if not text.isprintable() else text
