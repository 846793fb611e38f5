"""Typing in the sidebar's filter, in the real app, at N conversations: per keystroke, from the
key sent to the frame that shows the list filtered by it.

    python -m benchmarks.filter_keys [--rows 50000] [--keys 56] [--runs 3] [--floor]
                                     [--tree DIR ...] [--profile DIR] [--keep DIR]

The server (`pieces-tui serve --seed N`, its own process, as Pieces OS is) is built once (with
`--keep`, its database is kept in DIR and reused). Each `--tree` is a checkout of pieces-tui
(default: this one); every run spawns one app process per tree, interleaved (tree A, tree B,
tree A, ...), so both see the same load. In each, the app loads the list, goes live, and then
`/` and the keys of `conversation 1` are typed and erased (backspace) again and again, as in
`benchmarks.probe`'s `keypresses`: "c" ... "conversation " narrow nothing (every synthetic name
holds it), "conversation 1" narrows to a fifth, the backspaces widen again. Figures per tree,
medians over the runs' keys:

- `key -> painted`: from the key handed to the app to the first frame after the list took the
  new filter (`ConversationList.watch_filter_text` returned), as the probe measures it;
- `filter call`: the time inside `watch_filter_text` alone;
- `layouts / key`: full-screen layouts (`Screen._refresh_layout`) per key.

With `--floor`, a bare Textual app holding one Input is timed the same way in the same run
(key sent to the frame after its `Input.Changed` was handled): Textual's and the machine's cost.

With `--profile DIR`, each app process also runs cProfile over its typing only and writes
`DIR/<tree name>-<run>.prof` (read with `python -m pstats`). Write the load average (`uptime`)
next to the figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

TEXT = "conversation 1"
HERE = Path(__file__).resolve().parent.parent


# -- the app process ----------------------------------------------------------------------------


async def until(condition: Callable[[], bool], timeout: float = 180.0) -> None:  # noqa: ASYNC109
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.001)


def floor_app(handled: list[float]) -> Any:
    """A bare Textual app holding one Input: the same keys, timed the same way (to the frame
    after its `Input.Changed` is handled): what Textual and this machine cost without us."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    class FloorApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(id="filter")

        def on_input_changed(self) -> None:
            handled.append(time.perf_counter())

    return FloorApp()


