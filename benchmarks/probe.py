"""One benchmark sample in a fresh process (spawned by `python -m benchmarks`).

    python -m benchmarks.probe KIND --t0 WALL_TIME --rows N [--url URL] [--interactive]

KIND is `floor` (a bare Textual app), `optionlist` (a stock OptionList with N rows from memory)
or `ours` (the real app on the server at URL). Everything is timed with the wall clock
(`time.time()`) so the parent's spawn time `--t0` is comparable. A "paint" is the compositor
handing a frame to the (headless) driver: `App._display`. The result is one JSON line prefixed
with `RESULT ` on stdout. With `--interactive`, the probe asks the parent for server-side changes
through `CMD <json>` lines on stdout and reads one JSON reply per command from stdin.
"""

from __future__ import annotations

import time

IMPORTED = time.time()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

from textual.app import App, ComposeResult  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.strip import Strip  # noqa: E402
from textual.widgets import OptionList, Static  # noqa: E402

SIZE = (120, 40)
DEADLINE = 180.0


class Frames:
    """Wall times of the frames the app hands to its driver, and a way to wait for the next."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.event = asyncio.Event()

    def hook(self, app: App[Any]) -> None:
        display = app._display

        def timed(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None:
                self.times.append(time.time())
                self.event.set()

        app._display = timed  # type: ignore[method-assign]

    async def after(self, moment: float, timeout: float = 30.0) -> float:  # noqa: ASYNC109
        """The first frame at or after `moment`, waiting for it if need be."""
        deadline = time.time() + timeout
        while True:
            first = None
            for t in reversed(self.times):
                if t < moment:
                    break
                first = t
            if first is not None:
                return first
            self.event.clear()
            remaining = deadline - time.time()
            if remaining <= 0:
                raise TimeoutError("no frame")
            try:
                await asyncio.wait_for(self.event.wait(), remaining)
            except TimeoutError:
                raise TimeoutError("no frame") from None


async def until(
    condition: Callable[[], bool],
    timeout: float = DEADLINE,  # noqa: ASYNC109
) -> float:
    """Poll `condition` (1 ms steps) until true; return the wall time it was seen true."""
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.001)
    return time.time()


def phase(name: str) -> None:
    print(f"  probe: {name} at {rss_mb():.0f} MB", file=sys.stderr, flush=True)


def rss_mb() -> float:
    """This process's peak RSS. On Linux that is VmHWM: ru_maxrss carries over fork and exec, so
    it starts at the parent's peak (the benchmark's parent hosts the seeded server: at 50,000 its
    hundreds of MB showed as the probe's own)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(values),
        "median_ms": statistics.median(values) * 1000,
        "p95_ms": p95 * 1000,
        "min_ms": ordered[0] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


# -- references -------------------------------------------------------------------------------


class FloorApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("floor")


class OptionListApp(App[None]):
    CSS = "OptionList { width: 48; height: 1fr; }"

    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield OptionList(*(f"Synthetic conversation {i:05d}" for i in range(self.rows)))


async def reference(app: App[None], expected: int | None) -> dict[str, Any]:
    frames = Frames()
    frames.hook(app)
    painted: list[float] = []
    if expected is not None:
        render_line = OptionList.render_line

        def counting(self: OptionList, y: int) -> Strip:
            strip = render_line(self, y)
            if self.option_count >= expected and not painted:
                painted.append(time.time())
            return strip

        OptionList.render_line = counting  # type: ignore[method-assign]
    async with app.run_test(headless=True, size=SIZE):
        if expected is None:
            first = await frames.after(0)
        else:
            await until(lambda: bool(painted))
            first = await frames.after(painted[0])
    return {"paint_wall": first}


# -- the app ----------------------------------------------------------------------------------


class Parent:
    """Ask the benchmark process (which owns the server) for server-side changes."""

    async def ask(self, **command: Any) -> dict[str, Any]:
        sys.stdout.write("CMD " + json.dumps(command) + "\n")
        sys.stdout.flush()
        line = await asyncio.to_thread(sys.stdin.readline)
        reply: dict[str, Any] = json.loads(line)
        return reply


ALL_PHASES = ("live", "keys", "burst", "open")


