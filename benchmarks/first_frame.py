"""The first frame with a list snapshot, split into phases, beside the floor app (issue 13).

    python -m benchmarks.first_frame [--sizes 1000,50000] [--runs 5] [--tree PATH ...]
    python -m benchmarks.first_frame --profile 50000 [--tree PATH]

Each sample is a fresh process (`--child`) that imports what `benchmarks.probe` imports, then
either the floor app (`benchmarks.probe.FloorApp`) or ours, and stamps the wall time of each
phase from the parent's spawn: Textual imported, our modules imported, `App()` built, the CSS
read and parsed (summed: Textual reads it before the compose and parses it on first use), the
main screen composed and mounted, the snapshot read and decoded, the store filled, the list's
first render with every row and the frame after it. Ours paints a snapshot written beforehand
for an address nothing answers on (`discover_hosts=False`): the network comes after the first
frame, so the phases up to it are exactly those of a start with a snapshot.

`--tree` runs the same child against another checkout (e.g. `/work/main`), interleaved with this
one, so an A/B shares the machine's load. `--profile N` prints a cProfile of one start of ours
up to the list painted, sorted by cumulative time.
"""

from __future__ import annotations

import time

T_START = time.time()
CPU_START = time.process_time()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
URL = "http://127.0.0.1:9"
"""The snapshot's address: the discard port, where nothing answers (after the first frame)."""
SIZE = (120, 40)

PHASES = (
    ("python", "interpreter up"),
    ("textual", "Textual imported"),
    ("ours_import", "our modules imported"),
    ("app_built", "App() built"),
    ("screen_composed", "main screen composed"),
    ("screen_mounted", "main screen mounted"),
    ("snapshot_read", "snapshot read + decoded"),
    ("store_filled", "store filled"),
    ("first_frame", "first frame"),
    ("ready", "Ready (network may load)"),
    ("list_rendered", "list first render (all rows)"),
    ("painted", "frame after it (painted)"),
)
DURATIONS = ("css_s", "snapshot_s", "store_s", "render_s", "frames_before_painted")


# -- the child: one cold start ------------------------------------------------------------------


