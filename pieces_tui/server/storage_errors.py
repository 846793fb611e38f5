"""Storage faults as one typed error with a reason a person can act on, and the path named.

`Database` turns every `sqlite3.Error` (and the `OSError` of a folder it cannot create) into a
`StorageError`; the app answers it as text/plain 503 (or 507 when the disk or the size limit is
full), the CLI prints it and exits 1, and `--demo` hands it to the UI. No traceback reaches a
client or the terminal.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

# SQLite result codes (the primary code is the low byte of the extended one).
_FULL = 13
_CORRUPT = 11
_NOTADB = 26
_READONLY = 8
_CANTOPEN = 14
_BUSY = 5
_LOCKED = 6
_IOERR = 10

HINT_DAMAGED = "move the file aside (or restore a backup) and start again"


class StorageError(Exception):
    """A database the server cannot use, or can no longer use.

    `kind`: "full", "damaged", "newer", "readonly", "unavailable" or "busy". `status`: the HTTP
    status that answers it (507 for "full", else 503)."""

    def __init__(self, kind: str, path: Path, detail: str) -> None:
        self.kind = kind
        self.path = path
        self.detail = detail
        super().__init__(self.reason)

    @property
    def status(self) -> int:
        return 507 if self.kind == "full" else 503

    @property
    def reason(self) -> str:
        what = {
            "full": "the disk (or the database's size limit) is full",
            "damaged": "the database is damaged",
            "newer": "the database was written by a newer pieces-tui",
            "readonly": "the database cannot be written",
            "unavailable": "the database cannot be opened",
            "busy": "the database is busy",
        }.get(self.kind, "storage error")
        return f"storage error: {what}: {self.path}: {self.detail}"

    @property
    def damaged(self) -> bool:
        """True when the file itself is unusable (later requests cannot succeed either)."""
        return self.kind in {"damaged", "newer"}


def classify(exc: sqlite3.Error | OSError, path: Path) -> StorageError:
    """The StorageError for an error raised by sqlite3 (or by the file system) on `path`."""
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return StorageError("full", path, exc.strerror or str(exc))
        if exc.errno in {errno.EACCES, errno.EPERM, errno.EROFS}:
            return StorageError("readonly", path, exc.strerror or str(exc))
        return StorageError("unavailable", path, exc.strerror or str(exc))
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    detail = str(exc)
    if primary == _FULL:
        kind = "full"
    elif primary in {_CORRUPT, _NOTADB}:
        kind = "damaged"
        detail = f"{detail} ({HINT_DAMAGED})"
    elif primary == _READONLY:
        kind = "readonly"
    elif primary in {_BUSY, _LOCKED}:
        kind = "busy"
    elif primary in {_CANTOPEN, _IOERR}:
        kind = "unavailable"
    else:
        kind = "unavailable"
    return StorageError(kind, path, detail)