async def ours(
    url: str,
    expected: int,
    interactive: bool,
    samples: int,
    cache: str | None = None,
    phases: tuple[str, ...] = ALL_PHASES,
    profile: str | None = None,
) -> dict[str, Any]:
    if cache is not None:  # the list snapshot lives (or will be saved) there
        import os

        os.environ["XDG_CACHE_HOME"] = cache
    from pieces_tui.cli import create_app
    from pieces_tui.config import Settings
    from pieces_tui.state.store import StoreChange
    from pieces_tui.widgets.conversation_list import ConversationList

    painted: list[float] = []
    render_line = ConversationList.render_line

    def counting(self: ConversationList, y: int) -> Strip:
        strip = render_line(self, y)
        if not painted and self.row_count >= expected:
            painted.append(time.time())
        return strip

    ConversationList.render_line = counting  # type: ignore[method-assign]

    arrivals: list[float] = []
    if interactive:  # not for the cold start: the app itself imports websockets after its frame
        from pieces_tui.client.stream import IdentifierStream

        consume = IdentifierStream._consume

        def timed_consume(self: IdentifierStream, frame: str | bytes, *, first: bool) -> bool:
            arrivals.append(time.time())
            return consume(self, frame, first=first)

        IdentifierStream._consume = timed_consume  # type: ignore[method-assign]

    handled: list[float] = []
    set_highlight = ConversationList._set_highlight

    def timed_highlight(self: ConversationList, index: int | None, *, scroll: bool = True) -> None:
        set_highlight(self, index, scroll=scroll)
        handled.append(time.time())

    ConversationList._set_highlight = timed_highlight  # type: ignore[method-assign]
    watch_filter = ConversationList.watch_filter_text

    def timed_filter(self: ConversationList, filter_text: str) -> None:
        watch_filter(self, filter_text)
        handled.append(time.time())

    ConversationList.watch_filter_text = timed_filter  # type: ignore[method-assign]

    import tempfile
    from pathlib import Path

    settings = Settings(path=Path(tempfile.mkdtemp()) / "config.json")
    app = create_app(url=url, settings=settings, discover_hosts=False, list_cache=cache is not None)
    frames = Frames()
    frames.hook(app)
    result: dict[str, Any] = {}
    async with app.run_test(headless=True, size=SIZE) as pilot:
        await until(lambda: bool(painted))
        result["paint_wall"] = await frames.after(painted[0])
        result["rss_after_paint_mb"] = rss_mb()
        screen = app.main_screen
        await until(lambda: app.connection.loaded and screen.connection_state == "live")
        result["live_wall"] = await frames.after(time.time())
        result["from_snapshot_painted"] = bool(app.connection.cache.enabled)
        if interactive:
            changes: dict[str, float] = {}

            def on_change(change: StoreChange) -> None:
                now = time.time()
                for cid in (*change.added, *change.updated, *change.removed):
                    changes[cid] = now

            app.store.subscribe(on_change)
            if "live" in phases:
                phase("live changes")
                result["live"] = await live_changes(app, pilot, frames, arrivals, changes, samples)
            if "keys" in phases:
                phase("keys")
                result["keys"] = await keypresses(app, pilot, frames, handled, samples)
            if "burst" in phases:
                phase("burst")
                timeline = LoopTimeline(profile)
                result["burst"] = await burst(app, pilot, frames, handled, timeline)
                result["burst"]["loop"] = timeline.report()
            if "open" in phases:
                phase("open")
                result["open"] = await open_conversations(app, pilot, frames)
        result["rss_peak_mb"] = rss_mb()
    return result


async def live_changes(
    app: Any,
    pilot: Pilot[Any],
    frames: Frames,
    arrivals: list[float],
    changes: dict[str, float],
    samples: int,
) -> dict[str, Any]:
    parent = Parent()
    listing = app.main_screen.conversation_list
    in_app: dict[str, list[float]] = {}
    server_part: dict[str, list[float]] = {}
    ops = ["create", "rename", "message", "delete"]
    for i in range(samples):
        op = ops[i % len(ops)]
        await pilot.pause()
        top = listing.row_at(0).id
        reply = await parent.ask(op=op, id=top, n=i)
        sent = float(reply["sent"])
        target = reply["id"]
        seen = await until(lambda t=target, s=sent: changes.get(t, 0.0) >= s, 30)
        arrival = next((t for t in arrivals if t >= sent), seen)
        paint = await frames.after(changes[target])
        in_app.setdefault(op, []).append(paint - arrival)
        server_part.setdefault(op, []).append(arrival - sent)
    every = [v for values in in_app.values() for v in values]
    return {
        "in_app": {op: summary(v) for op, v in in_app.items()} | {"all": summary(every)},
        "server_to_client": summary([v for values in server_part.values() for v in values]),
    }


