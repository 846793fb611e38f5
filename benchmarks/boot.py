"""A timeline of one cold start, step by step, with the RSS at each step.

    python -m benchmarks.boot --sizes 1000,50000 [--runs 1] [--keep DIR]

For each N the embedded server (in this process) is seeded with N conversations; a fresh
process then starts the real app against it, once without a list snapshot and once with one
(written by a first run), and prints when each step happened (seconds from spawn): modules
imported, the first frame, the connect worker, every request sent and answered, the stream's
states and first frame, the bulk parse, the store applied, the list painted, live. Each line also
carries the process's RSS then (VmRSS) and its peak so far (VmHWM). Where the steps are observed:
wrappers installed around the functions named in the timeline (after their module is imported,
so nothing is imported earlier than the app would).
"""

from __future__ import annotations

import time

IMPORTED = time.time()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.machinery  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CODE = ROOT
"""The checkout whose pieces_tui the child runs (`--code`)."""
WATCHED = (
    "textual.app",
    "pieces_tui.app",
    "httpx",
    "pydantic",
    "websockets.asyncio.client",
    "msgspec",
    "pieces_tui.client.http",
    "pieces_tui.client.stream",
    "pieces_tui.state.sync",
)
T0 = 0.0
LAG = 0.04
"""Seconds the loop may be late before the timeline says it was blocked."""
MARKS: list[tuple[float, str, float, float]] = []
REPORTS: list[str] = []
KEEP: list[str] = []
WHO = False
"""`--keep-frames`: only the sampled frames whose file:function contains one of these."""


def memory() -> tuple[float, float]:
    rss = hwm = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return rss, hwm


def mark(what: str) -> None:
    rss, hwm = memory()
    MARKS.append((time.time() - T0, what, rss, hwm))


# -- the child: a sampler of the main thread's stack (`--sample`) ------------------------------

SAMPLES: list[tuple[float, tuple[str, ...]]] = []


def sampler(main_id: int, every: float = 0.002) -> None:
    """Every `every` seconds, where the main thread is (its innermost frames), from a thread."""
    while True:
        time.sleep(every)
        frame = sys._current_frames().get(main_id)
        stack: list[str] = []
        while frame is not None and len(stack) < 40:
            code = frame.f_code
            where = code.co_filename.rsplit("site-packages/", 1)[-1].rsplit("w4-boot/", 1)[-1]
            stack.append(f"{where}:{code.co_name}")
            frame = frame.f_back
        SAMPLES.append((time.time() - T0, tuple(stack)))


def sample_report(start: str, end: str, depth: int) -> str:
    """What the main thread was doing between the first marks named `start` and `end`."""
    import collections

    def at(name: str, after: float = -1.0) -> float:
        return next(t for t, what, _, _ in MARKS if t >= after and what.startswith(name))

    begin = at(start)
    finish = at(end, begin)
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for t, stack in SAMPLES:
        if begin <= t <= finish:
            total += 1
            ours = [f for f in stack if "asyncio/" not in f and "selectors" not in f]
            if KEEP:
                ours = [f for f in ours if any(k in f for k in KEEP)]
            counts[" < ".join(ours[:depth]) or "(idle in the loop)"] += 1
    lines = [f"{start} -> {end}: {finish - begin:.3f} s, {total} samples"]
    lines += [f"  {n:4d}  {where}" for where, n in counts.most_common(25)]
    return "\n".join(lines)


# -- the child: hooks ---------------------------------------------------------------------------

PATCHES: dict[str, Callable[[Any], None]] = {}


