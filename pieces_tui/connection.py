"""The connection: finds a server, keeps the store in step with it, and tells the UI in messages.

It owns the client, the store and the one long-lived sync worker. What it learns reaches the UI
only as messages posted to the `listener` it is given (the main screen):

- `StoreChanged` whenever the store changed. Bursts collapse (`can_replace`): the handler calls
  `take_changes()` and gets every id touched since it last asked, so a thousand stream events
  cost one pass over the list, not a thousand.
- `ConnectionChanged` whenever the connection's state (or what it is connected to) changes.
- `ConnectionLost` (to the app) when no server answers: the app then offers choices.

The messages are declared in `pieces_tui.connection_messages` and re-exported here.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.message_pump import MessagePump

from pieces_tui.client import PiecesError, SignedOut
from pieces_tui.config import Timings
from pieces_tui.connection_messages import (
    Changes,
    ConnectionChanged,
    ConnectionLost,
    LoadTrouble,
    ServerNotice,
    StoreChanged,
    stream_words,
)
from pieces_tui.demo_runner import DemoUnavailable
from pieces_tui.state.list_cache import ListCache
from pieces_tui.state.problems import LoadProblem, LoadTroubles, log_detail, sentence, why
from pieces_tui.state.store import ConversationStore, StoreChange
from pieces_tui.workers import Workers

if TYPE_CHECKING:
    from pathlib import Path

    from textual.app import App

    from pieces_tui.client import Discovery, PiecesClient, StreamState
    from pieces_tui.demo_runner import DemoServer
    from pieces_tui.state.sync import Synchronizer

__all__ = [
    "LOOKED_AT",
    "Changes",
    "Connection",
    "ConnectionChanged",
    "ConnectionLost",
    "LoadTrouble",
    "ServerNotice",
    "StoreChanged",
    "stream_words",
]

log = logging.getLogger(__name__)

LOOKED_AT = "127.0.0.1 ports 39300-39333 and localhost:1000"
FIRST_FRAME_WAIT = 5.0
"""Seconds the connect worker waits at most for `first_frame()` before it loads the network."""
CLOSE_WAIT = 5.0
"""Seconds `aclose()` waits at most for the workers to end before it closes the client."""
LONG_LIVED_ROWS = 1_000
"""A store change adding at least this many rows is a bulk load: its objects are frozen."""


class Connection:
    """Explicit URL, demo server or discovery; the knock with backoff; the live sync.

    Its workers run on `app` (so one `Worker.StateChanged` handler sees their failures); its
    messages go to `listener` (`StoreChanged`, `ConnectionChanged`) and to `app`
    (`ConnectionLost`)."""

    def __init__(
        self,
        app: App[Any],
        *,
        url: str | None = None,
        demo: DemoServer | None = None,
        discover_hosts: bool = True,
        timings: Timings | None = None,
        cache_folder: Path | None = None,
        last_url: str | None = None,
        remember_url: Callable[[str], None] | None = None,
    ) -> None:
        self._app = app
        self.url = url
        self.demo = demo
        self.discover_hosts = discover_hosts
        self.timings = timings if timings is not None else Timings()
        self.client: PiecesClient | None = None
        self.store = ConversationStore()
        self.synchronizer: Synchronizer | None = None
        self._listener: MessagePump | None = None
        self._ids: dict[str, None] = {}
        self._removed: set[str] = set()
        self._loaded = False
        self.cache = ListCache(self.store, cache_folder)
        """The list snapshot: painted at start, saved when the list settles and on exit."""
        self.last_url = last_url
        """The address discovery found last time (the snapshot to paint before it looks)."""
        self._remember_url = remember_url
        self.from_snapshot = False
        """True while the store holds the saved list, not yet the server's."""
        self._state_now = "connecting"
        self._troubles = LoadTroubles()
        self.discovery: Discovery | None = None
        """How the last discovery went (None when the URL was given or it did not run)."""
        self.store.subscribe(self._store_changed)
        self._frame_out = asyncio.Event()
        self._workers = Workers(app)

    def first_frame(self) -> None:
        """The app painted its first frame: the connect worker may load the network now."""
        self._frame_out.set()

    # -- what the UI reads -----------------------------------------------------------------------

    def take_changes(self) -> Changes:
        """The changes accumulated since the last call (and forget them)."""
        changes = Changes(tuple(self._ids), frozenset(self._removed), self._loaded)
        self._ids = {}
        self._removed = set()
        self._loaded = False
        return changes

    @property
    def version(self) -> str | None:
        """What the server says its version is (None until asked)."""
        return self._troubles.version

    @property
    def problem(self) -> LoadProblem | None:
        """Why the bulk load keeps failing; None when it does not."""
        return self._troubles.problem

    @property
    def loaded(self) -> bool:
        """True once the store holds a complete load from the current server."""
        return self.synchronizer is not None and self.synchronizer.loaded.is_set()

    def _store_changed(self, change: StoreChange) -> None:
        # Only bookkeeping and a post: nothing here can fail in a way the UI would not see.
        for conversation_id in change.removed:
            self._ids[conversation_id] = None
            self._removed.add(conversation_id)
        for conversation_id in (*change.added, *change.updated):
            self._ids[conversation_id] = None
            self._removed.discard(conversation_id)
        self._post(StoreChanged())
        key = self.cache_key()
        if key is not None and self.loaded:
            self.cache.changed(key)
        if len(change.added) >= LONG_LIVED_ROWS:
            # A bulk load: out of the cyclic GC's sight, or each full collection walks every row
            # again (0.3-1 s at 50,000, mid-burst: RESULTS.md, "Live bursts"). Rows have no
            # cycles, so they are still freed; a cycle alive now and dropped later is not.
            gc.freeze()

    def _post(self, message: Message) -> None:
        if self._listener is not None:
            self._listener.post_message(message)

    def _state(self, state: str, detail: str = "", source: str | None = None) -> None:
        self._state_now = state
        if self.from_snapshot and state in ("connecting", "live"):
            state = "syncing"
        self._post(ConnectionChanged(state, detail, source))

    # -- the list snapshot -----------------------------------------------------------------------

    def cache_key(self) -> str | None:
        """Whose list the store holds, for its snapshot: the address; for the demo, its database
        file (its address is new every run); None for a demo in a temporary folder."""
        if self.demo is not None:
            db = self.demo.db_path
            return None if db is None else f"demo:{db.resolve()}"
        return self.url or self.last_url

    def _paint_snapshot(self) -> None:
        key = self.cache_key()
        if key is not None and self.cache.paint(key):
            self.from_snapshot = True
            self._state("connecting")

    def _server_found(self, url: str) -> None:
        """Discovery found `url`: remember it; a snapshot of another address goes."""
        if url != self.last_url and self._remember_url is not None:
            self._remember_url(url)
        if self.from_snapshot and url != self.last_url:
            self.from_snapshot = False
            self.store.apply_summaries(())
        self.last_url = url

    # -- connecting ------------------------------------------------------------------------------

    def start(self, listener: MessagePump) -> None:
        """Find a server (or start the demo), then run the live sync until the app exits."""
        self._listener = listener
        self._paint_snapshot()
        self._workers.run("connect", self._start)

    def retry(self, *, url: str | None = None, demo: DemoServer | None = None) -> None:
        """Start again: with a new URL, the demo server, or what was tried last."""
        if demo is not None:
            self.demo, self.url = demo, None
        elif url is not None:
            self.url = url
        self._workers.run("connect", self._start)

    async def _start(self) -> None:
        self._state("connecting")
        # The network stack (httpx, websockets, pydantic) loads here, once the first frame is
        # out: that frame (the saved list, or the empty one) needs none of it.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._frame_out.wait(), FIRST_FRAME_WAIT)
        from pieces_tui.client import PiecesClient

        url = self.url
        if url is None and self.demo is not None:
            self._state("connecting", source="starting demo server…")
            try:
                url = await self.demo.start()
            except DemoUnavailable as error:
                log.warning("demo server: %s", error.reason)
                self._lost(
                    error.reason,
                    title="The demo cannot start",
                    source="demo server",
                    choices=error.choices,
                    retrying=False,
                    looked_at="",
                )
                return
        if url is None and self.discover_hosts:
            self._state("connecting", source="looking for Pieces OS…")
            from pieces_tui.client import find_server

            self.discovery = discovery = await find_server()
            url = discovery.url
            if url is None:
                self._lost_discovery(discovery)
                return
            self._server_found(url)
        if url is None:
            self._lost("No Pieces OS answered on this machine.")
            return
        self.url = url
        if self.client is not None:
            await self.client.aclose()
        self.client = PiecesClient(url, timeout=self.timings.request_timeout)
        self._state("connecting", source=self._source(url))
        self._workers.run("sync", partial(self._sync, self.client))

    def _source(self, url: str) -> str:
        if self.demo is not None:
            return f"demo server {url}"
        discovery = self.discovery
        if discovery is not None and discovery.url == url:
            return discovery.summary
        return url

    def _lost_discovery(self, discovery: Discovery) -> None:
        rejected = tuple(f"{c.url}: {c.reason}" for c in discovery.rejected)
        if rejected:
            self._lost(
                "Something answers on this machine, but not as Pieces OS does.",
                title="No Pieces OS found",
                source="no Pieces OS found",
                rejected=rejected,
            )
        else:
            self._lost("Nothing answered on this machine.", source="no Pieces OS found")

    def _lost(
        self,
        reason: str,
        *,
        title: str = "Pieces OS is not running",
        source: str | None = None,
        rejected: tuple[str, ...] = (),
        choices: tuple[str, ...] = (),
        retrying: bool = True,
        looked_at: str | None = None,
    ) -> None:
        self._state("offline", source=source)
        self._app.post_message(
            ConnectionLost(
                reason,
                (self.url or LOOKED_AT) if looked_at is None else looked_at,
                title=title,
                url=self.url,
                rejected=rejected,
                choices=choices,
                retrying=retrying,
            )
        )

    def knock(self, answered: Callable[[], bool]) -> None:
        """Keep asking (with backoff) until a server answers, then call `answered()`; when it
        returns False (the app was not ready to act on it) keep asking. Runs until cancelled
        with `stop_knocking()` or until nowhere is left to look."""
        self._workers.run("knock", partial(self._knock, answered))

    def stop_knocking(self) -> None:
        self._workers.cancel("knock")

    async def _knock(self, answered: Callable[[], bool]) -> None:
        from pieces_tui.knocking import knock

        if await knock(
            lambda: self.url,
            discover_hosts=self.discover_hosts,
            timings=self.timings,
            waiting=partial(self._state, "offline"),
            answered=answered,
        ):
            self._state("offline")

    async def _sync(self, client: PiecesClient) -> None:
        """Keep the store in step with the server until the app exits. The health check (and
        the version check) run beside the stream's connect and the bulk load, not before them
        (one round trip less before the list); if health fails, everything stops and the app
        offers its choices."""
        from pieces_tui.client import IdentifierStream
        from pieces_tui.state.sync import Synchronizer

        timings = self.timings
        stream = IdentifierStream(
            client.base_url,
            base_delay=timings.retry_delay,
            max_delay=timings.retry_cap,
            open_timeout=timings.request_timeout,
            keepalive=timings.stream_keepalive,
        )
        self.synchronizer = synchronizer = Synchronizer(
            client,
            self.store,
            stream=stream,
            on_state=self._stream_state,
            on_error=self._sync_error,
            retry_delay=timings.retry_delay,
            max_retry_delay=timings.retry_cap,
        )
        # The stream first: the bulk load waits for its handshake (see `state.sync`), the checks
        # wait for nothing, so their first steps (httpx's first connection: anyio's import,
        # ~50 ms) run while the handshake is on the wire rather than before it starts.
        stream.start()
        running = asyncio.create_task(synchronizer.run())
        health = asyncio.create_task(client.health())
        version = asyncio.create_task(self._check_version(client))
        loaded = asyncio.create_task(synchronizer.loaded.wait())
        try:
            try:
                await health
            except PiecesError as error:
                log_detail("health check", error, client.base_url)
                self._lost(
                    sentence(why(error)),
                    title="No Pieces OS at this address",
                    source=client.base_url,
                )
                return
            await asyncio.wait({running, loaded}, return_when=asyncio.FIRST_COMPLETED)
            if loaded.done():
                self._loaded = True
                self.from_snapshot = False
                self._state(self._state_now)
                if self._troubles.loaded():
                    self._post(LoadTrouble(None))
                self._post(StoreChanged())
                key = self.cache_key()
                if key is not None:
                    self.cache.changed(key)
            await running
        finally:
            # Cancelled (the app quits, or a new server): the synchronizer's own fetches end
            # inside `running`, and all of them end here, before anyone closes the client.
            tasks = (health, version, loaded, running)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _check_version(self, client: PiecesClient) -> None:
        try:
            check = await client.check_version()
        except PiecesError as error:
            log_detail("version check", error, client.base_url)
            return
        problem = self._troubles.version_known(check.version)
        if problem is not None and not self.loaded:
            self._post(LoadTrouble(problem))
        if not check.supported:
            log.warning("version check: %s", check.notice)
            self._app.post_message(ServerNotice(check.notice))

    def reload(self) -> bool:
        """Load the list again now (the user asked), instead of waiting for the next retry;
        False when there is nothing to reload (loaded already, or not connected)."""
        synchronizer = self.synchronizer
        if synchronizer is None or self.loaded:
            return False
        self._workers.run("reload", synchronizer.resync)
        return True

    def _stream_state(self, state: StreamState) -> None:
        self._state(*stream_words(state))
        if state.status == 401 and not self.loaded:
            self._load_failed(SignedOut(401, ""))

    def _sync_error(self, error: PiecesError) -> None:
        log_detail("sync", error, self.url)
        if not self.loaded:
            self._load_failed(error)

    def _load_failed(self, error: PiecesError) -> None:
        problem = self._troubles.failed(error)
        if problem is not None:
            self._post(LoadTrouble(problem))

    async def aclose(self) -> None:
        """Stop syncing, save the list snapshot, close the client and the demo server. The
        workers end first (the app cancels them as it quits; this cancels them too when it
        does not): a request started after the client closed would fail in a task nobody
        awaits."""
        await self._workers.end(CLOSE_WAIT)
        key = self.cache_key()
        if key is not None and self.loaded:
            self.cache.save_now(key)
        else:
            self.cache.cancel()
        if self.client is not None:
            await self.client.aclose()
        if self.demo is not None:
            await self.demo.stop()