async def _press_timed(
    pilot: Pilot[Any], frames: Frames, handled: list[float], key: str
) -> float | None:
    before = len(handled)
    start = time.time()
    # Not `pilot.press`: it also waits for every widget to go idle, which is not what is timed.
    await pilot.app._press_keys([key])
    try:
        await until(lambda: len(handled) > before, 5)
    except TimeoutError:
        return None
    paint = await frames.after(handled[before])
    return paint - start


async def keypresses(
    app: Any, pilot: Pilot[Any], frames: Frames, handled: list[float], samples: int
) -> dict[str, Any]:
    app.main_screen.conversation_list.focus()
    await pilot.pause()
    moves: list[float] = []
    for i in range(samples):
        latency = await _press_timed(pilot, frames, handled, "down" if i % 8 < 4 else "up")
        if latency is not None:
            moves.append(latency)
    await pilot.press("slash")
    await pilot.pause()
    typing: list[float] = []
    text = "conversation 1"
    for i in range(samples):
        key = text[i % len(text)] if (i // len(text)) % 2 == 0 else "backspace"
        key = "space" if key == " " else key
        latency = await _press_timed(pilot, frames, handled, key)
        if latency is not None:
            typing.append(latency)
    await pilot.press("escape")
    await pilot.pause()
    app.main_screen.conversation_list.focus()
    await pilot.pause()
    return {"move": summary(moves), "filter": summary(typing)}


KEY_SPACING = 0.1
"""Seconds between the burst's keypresses: a steady rate, whatever the app is doing."""


async def _steady_keys(app: Any, stop: asyncio.Event, pressed: list[float]) -> None:
    """Press down/up every `KEY_SPACING` s until `stop`, noting when each was sent. Straight to
    the driver, as `Pilot._press_keys` does, but without its waits for the app to go idle: a key
    is pressed when its time comes, busy app or not (a key queued behind a busy loop then shows
    as the wait it is)."""
    from textual import events

    driver = app._driver
    start = time.time()
    i = 0
    while not stop.is_set():
        key = "down" if i % 8 < 4 else "up"
        event = events.Key(key, None)
        event.set_sender(app)
        pressed.append(time.time())
        driver.send_message(event)
        i += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, start + i * KEY_SPACING - time.time()))


async def burst(
    app: Any,
    pilot: Pilot[Any],
    frames: Frames,
    handled: list[float],
    timeline: LoopTimeline | None = None,
) -> dict[str, Any]:
    """Keypresses while 1,000 renames are sent; `timeline` (if any) watches the loop then
    (not during the check of the final list after it).

    The keys come at a steady rate (`_steady_keys`), each timed from its press to the first
    frame after the list moved its highlight for it (the list's `move_cursor_by`, which only
    keys call here; keys are handled in order, so the k-th move is the k-th key's). Before
    2026-12-02 (w5-live) the figure pressed a key, waited for the app to go idle (Pilot's
    `_press_keys`) and for the parent's status reply, then pressed the next: 4-7 keys a burst,
    each pressed when the loop happened to be free, so it missed the keys that queue."""
    from pieces_tui.widgets.conversation_list import ConversationList

    parent = Parent()
    listing = app.main_screen.conversation_list
    listing.focus()
    await pilot.pause()
    moved: list[float] = []
    move_cursor_by = ConversationList.move_cursor_by

    def timed_move(self: ConversationList, delta: int) -> None:
        move_cursor_by(self, delta)
        moved.append(time.time())

    ConversationList.move_cursor_by = timed_move  # type: ignore[method-assign]
    await parent.ask(op="burst_start", count=1000, seconds=1.0)
    pressed: list[float] = []
    stop = asyncio.Event()
    with timeline or contextlib.nullcontext():
        keys = asyncio.create_task(_steady_keys(app, stop, pressed))
        while True:
            status = await parent.ask(op="burst_status")
            if status["done"]:
                break
            await asyncio.sleep(0.2)
        stop.set()
        await keys
        with contextlib.suppress(TimeoutError):  # the last keys: handled, then painted
            await until(lambda: len(moved) >= len(pressed), 10)
            await frames.after(moved[-1], 10)
    ConversationList.move_cursor_by = move_cursor_by  # type: ignore[method-assign]
    duration = float(status["duration"])
    latencies: list[float] = []
    for sent, done in zip(pressed, moved, strict=False):
        with contextlib.suppress(TimeoutError):
            latencies.append(await frames.after(done, 0.0) - sent)

    async def correct() -> bool:
        from pieces_tui.client import PiecesError
        from pieces_tui.state.store import ConversationStore

        reference = ConversationStore()
        try:
            reference.apply_summaries(await app.connection.client.conversation_summaries())
        except PiecesError:  # a loaded machine: 50,000 rows may take the server over 10 s
            return False
        truth = reference.ordered()
        if listing.row_count != len(truth):
            return False
        return all(
            listing.row_at(k).id == row.id and listing.row_at(k).name == row.name
            for k, row in enumerate(truth)
        )

    ok = False
    deadline = time.time() + 60
    while time.time() < deadline:
        await pilot.pause()
        if await correct():
            ok = True
            break
        await asyncio.sleep(0.2)
    return {
        "events": 1000,
        "sent_in_s": duration,
        "keypress": summary(latencies),
        "keypress_ms": [round(latency * 1000, 2) for latency in latencies],
        "keys_pressed": len(pressed),
        "keys_handled": len(moved),
        "final_list_correct": ok,
    }


