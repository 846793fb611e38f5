"""One server per database: an exclusive lock on `<db>.lock`, held while the server runs.

Two servers on one file would each serve, but each stream would miss the other's writes, and two
`--seed` starts on an empty file would race to fill it. The lock is an `flock` on a side file
(not on the database, which SQLite locks in its own way); the kernel drops it when the process
ends, even by SIGKILL, so a stale lock file never blocks a later start. The file holds the pid and
the URL of the holder, for the refusal message.

Where `fcntl` is missing (Windows) the lock is not taken: SQLite's own locking still keeps the
file consistent there; only the "second server refuses" promise is lost.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class DatabaseInUse(Exception):
    """Another server holds the database."""

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        super().__init__(
            f"the database {path} is in use by another pieces-tui server ({holder});"
            " stop it, or pass another --db"
        )


class DatabaseLock:
    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self.db_path = db_path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise DatabaseInUse (OSError if the lock file cannot be made)."""
        if fcntl is None or self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd) or "pid unknown"
            os.close(fd)
            raise DatabaseInUse(self.db_path, holder) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self.note(f"pid {os.getpid()}")

    def note(self, text: str) -> None:
        """Record who holds the lock (shown to a refused second server)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, text.encode(), 0)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing drops the flock


def _read(fd: int) -> str:
    with contextlib.suppress(OSError):
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    return ""
