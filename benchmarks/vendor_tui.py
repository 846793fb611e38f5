"""The Pieces CLI's TUI and pieces-tui side by side: time to show all 1,000 conversations.

    PIECES_CLI=/path/to/pieces python -m benchmarks.vendor_tui [--runs 3] [--rows 1000]

One run, one embedded server (`serve --seed 1000`, on 39300 in a private network namespace, as
the CLI's conformance tests do: tests/conformance/session.py), the two apps started alternately
in the same tmux window (160x45), `--runs` times each. For each start, from the keystroke that
launches the program to:

- **first row**: the newest conversation's name is on the screen;
- **all rows**: the app holds all 1,000. pieces-tui: its top bar says "1,000 conversations"
  (its store and list hold every row). The Pieces TUI (pieces-cli 1.20.1, `pieces tui`) fetches
  each conversation on its own (`GET /conversation/{id}`) before listing it: the server has
  answered that for all 1,000 ids and the newest name is on the screen.

Both include the program's own start-up (Python imports). Medians of the runs are printed with
every sample. Needs pieces-cli 1.20.1 with its TUI extra (`.ci/run` installs it), tmux and
`unshare`; not part of `--quick`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.conformance.netns import run_session

NEWEST = "Synthetic conversation"


def steps(cli: str, rows: int, runs: int, timeout: float) -> list[dict[str, Any]]:
    pieces_tui = [sys.executable, "-m", "pieces_tui", "--url", "http://127.0.0.1:39300"]
    vendor = [cli, "--ignore-onboarding", "tui"]
    shown = f"{rows:,} conversations"
    out: list[dict[str, Any]] = []
    for _ in range(runs):
        for name, command in (("pieces tui", vendor), ("pieces-tui", pieces_tui)):
            first = {"kind": "tmux", "start": command, "wait_for": [NEWEST], "timeout": timeout}
            every: dict[str, Any] = {"kind": "tmux", "wait_for": [NEWEST], "timeout": timeout}
            if name == "pieces-tui":
                every["wait_for"] = [NEWEST, shown]
            else:
                every["requests"] = ["GET /conversation/", rows]
            out += [{**first, "app": name, "figure": "first"}, {**every, "app": name}]
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vendor_tui")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=600)
    options = parser.parse_args(argv)
    from tests.conformance.netns import pieces_cli

    cli = pieces_cli()
    plan = steps(cli, options.rows, options.runs, options.timeout)
    with tempfile.TemporaryDirectory(prefix="vendor-tui-") as tmp:
        report = run_session(
            Path(tmp), Path(tmp) / "seeded.db", plan, seed=options.rows, tmux_name="bench-vt"
        )
    figures: dict[tuple[str, str], list[float]] = {}
    for pos in range(0, len(plan), 2):
        app = plan[pos]["app"]
        first, every = report["steps"][pos], report["steps"][pos + 1]
        if not (first["found"] and every["found"]):
            print(f"{app}: did not show the list in time:\n{every['screen']}", file=sys.stderr)
            return 1
        figures.setdefault((app, "first row"), []).append(first["seconds"])
        # The second wait starts when the first ends: all rows = first + the rest.
        figures.setdefault((app, "all rows"), []).append(first["seconds"] + every["seconds"])
    print(f"| app | figure | median of {options.runs} (s) | samples (s) |")
    print("|---|---|---|---|")
    for (app, figure), values in figures.items():
        samples = ", ".join(f"{v:.2f}" for v in values)
        print(f"| {app} | {figure} | {statistics.median(values):.2f} | {samples} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