class LoopTimeline:
    """While active: how long each event-loop callback held the loop, and how long each
    message handler took (by receiver and message class); with `profile`, a cProfile of the
    same span dumped to that path. What blocks a keypress is what holds the loop."""

    def __init__(self, profile: str | None = None) -> None:
        self.profile = profile
        self.holds: list[float] = []
        self.worst: list[tuple[float, str]] = []
        self.handlers: dict[str, list[float]] = {}
        self.renders: dict[str, list[float]] = {}
        self.gc_pauses: dict[int, list[float]] = {}
        self.frozen = 0
        self.cpu_s = 0.0
        """The app process's CPU time (all its threads) while active."""

    def __enter__(self) -> LoopTimeline:
        import asyncio.events

        from textual.message_pump import MessagePump

        self._run = run = asyncio.events.Handle._run
        self._dispatch = dispatch = MessagePump._dispatch_message
        holds, worst, handlers = self.holds, self.worst, self.handlers

        def timed_run(handle: Any) -> None:
            started = time.perf_counter()
            run(handle)
            held = time.perf_counter() - started
            holds.append(held)
            if held > 0.005:
                callback = handle._callback
                owner = getattr(callback, "__self__", None)
                if isinstance(owner, asyncio.Task):
                    coro = owner.get_coro()
                    what = getattr(coro, "__qualname__", repr(coro))
                else:
                    what = getattr(callback, "__qualname__", repr(callback))
                worst.append((held, what))

        async def timed_dispatch(pump: Any, message: Any) -> Any:
            started = time.perf_counter()
            try:
                return await dispatch(pump, message)
            finally:
                name = f"{type(pump).__name__}<-{type(message).__name__}"
                handlers.setdefault(name, []).append(time.perf_counter() - started)

        from textual.widget import Widget

        self._render = render_lines = Widget.render_lines
        renders = self.renders

        def timed_render(widget: Any, crop: Any) -> Any:
            started = time.perf_counter()
            try:
                return render_lines(widget, crop)
            finally:
                renders.setdefault(type(widget).__name__, []).append(time.perf_counter() - started)

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        MessagePump._dispatch_message = timed_dispatch  # type: ignore[method-assign]
        Widget.render_lines = timed_render  # type: ignore[method-assign]
        import gc

        gc_started: list[float] = []
        pauses = self.gc_pauses = {0: [], 1: [], 2: []}

        def on_gc(step: str, info: dict[str, int]) -> None:
            if step == "start":
                gc_started[:] = [time.perf_counter()]
            elif gc_started:
                pauses[info["generation"]].append(time.perf_counter() - gc_started[0])

        self._on_gc = on_gc
        gc.callbacks.append(on_gc)
        self.frozen = gc.get_freeze_count()
        self._cpu = time.process_time()
        self._profiler = None
        if self.profile:
            import cProfile

            self._profiler = cProfile.Profile()
            self._profiler.enable()
        return self

    def __exit__(self, *exc: object) -> None:
        import asyncio.events
        import gc

        from textual.message_pump import MessagePump

        gc.callbacks.remove(self._on_gc)
        self.cpu_s = time.process_time() - self._cpu
        if self._profiler is not None:
            self._profiler.disable()
            self._profiler.dump_stats(self.profile)
        from textual.widget import Widget

        asyncio.events.Handle._run = self._run  # type: ignore[method-assign]
        MessagePump._dispatch_message = self._dispatch  # type: ignore[method-assign]
        Widget.render_lines = self._render  # type: ignore[method-assign]

    def report(self) -> dict[str, Any]:
        holds = sorted(self.holds)
        by_what: dict[str, list[float]] = {}
        for held, what in self.worst:
            by_what.setdefault(what, []).append(held)
        return {
            "cpu_s": self.cpu_s,
            "callbacks": len(holds),
            "held_s": sum(holds),
            "over_5ms": len(self.worst),
            "over_16ms": sum(1 for h in holds if h > 0.016),
            "max_ms": holds[-1] * 1000 if holds else 0.0,
            "p99_ms": holds[int(0.99 * (len(holds) - 1))] * 1000 if holds else 0.0,
            "slow_by_callback": {
                what: {"n": len(v), "total_ms": sum(v) * 1000, "max_ms": max(v) * 1000}
                for what, v in sorted(by_what.items(), key=lambda kv: -sum(kv[1]))[:12]
            },
            "handlers": {
                name: {"n": len(v), "total_ms": sum(v) * 1000, "max_ms": max(v) * 1000}
                for name, v in sorted(self.handlers.items(), key=lambda kv: -sum(kv[1]))[:12]
            },
            "gc_frozen": self.frozen,
            "gc": {
                f"gen{g}": {"n": len(v), "total_ms": sum(v) * 1000, "max_ms": max(v or [0]) * 1000}
                for g, v in self.gc_pauses.items()
            },
            "renders": {
                name: {"n": len(v), "total_ms": sum(v) * 1000, "max_ms": max(v) * 1000}
                for name, v in sorted(self.renders.items(), key=lambda kv: -sum(kv[1]))[:12]
            },
        }


