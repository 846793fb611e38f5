"""A conversation as JSON in the Pieces wire shapes, and JSON that is safe to print.

The document is an object:

```
{"format": "pieces-tui.export/1",
 "conversation": <Conversation>,
 "messages": <ConversationMessages: {"iterable": [ConversationMessage...], "indices": {id: n}}>,
 "annotations": <Annotations: {"iterable": [Annotation...]}>}
```

Each part uses the wire keys of Pieces OS, so `pieces_os_client`'s `Conversation.from_dict`,
`ConversationMessage.from_dict` (and `ConversationMessages`, `Annotations`) read them back. The
values are those pieces-tui models: fields the client does not model (a message's `model`, a
conversation's `grounding`, `pipeline`, ...) are not in the file.

Texts are kept exactly; `dumps` writes the characters a terminal could act on, or that hide or
reorder text, as `\\uXXXX` escapes (valid JSON, same data), so printing the file is harmless.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pieces_tui.export.document import ExportDocument

__all__ = ["FORMAT", "dumps", "to_json", "to_wire"]

FORMAT = "pieces-tui.export/1"

# Everything `sanitize` removes or rewrites, other than what json.dumps escapes already (C0
# controls), plus lone surrogates (which cannot be encoded as UTF-8).
_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f"
    "\ufeff\u180e\ufff9-\ufffb\U000e0000-\U000e007f\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # a tag character: a surrogate pair, as JSON spells it
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """`json.dumps` with readable non-ASCII text and terminal-unsafe characters escaped."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _UNSAFE.sub(_escape, text)


def to_wire(document: ExportDocument) -> dict[str, Any]:
    """The export document as a JSON-ready dict (see the module docstring)."""
    messages = [m.to_wire() for m in document.messages]
    return {
        "format": FORMAT,
        "conversation": document.conversation.to_wire(),
        "messages": {
            "iterable": messages,
            "indices": {m.id: n for n, m in enumerate(document.messages)},
        },
        "annotations": {"iterable": [a.to_wire() for a in document.annotations]},
    }


def to_json(document: ExportDocument) -> str:
    """The export document as indented JSON text (ends with a newline)."""
    return dumps(to_wire(document)) + "\n"