async def type_in_app(url: str, rows: int, keys: int, profile: str | None) -> dict[str, Any]:
    from textual.screen import Screen

    from pieces_tui.cli import create_app
    from pieces_tui.config import Settings
    from pieces_tui.widgets.conversation_list import ConversationList

    frames: list[float] = []
    frame_seen = asyncio.Event()
    handled: list[float] = []
    calls: list[float] = []
    layouts = [0]

    watch = ConversationList.watch_filter_text

    def timed_watch(self: ConversationList, filter_text: str) -> None:
        start = time.perf_counter()
        watch(self, filter_text)
        calls.append(time.perf_counter() - start)
        handled.append(time.perf_counter())

    ConversationList.watch_filter_text = timed_watch  # type: ignore[method-assign]
    refresh_layout = Screen._refresh_layout

    def counted_layout(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        layouts[0] += 1
        refresh_layout(self, *args, **kwargs)

    Screen._refresh_layout = counted_layout  # type: ignore[method-assign]

    settings = Settings(path=Path(tempfile.mkdtemp()) / "config.json")
    floor = url == "floor"
    if floor:
        app = floor_app(handled)
    else:
        app = create_app(url=url, settings=settings, discover_hosts=False, list_cache=False)
    display = app._display

    def timed_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None:
            frames.append(time.perf_counter())
            frame_seen.set()

    app._display = timed_display  # type: ignore[method-assign]

    async def frame_after(moment: float) -> float:
        deadline = time.perf_counter() + 30
        while not frames or frames[-1] < moment:
            frame_seen.clear()
            await asyncio.wait_for(frame_seen.wait(), max(0.0, deadline - time.perf_counter()))
        return next(t for t in frames if t >= moment)

    latencies: list[float] = []
    to_filter: list[float] = []
    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        if not floor:
            screen = app.main_screen
            listing = screen.conversation_list
            await until(
                lambda: (
                    app.connection.loaded
                    and screen.connection_state == "live"
                    and listing.row_count >= rows
                )
            )
        await pilot.pause(1.0)  # let the first pane open and settle
        await pilot.press("tab" if floor else "slash")
        await pilot.pause(0.2)
        layouts[0] = 0
        del calls[:]
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for i in range(keys):
            key = TEXT[i % len(TEXT)] if (i // len(TEXT)) % 2 == 0 else "backspace"
            key = "space" if key == " " else key
            before = len(handled)
            start = time.perf_counter()
            # Not `pilot.press`: it also waits for every widget to go idle.
            await app._press_keys([key])
            await until(lambda b=before: len(handled) > b, 10)
            latencies.append(await frame_after(handled[before]) - start)
            to_filter.append(handled[before] - start)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        typed_layouts = layouts[0]
        if floor:
            calls = [0.0]
            final: tuple[str, int] = (app.query_one("#filter").value, 0)
        else:
            final = (screen.filter_input.value, listing.visible_count)
    return {
        "latencies": latencies,
        "calls": calls,
        "to_filter": to_filter,
        "layouts_per_key": typed_layouts / keys,
        "final": final,
    }


# -- the parent ---------------------------------------------------------------------------------


@contextlib.contextmanager
def server_process(path: Path, rows: int) -> Iterator[str]:
    """`pieces-tui serve --seed rows` on `path` in a child process; its URL once healthy."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "pieces_tui", "serve", "--db", str(path)]
    command += ["--port", str(port), "--seed", str(rows)]
    child = subprocess.Popen(command, stderr=subprocess.DEVNULL, cwd=HERE)
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if httpx.get(f"{url}/.well-known/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {command}")
            time.sleep(0.2)
        yield url
    finally:
        child.terminate()
        child.wait(30)


def spawn(tree: Path, url: str, rows: int, keys: int, profile: str | None) -> dict[str, Any]:
    """One app process importing pieces_tui from `tree`."""
    floor = tree == Path("floor")
    if floor:
        tree, url = HERE, "floor"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--url", url]
    command += ["--rows", str(rows), "--keys", str(keys)]
    if profile:
        command += ["--profile-to", profile]
    env = os.environ | {"PYTHONPATH": str(tree)}
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    raise RuntimeError(f"no result from {tree}:\n{done.stderr[-3000:]}")


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:7.1f} / {p95 * 1000:7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--keys", type=int, default=56, help="keys typed per app process")
    parser.add_argument("--runs", type=int, default=3, help="app processes per tree")
    parser.add_argument("--tree", action="append", type=Path, help="a pieces-tui checkout")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the typing here")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the server's database here")
    parser.add_argument("--floor", action="store_true", help="also time a bare Input app")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = asyncio.run(type_in_app(args.url, args.rows, args.keys, args.profile_to))
        print("RESULT " + json.dumps(result), flush=True)
        return
    trees = [tree.resolve() for tree in (args.tree or [HERE])]
    if args.floor:
        trees.insert(0, Path("floor"))
    folder = args.keep or Path(tempfile.mkdtemp(prefix="filter-keys-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    results: dict[Path, list[dict[str, Any]]] = {tree: [] for tree in trees}
    with server_process(folder / f"filter-{args.rows}.db", args.rows) as url:
        # One app first, untimed: the server builds and caches its body for the runs.
        spawn(next(t for t in trees if t != Path("floor")), url, args.rows, 2, None)
        for run in range(args.runs):
            for tree in trees:
                profile = None
                if args.profile:
                    profile = str(args.profile.resolve() / f"{tree.name}-{run}.prof")
                load = os.getloadavg()[0]
                result = spawn(tree, url, args.rows, args.keys, profile)
                result["load"] = load
                results[tree].append(result)
                print(
                    f"  run {run + 1}, {tree}: key->painted {ms(result['latencies'])} ms,"
                    f" load {load:.2f}",
                    file=sys.stderr,
                    flush=True,
                )
    print(f"Filter keystrokes at {args.rows:,} conversations, {args.runs} runs x {args.keys} keys")
    print("| tree | key -> painted ms (median / p95) | filter call ms (median / p95) |", end="")
    print(" layouts / key | load (1-min) | final |")
    print("|---|---|---|---|---|---|")
    for tree, runs in results.items():
        latencies = [v for r in runs for v in r["latencies"]]
        calls = [v for r in runs for v in r["calls"]]
        layouts = statistics.median(r["layouts_per_key"] for r in runs)
        loads = ", ".join(f"{r['load']:.1f}" for r in runs)
        print(
            f"| {tree} | {ms(latencies)} | {ms(calls)} | {layouts:.2f} | {loads} |"
            f" {runs[-1]['final']} |"
        )


if __name__ == "__main__":
    main()
