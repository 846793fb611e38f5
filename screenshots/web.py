"""Regenerate `screenshots/web.png`: `python -m screenshots.web`.

Starts `pieces-tui web --demo`, opens it in headless system Chromium (as the browser test does),
opens the second demo conversation and saves the browser's screenshot here. Needs the `web`
extra, Playwright (`pip install playwright`) and Chromium (`apt-get install chromium`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.web.browser import browser_missing, chromium_page, press, running_web, wait_for_text

HERE = Path(__file__).resolve().parent


def main() -> None:
    missing = browser_missing()
    if missing is not None:
        raise SystemExit(missing)
    profile = Path(tempfile.mkdtemp(prefix="pieces-tui-shot-")) / "profile"
    with running_web("--demo") as url, chromium_page(profile, 1200, 720) as page:
        page.goto(url + "/")
        wait_for_text(page, "Typed debounce hook for React")
        press(page, "j", "Enter")
        wait_for_text(page, "The cleanup cancels the pending timer")  # the reply has loaded
        page.wait_for_timeout(500)  # let the canvas paint the last frame
        page.screenshot(path=str(HERE / "web.png"))
    print(HERE / "web.png")


if __name__ == "__main__":
    main()