def texts_in(blocks: list[Any]) -> bool:
    """Messages are mounted and each one's Markdown has its text in (it parses in a thread and
    mounts its own blocks after the message block itself is mounted)."""
    from textual.widgets import Markdown

    return bool(blocks) and all(
        bool(markdown.children) for block in blocks for markdown in block.query(Markdown)
    )


async def open_conversations(app: Any, pilot: Pilot[Any], frames: Frames) -> dict[str, Any]:
    """Highlight a conversation; time until the first frame painted after its first messages
    (header, then message blocks with their text in) are in the pane."""
    from pieces_tui.widgets.detail import message_blocks

    parent = Parent()
    ids: dict[str, str] = (await parent.ask(op="big_ids"))["ids"]
    listing = app.main_screen.conversation_list
    detail = app.main_screen.detail
    other = listing.row_at(min(10, listing.row_count - 1)).id
    out: dict[str, Any] = {}
    for size, cid in ids.items():
        times: list[float] = []
        for _ in range(5):
            for target in (other, cid):
                # Rest past the pane's settle time (`Timings.detail_settle`, 0.1 s) first: a
                # move within it of the last one is debounced on purpose (a key held down), so
                # without the rest an `other` that opened in under 0.1 s added up to 0.1 s of
                # waiting to the figure (benchmarks/open.py rests the same way).
                await asyncio.sleep(0.3)
                start = time.time()
                listing.highlight(target)
                await until(
                    lambda target=target: (
                        detail.conversation_id == target
                        and not detail.loading
                        and texts_in(message_blocks(detail))
                    ),
                    30,
                )
                paint = await frames.after(time.time())
            times.append(paint - start)
        out[size] = summary(times)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["floor", "optionlist", "ours"])
    parser.add_argument("--t0", type=float, required=True)
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--url")
    parser.add_argument("--interactive", action="store_true")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--cache", help="XDG cache dir: paint from (and save) the list snapshot")
    parser.add_argument(
        "--phases", default=",".join(ALL_PHASES), help="interactive phases to run, in order"
    )
    parser.add_argument("--profile", help="cProfile the burst phase into this file")
    options = parser.parse_args()
    if options.kind == "floor":
        result = await reference(FloorApp(), None)
    elif options.kind == "optionlist":
        result = await reference(OptionListApp(options.rows), options.rows)
    else:
        result = await ours(
            options.url,
            options.rows,
            options.interactive,
            options.samples,
            options.cache,
            tuple(options.phases.split(",")),
            options.profile,
        )
    result["cold_start_s"] = result["paint_wall"] - options.t0
    if "live_wall" in result:
        result["live_s"] = result["live_wall"] - options.t0
    result["import_s"] = IMPORTED - options.t0
    result.setdefault("rss_peak_mb", rss_mb())
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
