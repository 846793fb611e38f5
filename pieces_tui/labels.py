"""Words shown in more than one place (the app, the exports, the commands). No imports."""

from __future__ import annotations

from datetime import datetime

UNTITLED = "Untitled conversation"
"""Shown for a conversation without a name (list, detail pane, delete dialog)."""

NAME_MAX_LENGTH = 200
"""The longest conversation name, in characters: the dialogs refuse longer ones, and the
embedded server answers 400 with the reason."""

NAME_TOO_LONG = f"A name can be at most {NAME_MAX_LENGTH} characters."


def conversation_title(name: str | None, created: datetime) -> str:
    """A title for a file or a listing: the name, or the stand-in with the creation time."""
    name = (name or "").strip()
    return name or f"{UNTITLED} ({created:%Y-%m-%d %H:%M})"
