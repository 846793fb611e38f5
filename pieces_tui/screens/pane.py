"""What the main screen's detail pane is doing: one explicit value instead of a set of flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Pane"]


@dataclass(frozen=True)
class Pane:
    """What the detail pane is doing.

    - `empty`: no conversation (a placeholder says why).
    - `settling`: the highlight is moving (a key held down); `conversation_id` is loaded once it
      has rested for `Timings.detail_settle`.
    - `open`: shows (or loads, or failed to load) `conversation_id`.
    - `deleting`: we are deleting the open conversation: its removal is expected, not news.
    - `held`: the open conversation was deleted elsewhere; the pane keeps it (marked deleted)
      instead of following the list's highlight to its neighbour, until the user moves.

    `moved_at` is when the highlight last moved (`time.monotonic`)."""

    mode: Literal["empty", "settling", "open", "deleting", "held"] = "empty"
    conversation_id: str | None = None
    moved_at: float = float("-inf")
