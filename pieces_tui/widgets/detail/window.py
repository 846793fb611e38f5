"""The message window of the detail pane, as plain data: no Textual, unit-tested on its own.

A conversation may have 100,000 messages; the pane mounts only a window of them, `ids[lo:hi]`,
and keeps a bounded cache of fetched ones. `MessageWindow` answers which ids to mount or fetch
next at either end, moves the window when a batch is placed (trimming the far end so at most
`MAX_MOUNTED` stay mounted), and trims the cache. The pane does the mounting and the scrolling.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from pieces_tui.widgets.detail.views import MessageView

__all__ = [
    "FETCH_BATCH",
    "MAX_CACHED",
    "MAX_MOUNTED",
    "MESSAGE_BATCH",
    "End",
    "MessageWindow",
    "estimated_rows",
    "screenful",
]

# How many messages are mounted at a time: enough for a screenful and then some; more are mounted
# as the reader nears an edge of what is mounted, so a 2,000-message conversation opens as fast as
# a short one.
MESSAGE_BATCH = 12
# How many messages are fetched at a time when the pane has to ask for them (`MessageFetcher`):
# a request per message costs a few milliseconds, so fetch a little less than a mount batch.
FETCH_BATCH = 8
# At most this many messages stay mounted (several screens): past it, the far end of the window
# is unmounted (and fetched again if the reader goes back), so memory stays bounded at any
# conversation length. Every layout costs time in proportion to what is mounted: 150 messages
# made each page-down take ~0.2 s of layout on 2 cores.
MAX_MOUNTED = 60
# Fetched messages kept beyond the mounted ones, so scrolling back and forth does not refetch
# (and every message of a conversation the app fetched whole).
MAX_CACHED = 600

End = Literal["before", "after"]
"""An end of the window: "before" (above, earlier messages) or "after" (below, later ones)."""


class MessageWindow:
    """Every message id in order, the mounted slice `ids[lo:hi]`, the fetched messages, and
    which ends are being fetched or failed to fetch."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lo = 0
        self.hi = 0
        self.cache: dict[str, MessageView] = {}
        self.fetching: set[End] = set()
        """The ends being fetched."""
        self.failed: dict[End, str] = {}
        """The ends whose fetch failed, and why (not retried until the reader scrolls)."""
        self.epoch = 0
        """Changes whenever the window is replaced: a fetch that started before is dropped."""

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def above(self) -> int:
        """Messages before the window (not mounted)."""
        return self.lo

    @property
    def below(self) -> int:
        """Messages after the window (not mounted)."""
        return len(self.ids) - self.hi

    @property
    def at_end(self) -> bool:
        """The window reaches the last message."""
        return self.hi == len(self.ids)

    def forget_fetches(self) -> None:
        """Whatever is being fetched will not be wanted (a new epoch)."""
        self.epoch += 1
        self.fetching.clear()
        self.failed.clear()

    def open(self, ids: Sequence[str], messages: Iterable[MessageView]) -> None:
        """A new conversation: these ids, these messages at hand; the window is empty at 0."""
        self.ids = list(ids)
        self.cache = {m.id: m for m in messages}
        self.start_at(0)

    def start_at(self, start: int) -> None:
        """An empty window at `start` (the pane unmounts every message)."""
        self.forget_fetches()
        self.lo = self.hi = max(0, min(start, len(self.ids)))

    def add(self, messages: Iterable[MessageView]) -> None:
        for message in messages:
            self.cache[message.id] = message

    def update(self, ids: Sequence[str], messages: Iterable[MessageView]) -> list[str] | None:
        """The conversation changed to `ids`. Returns the new ids appended at the end (often
        none); None when earlier ones were removed or reordered (the pane then starts again
        at the same place: `start_at(lo)`)."""
        self.add(messages)
        ids = list(ids)
        old = self.ids
        self.ids = ids
        if ids[: len(old)] != old:
            return None
        return ids[len(old) :]

    def is_cached(self, ids: Iterable[str]) -> bool:
        return all(i in self.cache for i in ids)

    def next_batch(self, where: End, size: int = MESSAGE_BATCH) -> list[str]:
        """The next `size` ids beyond that end of the window (in conversation order)."""
        if where == "after":
            return self.ids[self.hi : self.hi + size]
        return self.ids[max(0, self.lo - size) : self.lo]

    def at_hand(self, where: End, batch: Sequence[str]) -> list[str]:
        """The ids of `batch` next to the window that are fetched already (in order)."""
        ordered = batch if where == "after" else batch[::-1]
        run: list[str] = []
        for message_id in ordered:
            if message_id not in self.cache:
                break
            run.append(message_id)
        return run if where == "after" else run[::-1]

    def to_fetch(self, where: End, batch: Sequence[str]) -> list[str]:
        """The part of `batch` next to the window that one fetch asks for."""
        return list(batch[:FETCH_BATCH] if where == "after" else batch[-FETCH_BATCH:])

    def touches(self, where: End, batch: Sequence[str]) -> bool:
        """`batch` (fetched for that end) is still next to the window: it may have moved
        meanwhile (trimmed by a load at the other end)."""
        if not batch:
            return False
        if where == "after":
            return self.ids[self.hi : self.hi + 1] == [batch[0]]
        return self.lo > 0 and self.ids[self.lo - 1] == batch[-1]

    def place(self, where: End, batch: Sequence[str]) -> set[str]:
        """Grow the window by `batch` at that end; returns the ids trimmed off the far end to
        keep at most `MAX_MOUNTED` (the pane unmounts them)."""
        dropped: set[str] = set()
        if where == "after":
            self.hi += len(batch)
            excess = self.hi - self.lo - MAX_MOUNTED
            if excess > 0:
                dropped = set(self.ids[self.lo : self.lo + excess])
                self.lo += excess
        else:
            self.lo -= len(batch)
            excess = self.hi - self.lo - MAX_MOUNTED
            if excess > 0:
                dropped = set(self.ids[self.hi - excess : self.hi])
                self.hi -= excess
        self.trim_cache()
        return dropped

    def trim_cache(self) -> None:
        """Past `MAX_CACHED`, keep only the messages in or next to the window."""
        if len(self.cache) <= MAX_CACHED:
            return
        near = set(self.ids[max(0, self.lo - MESSAGE_BATCH) : self.hi + MESSAGE_BATCH])
        self.cache = {k: v for k, v in self.cache.items() if k in near}

    def end_start(self) -> int:
        """Where a window showing the latest messages starts (`G`): a mount batch when the last
        one is at hand, a fetch batch otherwise."""
        at_hand = bool(self.ids) and self.ids[-1] in self.cache
        return max(0, len(self.ids) - (MESSAGE_BATCH if at_hand else FETCH_BATCH))


