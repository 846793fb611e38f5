"""The plain values of the wire that both the pydantic models and the lean bulk parser read: the
conversation types and the one reading of a timestamp. No pydantic here: the bulk load at start
(`pieces_tui.client.summaries`) runs before pydantic is imported."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

__all__ = ["ConversationType", "as_utc"]


class ConversationType(enum.StrEnum):
    UNKNOWN = "UNKNOWN"
    COPILOT = "COPILOT"


def as_utc(value: datetime) -> datetime:
    """Naive timestamps are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
