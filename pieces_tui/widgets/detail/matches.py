"""Which messages of the open conversation match the search, in conversation order (no Textual)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["MatchCursor"]


class MatchCursor:
    """The matching message ids in the conversation's order and the one last jumped to."""

    def __init__(self, all_ids: Sequence[str] = (), matching: Iterable[str] = ()) -> None:
        wanted = set(matching)
        self.ids: list[str] = [i for i in all_ids if i in wanted]
        self.index: int | None = None

    def __bool__(self) -> bool:
        return bool(self.ids)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self.ids

    def step(self, delta: int) -> str | None:
        """The next (`+1`) or previous (`-1`) match, wrapping around; None without matches."""
        if not self.ids:
            return None
        if self.index is None:
            self.index = 0 if delta > 0 else len(self.ids) - 1
        else:
            self.index = (self.index + delta) % len(self.ids)
        return self.ids[self.index]

    @property
    def current(self) -> str | None:
        """The match last jumped to (None before the first jump)."""
        return None if self.index is None else self.ids[self.index]

    @property
    def position(self) -> str:
        """ "2/5": where the last jump went ("" before the first)."""
        return "" if self.index is None else f"{self.index + 1}/{len(self.ids)}"