# -- the first screenful ---------------------------------------------------------------------------

_FENCES = ("```", "~~~")


def estimated_rows(text: str, width: int, enough: int) -> int:
    """A low estimate of the rows a message takes in the pane at `width` columns, counted up to
    `enough`: its margin, role line and the blank row under its text (every Markdown block,
    and a plain text, has a bottom margin of one), then each line of its text wrapped at
    `width` (a line of code counts one row: a code block scrolls sideways rather than wrap).
    Markdown shows most lines about as wide as their source; what it shows wider or taller
    (tables, headings with their margins) only makes the estimate lower; a link, shown shorter
    than its source, and a text Markdown shows nothing of (a link definition alone) are what
    it overestimates."""
    width = max(1, width)
    rows = 3
    in_code = False
    # Past this many characters there are `enough` rows whatever they are, unless they are
    # long lines of code: cutting there only lowers the estimate (and keeps a 5 MB text cheap).
    for line in text[: (width + 1) * enough].splitlines():
        if rows >= enough:
            break
        stripped = line.lstrip()
        if stripped.startswith(_FENCES):
            in_code = not in_code
            rows += 1
        elif in_code:
            rows += 1
        else:
            rows += max(1, -(-len(line) // width))
    return rows


def screenful(messages: Sequence[MessageView], width: int, height: int) -> int:
    """How many of `messages` (the first of a window, in order) fill `height` rows at `width`
    columns by `estimated_rows`: what an opening mounts before its first frame, between 1
    and `MESSAGE_BATCH`. The header above the messages is not counted, which leaves a margin
    for a low estimate."""
    rows = 0
    for count, message in enumerate(messages[:MESSAGE_BATCH], start=1):
        rows += estimated_rows(message.text, width, height - rows)
        if rows >= height:
            return count
    return max(1, min(len(messages), MESSAGE_BATCH))
