"""The local, deterministic rename and summary of a conversation (no model is called).

The name is made from the first USER message, the summary from the whole conversation, both
the same for the same messages (`local_name`, `local_summary`).
"""

from __future__ import annotations

import re

from pieces_tui.server.records import Row

_FENCE = re.compile(r"```.*?(```|$)", re.DOTALL)
_MARKUP = re.compile(r"[`*_#>\[\]()~|]+")
_SPACE = re.compile(r"\s+")
NAME_WORDS = 8
NAME_CHARS = 60


def local_name(messages: list[Row], created: str) -> str:
    """A conversation name from its first USER message, as Pieces OS's generated names read.

    The text loses code blocks and Markdown punctuation, keeps its first sentence, then at most
    `NAME_WORDS` words and `NAME_CHARS` characters (cut at a word), with the first letter
    capitalised. With no user text: `Conversation of YYYY-MM-DD` (its creation date).
    """
    for row in messages:
        if row["role"] != "USER":
            continue
        text = _SPACE.sub(" ", _MARKUP.sub(" ", _FENCE.sub(" ", row["raw"]))).strip()
        text = re.split(r"(?<=[.?!])\s", text, maxsplit=1)[0].rstrip(".?!:; ")
        words = text.split(" ")[:NAME_WORDS]
        name = ""
        for word in words:
            candidate = f"{name} {word}".strip()
            if len(candidate) > NAME_CHARS:
                break
            name = candidate
        if not name and text:
            name = text[:NAME_CHARS]
        if name:
            return name[0].upper() + name[1:]
    return f"Conversation of {created[:10]}"


def _excerpt(text: str, limit: int = 160) -> str:
    flat = _SPACE.sub(" ", _FENCE.sub(" [code] ", text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def local_summary(name: str | None, messages: list[Row]) -> str:
    """A SUMMARY annotation's Markdown, built from the messages without a model: the counts by
    role, the first question and the start of the last answer."""
    users = [m for m in messages if m["role"] == "USER"]
    answers = [m for m in messages if m["role"] == "ASSISTANT"]
    lines = [
        f"**{name or 'Untitled conversation'}**: {len(messages)} messages "
        f"({len(users)} from you, {len(answers)} from the assistant)."
    ]
    if users:
        lines.append(f"- First question: {_excerpt(users[0]['raw'])}")
    if answers:
        lines.append(f"- Latest answer: {_excerpt(answers[-1]['raw'])}")
    lines.append("\n_Summarized locally by the pieces-tui embedded server (no model was used)._")
    return "\n".join(lines)
