"""The knock: while no server answers, keep asking with backoff (the connection's `knock`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pieces_tui.client import PiecesError
from pieces_tui.config import Timings

__all__ = ["knock"]


async def knock(
    url: Callable[[], str | None],
    *,
    discover_hosts: bool,
    timings: Timings,
    waiting: Callable[[str], None],
    answered: Callable[[], bool],
) -> bool:
    """Ask `url()` (or discovery, when it is None) until a server answers and `answered()`
    returns True (then True); before each wait, `waiting(detail)` says when the next try is.
    False when there is nowhere to look (no URL, no discovery): only the user can say where."""
    from pieces_tui.client import PiecesClient, find_server

    delay = timings.retry_delay
    while True:
        waiting(f"next try in {delay:.0f} s" if delay >= 1 else "")
        await asyncio.sleep(delay)
        delay = min(timings.retry_cap, delay * 2)
        address = url()
        if address is not None:
            async with PiecesClient(address, timeout=timings.request_timeout) as probe:
                try:
                    await probe.health()
                except PiecesError:
                    continue
        elif not discover_hosts:
            return False
        elif (await find_server()).url is None:
            continue
        if answered():
            return True
