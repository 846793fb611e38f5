"""Opening a conversation: from the highlight moving onto it to its first screenful painted.

    python benchmarks/open.py [--trees A,B] [--rounds R] [--opens K] [--profile OUT]

The parent starts the embedded server (1,000 ordinary conversations, plus conversations of 20,
200 and 2,000 plain-text messages as `python -m benchmarks` seeds them, and one of 20 messages
of Markdown with code fences, lists and a table). It then spawns one app process per source tree
in `--trees` (default: this checkout), interleaved for `--rounds` rounds, so that the trees are
measured under the same load. Each process runs the real app headless (120x40) against the
server and opens each big conversation `--opens` times, alternating with an ordinary one and
resting past the pane's settle time before each open (a single move: a highlight that keeps
moving is debounced on purpose). This file is run by path so that the app imported is the
tree's (`--tree`), not this checkout's.

Each open is a timeline, in ms from the highlight: `open` (the screen starts loading it),
`fetched` (`load_detail` returned: the requests and their parse), `shown` (`show_conversation`
returned: the pane's widgets created), `texts` (the mounted message blocks have their Markdown
in), `revealed` (the loading indicator lifted), `painted` (the next frame handed to the driver;
what the probe's `open` figure measures); each point also in the app process's CPU time
(`cpu_*`: threads included, the other processes' load not), with the garbage collections
during it (`gc_ms`, `gc2`: full ones) and the screen's layouts and repaints until the paint
(shown for the median open). `--profile OUT` runs one more
process of the first tree under cProfile around the opens (20 and 2,000 messages) and writes
the stats to OUT.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
SIZE = (120, 40)
BIG = (20, 200, 2_000)
POINTS = ("open", "fetched", "shown", "texts", "revealed", "painted")
CPU_POINTS = tuple(f"cpu_{point}" for point in POINTS)
"""The same points in this process's CPU time (ms from the highlight): on a loaded machine
the wall clock waits for the other processes, the CPU time does not."""

MARKDOWN_MESSAGE = """## Step {k}

Here is how to retry a request with **exponential backoff** and `httpx`:

```python
import asyncio
import httpx

async def fetch(url: str, tries: int = 5) -> httpx.Response:
    delay = 0.25
    for attempt in range(tries):
        try:
            async with httpx.AsyncClient() as client:
                return await client.get(url)
        except httpx.TransportError:
            await asyncio.sleep(delay)
            delay *= 2
    raise RuntimeError("gave up")
```

- the delay doubles after each failure
- a `TransportError` is retried, an HTTP error is not

