"""Starring conversations: one request each, then the store (the stream announces it too).

`toggle_favorite` flips one; `set_favorites` stars (or unstars) the marked rows, with one summary.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pieces_tui.client import NotFound, PiecesError
from pieces_tui.state.deletes import display_name
from pieces_tui.state.store import ConversationStore

if TYPE_CHECKING:
    from pieces_tui.client import PiecesClient

__all__ = ["FavoriteSummary", "set_favorites", "toggle_favorite"]


async def toggle_favorite(
    client: PiecesClient, store: ConversationStore, conversation_id: str
) -> str | None:
    """Flip the conversation's star on the server and put the server's answer in the store.

    Not optimistic: the star changes only when the server has said yes, so a failure leaves it
    as it was. Returns None on success, else what to tell the user (with the server's reason)."""
    summary = store.get(conversation_id)
    if summary is None:
        return "This conversation is not in the list any more."
    try:
        store.upsert(await client.set_favorited(conversation_id, not summary.favorited))
    except NotFound:
        return "This conversation was deleted."
    except PiecesError as error:
        verb = "unstar" if summary.favorited else "star"
        return f"Could not {verb} it: {error}"
    return None


CONCURRENCY = 8
"""Star requests in flight at once (each is a GET and a POST)."""


@dataclass(frozen=True)
class FavoriteSummary:
    """How a bulk star (or unstar) ended: `done` were changed on the server (or already were);
    `failed` are (name, reason) pairs of those left as they were."""

    starred: bool
    done: int
    failed: tuple[tuple[str | None, str], ...]

    @property
    def severity(self) -> Literal["information", "error"]:
        return "error" if self.failed else "information"

    def message(self) -> str:
        """One plain-text paragraph for a notice (the app's notify cleans it)."""
        verb = "Starred" if self.starred else "Unstarred"
        noun = "conversation" if self.done == 1 else "conversations"
        parts = [f"{verb} {self.done:,} {noun}."]
        if self.failed:
            names = ", ".join(display_name(name) for name, _ in self.failed[:3])
            more = len(self.failed) - 3
            if more > 0:
                names += f" and {more:,} more"
            reason = " ".join(self.failed[0][1].split())[:300]
            which = "" if len(self.failed) == 1 else ". The first"
            parts.append(f"Could not change {len(self.failed):,}: {names}{which}: {reason}")
        return " ".join(parts)


async def set_favorites(
    client: PiecesClient, store: ConversationStore, ids: Sequence[str]
) -> FavoriteSummary:
    """Star every one of `ids`, or unstar them all when all are starred already (as a mail
    client's star on a selection). Requests go `CONCURRENCY` at a time; each answer goes into
    the store as it comes (not optimistic: a failure leaves that star as it was)."""
    summaries = [s for i in ids if (s := store.get(i)) is not None]
    starred = not all(s.favorited for s in summaries)
    gate = asyncio.Semaphore(CONCURRENCY)
    failed: list[tuple[str | None, str]] = []
    done = 0

    async def one(conversation_id: str, name: str | None) -> None:
        nonlocal done
        async with gate:
            try:
                store.upsert(await client.set_favorited(conversation_id, starred))
            except NotFound:
                failed.append((name, "it was deleted"))
            except PiecesError as error:
                failed.append((name, str(error)))
            else:
                done += 1

    await asyncio.gather(*(one(s.id, s.name) for s in summaries if s.favorited != starred))
    done += sum(1 for s in summaries if s.favorited == starred)
    return FavoriteSummary(starred, done, tuple(failed))