class _Watcher(importlib.abc.MetaPathFinder):
    """Marks when a watched module starts and ends importing, and patches it once it has."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in WATCHED and name not in PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = loader.exec_module

        def timed(module: Any) -> None:
            if name in WATCHED:
                mark(f"import {name} starts")
            exec_module(module)
            if name in WATCHED:
                mark(f"import {name} done")
            patch = PATCHES.get(name)
            if patch is not None:
                patch(module)

        loader.exec_module = timed
        return spec


def wrap_async(owner: Any, attribute: str, describe: Callable[..., str | None]) -> None:
    original = getattr(owner, attribute)

    async def timed(*args: Any, **kwargs: Any) -> Any:
        what = describe(*args, **kwargs)
        if what:
            mark(f"{what} sent")
        result = await original(*args, **kwargs)
        if what:
            mark(f"{what} answered")
        return result

    setattr(owner, attribute, timed)


def wrap_sync(owner: Any, attribute: str, what: str) -> None:
    original = getattr(owner, attribute)

    def timed(*args: Any, **kwargs: Any) -> Any:
        import threading

        mark(f"{what} starts ({threading.active_count()} threads)")
        result = original(*args, **kwargs)
        mark(f"{what} done")
        return result

    setattr(owner, attribute, timed)


def _patch_transport(module: Any) -> None:
    wrap_async(module.HttpCore, "_request", lambda self, method, path, **kw: f"{method} {path}")


def _patch_http(module: Any) -> None:
    wrap_sync(module, "conversation_summaries_json", "bulk parse")


def _patch_stream(module: Any) -> None:
    emit = module.IdentifierStream._emit
    consume = module.IdentifierStream._consume

    def timed_emit(self: Any, event: Any) -> None:
        mark(f"stream {type(event).__name__} {getattr(event, 'state', '')}".rstrip())
        emit(self, event)

    def timed_consume(self: Any, decoded: Any, *, first: bool) -> bool:
        if first:
            mark("stream first frame decoded")
        return bool(consume(self, decoded, first=first))

    module.IdentifierStream._emit = timed_emit
    module.IdentifierStream._consume = timed_consume


PATCHES.update(
    {
        "pieces_tui.client.transport": _patch_transport,
        "pieces_tui.client.http": _patch_http,
        "pieces_tui.client.stream": _patch_stream,
    }
)


async def child(url: str, rows: int, cache: str | None) -> None:
    import os

    if cache is not None:
        os.environ["XDG_CACHE_HOME"] = cache
    from textual.strip import Strip

    from pieces_tui.app import PiecesApp
    from pieces_tui.cli import create_app
    from pieces_tui.config import Settings
    from pieces_tui.connection import Connection
    from pieces_tui.state.store import ConversationStore
    from pieces_tui.widgets.conversation_list import ConversationList

    mark("app modules imported")
    if WHO:
        import traceback

        from textual.screen import Screen
        from textual.widgets import Footer

        refresh_bindings = Screen.refresh_bindings

        def who_refreshes(self: Screen[Any]) -> None:
            callers = [f"{f.name}" for f in traceback.extract_stack(limit=8)[:-1]]
            mark("refresh_bindings from " + " < ".join(reversed(callers)))
            refresh_bindings(self)

        Screen.refresh_bindings = who_refreshes  # type: ignore[method-assign]
        wrap_async(Footer, "recompose", lambda self: "footer recompose")
    wrap_sync(ConversationStore, "apply_summaries", "store apply_summaries")
    original_ready = PiecesApp.on_ready

    def ready(self: PiecesApp) -> None:
        mark("first frame out (Ready)")
        original_ready(self)

    PiecesApp.on_ready = ready  # type: ignore[method-assign]
    original_start = Connection._start

    async def start(self: Connection) -> None:
        mark("connect worker starts")
        await original_start(self)

    Connection._start = start  # type: ignore[method-assign]
    take_changes = Connection.take_changes

    def taken(self: Connection) -> Any:
        changes = take_changes(self)
        mark(f"screen takes changes: {len(changes.ids)} ids, loaded={changes.loaded}")
        return changes

    Connection.take_changes = taken  # type: ignore[method-assign]
    from pieces_tui.state.list_cache import ListCache

    wrap_sync(ListCache, "_save", "snapshot save")
    painted: list[float] = []
    render_line = ConversationList.render_line

    def counting(self: ConversationList, y: int) -> Strip:
        strip = render_line(self, y)
        if not painted and self.row_count >= rows:
            painted.append(time.time())
            mark(f"list renders {self.row_count} rows")
        return strip

    ConversationList.render_line = counting  # type: ignore[method-assign]
    settings = Settings(path=Path(tempfile.mkdtemp()) / "config.json")
    app = create_app(url=url, settings=settings, discover_hosts=False, list_cache=cache is not None)
    display = app._display
    frames = 0

    def timed_display(screen: Any, renderable: Any) -> None:
        nonlocal frames
        display(screen, renderable)
        if renderable is not None:
            frames += 1
            if frames == 1 or (painted and painted[-1] > 0):
                mark(f"frame {frames} displayed")
                if painted:
                    painted[-1] = -1.0  # only the first frame after the list rendered

    app._display = timed_display  # type: ignore[method-assign]

    async def lag_monitor() -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.005)
            late = loop.time() - before - 0.005
            if late > LAG:
                mark(f"  (loop blocked {late * 1000:.0f} ms)")

    monitor = asyncio.create_task(lag_monitor())
    async with app.run_test(headless=True, size=(120, 40)):
        deadline = time.time() + 120
        screen = app.main_screen
        while not (app.connection.loaded and screen.connection_state == "live"):
            if time.time() > deadline:
                raise TimeoutError("never live")
            await asyncio.sleep(0.001)
        mark("live (store loaded, status live)")
        await asyncio.sleep(0.3)
        mark("0.3 s after live")
    monitor.cancel()
    mark(f"exited ({frames} frames)")


# -- the parent ---------------------------------------------------------------------------------


def run_child(url: str, rows: int, cache: str | None, extra: list[str]) -> list[list[Any]]:
    # Run as a script with the code under test first on the path (`--code`: another checkout).
    script = str(Path(__file__).resolve())
    args = [sys.executable, script, "--child", url, "--rows", str(rows), *extra]
    if cache is not None:
        args += ["--cache", cache]
    env = {**os.environ, "PYTHONPATH": str(CODE)}
    t0 = time.time()
    done = subprocess.run(
        [*args, "--t0", repr(t0)], cwd=CODE, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    line = next(x for x in done.stdout.splitlines() if x.startswith("MARKS "))
    marks: list[list[Any]] = json.loads(line[6:])
    REPORTS[:] = done.stdout.split(line, 1)[1].strip().splitlines()
    return marks


def show(title: str, marks: list[list[Any]]) -> None:
    print(f"\n{title}")
    print(f"{'s':>7}  {'RSS':>5} {'peak':>5}  step")
    for at, what, rss, hwm in marks:
        print(f"{at:7.3f}  {rss:5.0f} {hwm:5.0f}  {what}")
    if REPORTS:
        print("\n".join(REPORTS))


def parent(sizes: list[int], runs: int, keep: Path | None, extra: list[str]) -> None:
    from pieces_tui.server import EmbeddedServer

    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = keep if keep is not None else Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            db = folder / f"boot-{rows}.db"
            server = EmbeddedServer(db, seed=0 if db.exists() else rows)
            server.start()
            try:
                cache = str(Path(tmp) / "cache")
                run_child(server.url, rows, cache, [])  # writes the snapshot on exit
                for run in range(runs):
                    load = os.getloadavg()[0]
                    show(
                        f"N={rows:,} without a snapshot, run {run + 1} (load {load:.2f})",
                        run_child(server.url, rows, None, extra),
                    )
                    load = os.getloadavg()[0]
                    show(
                        f"N={rows:,} with a snapshot, run {run + 1} (load {load:.2f})",
                        run_child(server.url, rows, cache, extra),
                    )
            finally:
                server.stop()


def main() -> None:
    global T0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.boot", description=__doc__)
    parser.add_argument("--sizes", default="1000,50000")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the seeded databases here (reused)")
    parser.add_argument("--code", type=Path, help="run this checkout's pieces_tui (default: ours)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--sample",
        action="append",
        help="child only: sample the main thread between two marks, 'START..END' (repeatable)",
    )
    parser.add_argument("--who", action="store_true", help="mark who refreshes the bindings")
    parser.add_argument("--depth", type=int, default=4, help="frames per sampled stack")
    parser.add_argument(
        "--keep-frames", action="append", default=[], help="only frames containing this"
    )
    options = parser.parse_args()
    if options.child is None:
        global CODE
        CODE = (options.code or ROOT).resolve()
        print(f"code under test: {CODE}", flush=True)
        extra = [f"--sample={window}" for window in options.sample or ()]
        extra += ["--depth", str(options.depth), *(["--who"] if options.who else [])]
        extra += [f"--keep-frames={k}" for k in options.keep_frames]
        parent([int(s) for s in options.sizes.split(",")], options.runs, options.keep, extra)
        return
    T0 = options.t0
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]  # run as a script: benchmarks/*.py must not shadow top-level modules
    KEEP[:] = options.keep_frames
    global WHO
    WHO = options.who
    MARKS.append((IMPORTED - T0, "python started, harness imported", *memory()))
    sys.meta_path.insert(0, _Watcher())
    if options.sample:
        import threading

        main_id = threading.get_ident()
        threading.Thread(target=sampler, args=(main_id,), daemon=True).start()
    asyncio.run(child(options.child, options.rows, options.cache))
    sys.stdout.write("MARKS " + json.dumps(MARKS) + "\n")
    for window in options.sample or ():
        start, end = window.split("..")
        sys.stdout.write(sample_report(start, end, options.depth) + "\n")


if __name__ == "__main__":
    main()