| attempt | delay |
|---|---|
| 1 | 0.25 s |
| 2 | 0.5 s |
"""


# -- the parent: server and processes ---------------------------------------------------------


async def seed(url: str) -> dict[str, str]:
    sys.path.insert(0, str(HERE.parent.parent))
    from pieces_tui.client import PiecesClient

    ids: dict[str, str] = {}
    async with PiecesClient(url, timeout=120) as client:
        for size in BIG:
            messages = [
                ("USER" if k % 2 == 0 else "ASSISTANT", f"Message {k} of {size}. " * 3)
                for k in range(size)
            ]
            created = await client.create_conversation(name=f"Big {size}", messages=messages)
            ids[str(size)] = created.id
        messages = [
            ("USER", f"How do I retry, part {k}?")
            if k % 2 == 0
            else ("ASSISTANT", MARKDOWN_MESSAGE.format(k=k))
            for k in range(20)
        ]
        created = await client.create_conversation(name="Markdown 20", messages=messages)
        ids["md20"] = created.id
        await client.create_conversation(name="Latest", messages=[("USER", "Hello?")])
    return ids


def spawn(tree: str, url: str, ids: dict[str, str], opens: int, profile: str | None) -> Any:
    args = [sys.executable, str(HERE), "--child", "--tree", tree, "--url", url]
    args += ["--ids", json.dumps(ids), "--opens", str(opens)]
    if profile:
        args += ["--profile", profile]
    done = subprocess.run(args, cwd=tree, capture_output=True, text=True, timeout=600)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"{tree}: no result\n{done.stderr[-3000:]}")


def parent(options: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE.parent.parent))
    from pieces_tui.server import EmbeddedServer

    trees = options.trees.split(",") if options.trees else [str(HERE.parent.parent)]
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedServer(Path(tmp) / "open.db", seed=1_000)
        server.start()
        try:
            ids = asyncio.run(seed(server.url))
            runs: dict[str, list[dict[str, Any]]] = {tree: [] for tree in trees}
            for round_ in range(options.rounds):
                for tree in trees:
                    load = os.getloadavg()[0]
                    result = spawn(tree, server.url, ids, options.opens, None)
                    result["load"] = load
                    runs[tree].append(result)
                    print(f"round {round_ + 1} {tree} (load {load:.2f}):", file=sys.stderr)
                    print(report(result), file=sys.stderr)
            if options.profile:
                spawn(trees[0], server.url, ids, 3, options.profile)
        finally:
            server.stop()
    print(summary(runs))


def report(result: dict[str, Any]) -> str:
    lines = []
    for size, opens in result["opens"].items():
        cells = []
        for point in (*POINTS, *CPU_POINTS, "gc_ms", "gc2"):
            values = [o[point] for o in opens if o.get(point) is not None]
            if values:
                cells.append(f"{point} {statistics.median(values):.0f}")
        lines.append(f"  {size:>5}: " + ", ".join(cells))
        if opens:  # the layouts and repaints of the median open: (ms from the highlight, ms)
            middle = sorted(opens, key=lambda o: o["painted"] or 0)[len(opens) // 2]
            shown = ", ".join(f"{what} at {at} for {took}" for at, took, what in middle["passes"])
            lines.append(f"         median open's passes: {shown}")
    return "\n".join(lines)


def summary(runs: dict[str, list[dict[str, Any]]]) -> str:
    """Per tree and conversation: the median over every open of every round, of each point."""
    head = "| tree | conversation | " + " | ".join(POINTS) + " | cpu: " + " | ".join(POINTS)
    lines = [head + " | loads |"]
    lines.append("|---|---|" + "--:|" * (2 * len(POINTS)) + "---|")
    for tree, results in runs.items():
        if not results:
            continue
        sizes = results[0]["opens"].keys()
        loads = ", ".join(f"{r['load']:.1f}" for r in results)
        for size in sizes:
            cells = []
            for point in (*POINTS, *CPU_POINTS):
                values = [o[point] for r in results for o in r["opens"][size] if o.get(point)]
                cells.append(f"{statistics.median(values):.0f}" if values else "-")
            lines.append(f"| {Path(tree).name} | {size} | " + " | ".join(cells) + f" | {loads} |")
    return "\n".join(lines)


# -- the child: the real app, one tree --------------------------------------------------------


async def child(options: argparse.Namespace) -> dict[str, Any]:
    from textual.widgets import Markdown

    from pieces_tui.cli import create_app
    from pieces_tui.config import Settings
    from pieces_tui.screens import main as main_screen
    from pieces_tui.widgets.detail import ConversationDetail, message_blocks

    # Every point is noted by a hook where it happens, and the timing loop waits on an event
    # those hooks set: polling the pane's DOM every millisecond slowed the very loop it timed.
    marks: dict[str, float] = {}
    cpu: dict[str, float] = {}
    changed = asyncio.Event()

    def mark(point: str) -> None:
        marks.setdefault(point, time.time())
        cpu.setdefault(point, time.process_time())
        changed.set()

    # The screen imports `load_detail` from the loader when it first opens one (trees before
    # that imported it at the top of screens/main.py): patch it wherever it is looked up.
    from pieces_tui import detail_loader

    load_detail = detail_loader.load_detail

    async def timed_load(*args: Any, **kwargs: Any) -> Any:
        view = await load_detail(*args, **kwargs)
        mark("fetched")
        return view

    detail_loader.load_detail = timed_load  # type: ignore[assignment]
    if hasattr(main_screen, "load_detail"):
        main_screen.load_detail = timed_load  # type: ignore[attr-defined]
    show_loading = ConversationDetail.show_loading

    def timed_loading(self: ConversationDetail, conversation_id: str) -> None:
        mark("open")
        show_loading(self, conversation_id)

    ConversationDetail.show_loading = timed_loading  # type: ignore[method-assign]
    show = ConversationDetail.show_conversation

    def timed_show(self: ConversationDetail, *args: Any, **kwargs: Any) -> None:
        show(self, *args, **kwargs)
        mark("shown")

    ConversationDetail.show_conversation = timed_show  # type: ignore[method-assign]
    toc = ConversationDetail.on_markdown_table_of_contents_updated

    def texts_in(blocks: list[Any]) -> bool:
        # A block is composed (a plain one, on trees that have them, has its text then; since
        # w6-open a plain block is one widget, its text in once mounted) and each of its
        # Markdown has its blocks mounted.
        return bool(blocks) and all(
            (
                block.is_mounted
                if getattr(block, "plain", None) and not block.children
                else bool(block.children) and all(bool(md.children) for md in block.query(Markdown))
            )
            for block in blocks
        )

    def timed_toc(self: ConversationDetail, event: Any) -> None:
        toc(self, event)
        if "shown" in marks and "texts" not in marks and texts_in(message_blocks(self)):
            mark("texts")

    ConversationDetail.on_markdown_table_of_contents_updated = timed_toc  # type: ignore[method-assign]
    set_loading = ConversationDetail.set_loading

    def timed_set_loading(self: ConversationDetail, loading: bool) -> None:
        set_loading(self, loading)
        if not loading and "shown" in marks:
            if "texts" not in marks and texts_in(message_blocks(self)):
                mark("texts")  # plain blocks post no TableOfContentsUpdated
            mark("revealed")

    ConversationDetail.set_loading = timed_set_loading  # type: ignore[method-assign]

    # Every layout and repaint of the screen, (ms from the highlight, ms it took, what): where
    # the time between the points goes.
    passes: list[tuple[float, float, str]] = []
    from textual.screen import Screen

    def timed_pass(method: Any, what: str) -> Any:
        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            began = time.time()
            try:
                return method(self, *args, **kwargs)
            finally:
                passes.append((began, (time.time() - began) * 1000, what))

        return timed

    Screen._refresh_layout = timed_pass(Screen._refresh_layout, "layout")  # type: ignore[method-assign]
    Screen._compositor_refresh = timed_pass(Screen._compositor_refresh, "repaint")  # type: ignore[method-assign]

    # Garbage collections during an open: (generation, ms).
    collections: list[tuple[int, float]] = []
    collecting: list[float] = []

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            collecting[:] = [time.perf_counter()]
        elif collecting:
            collections.append((info["generation"], (time.perf_counter() - collecting[0]) * 1000))

    gc.callbacks.append(on_gc)

    frames: list[float] = []
    settings = Settings(path=Path(tempfile.mkdtemp()) / "config.json")
    app = create_app(url=options.url, settings=settings, discover_hosts=False, list_cache=False)
    display = app._display

    def timed_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None:
            frames.append(time.time())
            changed.set()

    app._display = timed_display  # type: ignore[method-assign]
    ids: dict[str, str] = json.loads(options.ids)

    async def until(condition: Any, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        deadline = time.time() + timeout
        while not condition():
            changed.clear()
            try:
                await asyncio.wait_for(changed.wait(), max(0.0, deadline - time.time()))
            except TimeoutError:
                raise TimeoutError("condition not met") from None

    async def poll(condition: Any, timeout: float = 120.0) -> None:  # noqa: ASYNC109
        deadline = time.time() + timeout
        while not condition():
            if time.time() > deadline:
                raise TimeoutError("condition not met")
            await asyncio.sleep(0.05)

    result: dict[str, Any] = {"opens": {}}
    profiler = None
    async with app.run_test(headless=True, size=SIZE):
        screen = app.main_screen
        await poll(lambda: app.connection.loaded and screen.connection_state == "live")
        listing = screen.conversation_list
        detail = screen.detail
        await poll(lambda: listing.row_count >= 1_000)
        other = listing.row_at(10).id
        settle = 0.3  # past `Timings.detail_settle` (0.1 s): each open is a single move
        if options.profile:
            import cProfile

            profiler = cProfile.Profile()
        for size, target in ids.items():
            if options.profile and size not in ("20", "2000"):
                continue
            opens: list[dict[str, float | None]] = []
            for _ in range(options.opens):
                for conversation_id in (other, target):
                    await asyncio.sleep(settle)
                    marks.clear()
                    cpu.clear()
                    passes.clear()
                    collections.clear()
                    if profiler is not None and conversation_id == target:
                        profiler.enable()
                    start = time.time()
                    start_cpu = time.process_time()
                    listing.highlight(conversation_id)
                    await until(lambda: "texts" in marks and "revealed" in marks)
                    done = max(marks["texts"], marks["revealed"])
                    await until(lambda done=done: bool(frames) and frames[-1] >= done)
                    if profiler is not None:
                        profiler.disable()
                    painted = next(t for t in frames if t >= done)
                    painted_cpu = time.process_time()  # at most a frame late
                    if conversation_id != target or detail.conversation_id != target:
                        continue
                    timeline: dict[str, float | None] = {
                        point: (marks[point] - start) * 1000 if point in marks else None
                        for point in ("open", "fetched", "shown", "texts", "revealed")
                    }
                    timeline["painted"] = (painted - start) * 1000
                    for point, moment in cpu.items():
                        timeline[f"cpu_{point}"] = (moment - start_cpu) * 1000
                    timeline["cpu_painted"] = (painted_cpu - start_cpu) * 1000
                    timeline["gc_ms"] = sum(ms for _, ms in collections)
                    timeline["gc2"] = sum(1 for gen, _ in collections if gen == 2)
                    timeline["passes"] = [  # type: ignore[assignment]
                        [round((at - start) * 1000), round(took), what]
                        for at, took, what in passes
                        if at <= painted
                    ]
                    opens.append(timeline)
            result["opens"][size] = opens
    if profiler is not None:
        profiler.dump_stats(options.profile)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trees", help="comma-separated source trees (default: this checkout)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--opens", type=int, default=5)
    parser.add_argument("--profile", help="write cProfile stats of the opens here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tree", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        sys.path[0] = options.tree  # the tree's pieces_tui, not this checkout's
        result = asyncio.run(child(options))
        sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    else:
        parent(options)


if __name__ == "__main__":
    main()
