"""Benchmark quitting: from `q` reaching the terminal to the process having exited.

    python -m benchmarks.quit [--runs R] [--reference CHECKOUT ...]

`pieces-tui --demo` runs on a pseudo-terminal (80x24) from this checkout and from each
`--reference` checkout (for example an unpacked `git archive main`), interleaved, R runs each
(default 5); once the status bar says "live" and a second has passed, `q` is written and the
time until `waitpid` returns is taken. Not part of `python -m benchmarks --quick`.
"""

from __future__ import annotations

import argparse
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

WITHIN = 120.0


def quit_time(checkout: Path) -> float:
    master, slave = pty.openpty()
    with tempfile.TemporaryDirectory(prefix="pieces-tui-quit-") as home:
        env = {**os.environ, "TERM": "xterm-256color", "XDG_CONFIG_HOME": home}
        env |= {"XDG_CACHE_HOME": home, "PYTHONPATH": str(checkout)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "pieces_tui", "--demo"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=checkout,
            start_new_session=True,
        )
        os.close(slave)
        seen = bytearray()

        def drain() -> None:
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                seen.extend(chunk)

        threading.Thread(target=drain, daemon=True).start()
        deadline = time.monotonic() + WITHIN
        while b"live" not in seen:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"{checkout}: not live within {WITHIN} s")
            time.sleep(0.02)
        time.sleep(1.0)
        start = time.perf_counter()
        os.write(master, b"q")
        proc.wait(WITHIN)
        elapsed = time.perf_counter() - start
        os.close(master)
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quit")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reference", type=Path, action="append", default=[])
    args = parser.parse_args()
    checkouts = [Path(__file__).resolve().parent.parent, *args.reference]
    times: dict[Path, list[float]] = {checkout: [] for checkout in checkouts}
    print(f"load before: {os.getloadavg()[0]:.2f}")
    for _ in range(args.runs):
        for checkout in checkouts:
            times[checkout].append(quit_time(checkout))
    print(f"load after: {os.getloadavg()[0]:.2f}")
    for checkout, values in times.items():
        shown = ", ".join(f"{value:.2f}" for value in values)
        print(f"{checkout}: median {statistics.median(values):.2f} s ({shown})")


if __name__ == "__main__":
    main()