def child(kind: str, rows: int, t0: float, profile: bool) -> None:
    stamps: dict[str, float] = {"python": T_START}
    cpu: dict[str, float] = {"python": CPU_START}

    def stamp(name: str) -> None:
        if name not in stamps:
            stamps[name] = time.time()
            cpu[name] = time.process_time()

    durations: dict[str, float] = {"css_s": 0.0, "snapshot_s": 0.0, "store_s": 0.0}
    from textual.app import App, ComposeResult  # the probe's imports, in its order
    from textual.css.stylesheet import Stylesheet
    from textual.pilot import Pilot  # noqa: F401
    from textual.strip import Strip
    from textual.widgets import OptionList, Static  # noqa: F401

    stamp("textual")

    def summed(name: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                durations[name] += time.perf_counter() - start

        return timed

    for method in ("read_all", "parse", "add_source"):
        setattr(Stylesheet, method, summed("css_s", getattr(Stylesheet, method)))

    painted: list[float] = []
    frames: list[float] = []
    frame_cpu: list[float] = []
    profiler: Any = None

    def hook_display(app: App[Any]) -> None:
        display = app._display

        def timed(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None:
                frames.append(time.time())
                frame_cpu.append(time.process_time())
                if profiler is not None and (listing is None or painted):
                    profiler.disable()  # the profile ends at the painted frame

        app._display = timed  # type: ignore[method-assign]

    if kind == "floor":

        class FloorApp(App[None]):
            def compose(self) -> ComposeResult:
                yield Static("floor")

        app: App[Any] = FloorApp()
        stamp("app_built")
        listing = None
    else:
        os.environ["XDG_CACHE_HOME"] = os.environ["FIRST_FRAME_CACHE"]
        import pieces_tui.app  # noqa: F401
        from pieces_tui import cli
        from pieces_tui.config import Settings
        from pieces_tui.screens.main import MainScreen
        from pieces_tui.state import list_cache
        from pieces_tui.state.store import ConversationStore
        from pieces_tui.widgets.conversation_list import ConversationList

        stamp("ours_import")
        for reader in ("open_snapshot", "load_snapshot"):  # this branch's, main's
            if hasattr(list_cache, reader):
                setattr(list_cache, reader, summed("snapshot_s", getattr(list_cache, reader)))
        store_apply = ConversationStore.apply_summaries
        ConversationStore.apply_summaries = summed("store_s", store_apply)  # type: ignore[method-assign]

        def after(name: str, function: Any) -> Any:
            def stamped(*args: Any, **kwargs: Any) -> Any:
                result = function(*args, **kwargs)
                stamp(name)
                return result

            return stamped

        compose = MainScreen.compose

        def stamped_compose(self: Any) -> Any:
            yield from compose(self)
            stamp("screen_composed")

        MainScreen.compose = stamped_compose  # type: ignore[method-assign]
        on_mount = MainScreen.on_mount

        def stamped_mount(self: Any) -> None:
            on_mount(self)
            stamp("screen_mounted")

        MainScreen.on_mount = stamped_mount  # type: ignore[method-assign]
        from pieces_tui.connection import Connection

        Connection.first_frame = after("ready", Connection.first_frame)  # type: ignore[method-assign]
        list_cache.ListCache.paint = after("snapshot_read", list_cache.ListCache.paint)  # type: ignore[method-assign]
        render_line = ConversationList.render_line

        def counting(self: ConversationList, y: int) -> Strip:
            start = time.perf_counter()
            strip = render_line(self, y)
            durations["render_s"] = durations.get("render_s", 0.0) + time.perf_counter() - start
            if not painted and self.row_count >= rows:
                painted.append(time.time())
            return strip

        ConversationList.render_line = counting  # type: ignore[method-assign]
        settings = Settings(path=Path(tempfile.mkdtemp()) / "config.json")
        app = cli.create_app(url=URL, settings=settings, discover_hosts=False)
        stamp("app_built")
        listing = ConversationList

    if profile:
        import cProfile

        profiler = cProfile.Profile()
    hook_display(app)
    if profiler is not None:
        profiler.enable()

    async def run() -> None:
        import asyncio

        async with app.run_test(headless=True, size=SIZE):
            deadline = time.time() + 60
            while time.time() < deadline:
                if frames and (listing is None or (painted and frames[-1] >= painted[0])):
                    break
                await asyncio.sleep(0.001)

    import asyncio

    asyncio.run(run())
    if profiler is not None:
        import pstats

        order = os.environ.get("FIRST_FRAME_SORT", "cumulative")
        top = int(os.environ.get("FIRST_FRAME_TOP", "45"))
        pstats.Stats(profiler, stream=sys.stderr).sort_stats(order).print_stats(top)
    if listing is not None and painted:
        stamps["list_rendered"] = painted[0]
        at = next(k for k, t in enumerate(frames) if t >= painted[0])
    else:
        at = 0
    stamps["painted"], cpu["painted"] = frames[at], frame_cpu[at]
    stamps["first_frame"], cpu["first_frame"] = frames[0], frame_cpu[0]
    durations["frames_before_painted"] = sum(1 for t in frames if t < stamps["painted"])
    out = {name: wall - t0 for name, wall in stamps.items()}
    out |= {f"cpu_{name}": value for name, value in cpu.items()}
    out |= durations
    sys.stdout.write("RESULT " + json.dumps(out) + "\n")


def write_snapshot(rows: int) -> None:
    """Runs in a child of the tree under test: its own snapshot format."""
    from datetime import UTC, datetime, timedelta

    from pieces_tui.paths import cache_dir
    from pieces_tui.state.snapshot import save_snapshot
    from pieces_tui.state.store import ConversationSummary

    os.environ["XDG_CACHE_HOME"] = os.environ["FIRST_FRAME_CACHE"]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    summaries = [
        ConversationSummary(
            f"{i:08d}-0000-4000-8000-{i:012d}",
            f"Synthetic conversation {i:05d}",
            base + timedelta(minutes=i),
            base + timedelta(minutes=i, seconds=30),
            2,
            "COPILOT",
            i % 17 == 0,
        )
        for i in range(rows)
    ]
    save_snapshot(URL, summaries, cache_dir() / "lists")


# -- the parent -----------------------------------------------------------------------------------


def spawn(tree: Path, cache: str, *args: str) -> dict[str, Any]:
    environment = dict(os.environ, PYTHONPATH=str(tree), FIRST_FRAME_CACHE=cache)
    t0 = time.time()
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "first_frame.py"), *args, "--t0", repr(t0)],
        env=environment,
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    if done.stderr.strip():
        sys.stderr.write(done.stderr)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[7:])
            return result
    return {}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(name: str, samples: list[dict[str, Any]]) -> None:
    print(f"  {name} ({len(samples)} runs; medians, seconds from spawn)")
    for key, label in PHASES:
        values = [s[key] for s in samples if key in s]
        if values:
            print(f"    {label:<32} {statistics.median(values):6.3f}")
    print("    CPU time of the process (s), less sensitive to the load:")
    for key, label in PHASES:
        values = [s[f"cpu_{key}"] for s in samples if f"cpu_{key}" in s]
        if values:
            print(f"    {label:<32} {statistics.median(values):6.3f}")
    for key in DURATIONS:
        values = [s[key] for s in samples if key in s]
        if values:
            scale, unit = (1, "") if key == "frames_before_painted" else (1000, "ms")
            print(f"    {key:<32} {statistics.median(values) * scale:6.1f} {unit}")


def parent(sizes: list[int], runs: int, trees: list[Path]) -> None:
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            caches = {}
            for number, tree in enumerate(trees):
                caches[tree] = cache = str(Path(tmp) / f"cache{number}")
                spawn(tree, cache, "--write-snapshot", str(rows))
            samples: dict[str, list[dict[str, Any]]] = {}
            print(f"N={rows}: load {load()}")
            for _ in range(runs):
                samples.setdefault("floor", []).append(spawn(ROOT, tmp, "--child", "floor", "0"))
                for tree in trees:
                    result = spawn(tree, caches[tree], "--child", "ours", str(rows))
                    samples.setdefault(f"ours {tree}", []).append(result)
            print(f"N={rows}: load after {load()}")
            for name, values in samples.items():
                report(name, values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,50000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", action="append", type=Path, help="another checkout to compare")
    parser.add_argument("--profile", type=int, metavar="N")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ROWS"))
    parser.add_argument("--write-snapshot", type=int, metavar="ROWS")
    parser.add_argument("--t0", type=float)
    parser.add_argument("--cprofile", action="store_true")
    options = parser.parse_args()
    if options.child:
        child(options.child[0], int(options.child[1]), options.t0, options.cprofile)
    elif options.write_snapshot is not None:
        write_snapshot(options.write_snapshot)
    elif options.profile:
        tree = (options.tree or [ROOT])[0]
        with tempfile.TemporaryDirectory() as tmp:
            spawn(tree, tmp, "--write-snapshot", str(options.profile))
            print(spawn(tree, tmp, "--child", "ours", str(options.profile), "--cprofile"))
    else:
        trees = [ROOT, *(options.tree or [])]
        parent([int(size) for size in options.sizes.split(",")], options.runs, trees)


if __name__ == "__main__":
    main()
