"""Which Pieces OS versions pieces-tui was tested with, and a check of the one it talks to.

The tested range is the official clients' (pieces-cli 1.20.1's `VersionChecker`): 12.0.0 up to,
not including, 13.0.0, a pre-release or build suffix allowed (`12.3.0-pieces-tui-embedded.0.1.0`
is 12.3.0 for this purpose). Outside it pieces-tui still tries: the check only says what to tell
the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TESTED_MAX", "TESTED_MIN", "VersionCheck", "check_version"]

TESTED_MIN = (12, 0, 0)  # inclusive
TESTED_MAX = (13, 0, 0)  # exclusive
TESTED_RANGE = "12.0.0 <= version < 13.0.0"
_VERSION = re.compile(r"v?(\d{1,6})\.(\d{1,6})\.(\d{1,6})(?:[-+.]\S*)?")


@dataclass(frozen=True)
class VersionCheck:
    """`version`: what Pieces OS said (trimmed). `supported`: inside the tested range.
    `notice`: a sentence for the user naming both versions, empty when supported."""

    version: str
    supported: bool
    notice: str


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch)


def check_version(text: str) -> VersionCheck:
    """Check a `/.well-known/version` answer against the tested range."""
    shown = text.strip()[:80]
    parsed = parse_version(text)
    if parsed is None:
        return VersionCheck(
            shown,
            False,
            f"Pieces OS reports a version pieces-tui cannot read ({shown!r}); it was tested with "
            f"{TESTED_RANGE}. It will still try.",
        )
    if parsed < TESTED_MIN:
        return VersionCheck(
            shown,
            False,
            f"Pieces OS {shown} is older than the versions pieces-tui was tested with "
            f"({TESTED_RANGE}): update Pieces OS. pieces-tui will still try.",
        )
    if parsed >= TESTED_MAX:
        return VersionCheck(
            shown,
            False,
            f"Pieces OS {shown} is newer than the versions pieces-tui was tested with "
            f"({TESTED_RANGE}): look for a newer pieces-tui. It will still try.",
        )
    return VersionCheck(shown, True, "")
