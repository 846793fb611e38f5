"""The last known conversation list, kept on disk per Pieces OS address, so that the next start can
paint the sidebar at once and reconcile with the server afterwards.

What a snapshot holds: for each conversation, exactly the fields of `ConversationSummary` (id,
name, created and updated times, message count, type, and whatever the sidebar row gains later),
plus the address it came from and when it was written. Never message text, annotations, assets or
anything else. It lives in `$XDG_CACHE_HOME/pieces-tui/lists/` (usually `~/.cache`), one file per
address, readable by the user only.

A snapshot is a hint, never the truth: the app shows it as not yet live and replaces it with the
server's list as soon as that arrives. So loading is strict and all-or-nothing. A file that is
missing, too large, truncated, not JSON, of another format version, written for another address,
whose checksum does not match or with any row of the wrong shape is ignored (and logged), never
partly trusted.

Writing is atomic (a temp file in the same folder, then a rename): a crash mid-write leaves the
old snapshot or none, never half of one.

The format (version 3) is two lines of JSON, rows in display order (newest first), times as
integer microseconds since the epoch:

1. the header: format, version, server, fields, written, `count`, the first `HEAD` rows as arrays
   (`head`), and the second line's length and CRC-32 (`rest`);
2. the other rows, as one array per field (`{"id": [...], "name": [...], ...}`).

Why two parts: the first frame needs the first screenful of rows and the count, not 50,000
summaries (decoding and building them all took ~1.3 s before the first frame at 50,000, loaded).
`open_snapshot` decodes the header and the head (about a millisecond) and checks that the rest
is intact (its length and CRC, a few ms at 50,000); the rest is decoded, with the same checks
value by value, the first time a row beyond the head is read (`SavedList.rows`), in the store.
`load_snapshot` decodes everything at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import operator
import os
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pieces_tui.client.summary import ConversationSummary

__all__ = [
    "MAX_SNAPSHOT_BYTES",
    "SavedList",
    "SnapshotUnusable",
    "load_snapshot",
    "open_snapshot",
    "save_snapshot",
    "snapshot_path",
]

log = logging.getLogger(__name__)

FORMAT = "pieces-tui list snapshot"
VERSION = 3
HEAD = 256
"""Rows decoded for the first frame: more than any terminal shows (two lines a row)."""
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024
"""A file larger than this is not read at all (about 600,000 conversations)."""

FIELDS = ("id", "name", "created", "updated", "message_count", "type", "favorited")
"""The summary's fields, in the order of a row. `save_snapshot` and `_row` use them by position: a
field added to `ConversationSummary` is added there too (a test checks that the two agree)."""
_WIDTH = len(FIELDS)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class SnapshotUnusable(ValueError):
    """Why a snapshot file was not used."""


def snapshot_path(server_url: str, folder: Path) -> Path:
    """The file for one address in `folder`: a hash of the address, so any URL makes a safe name."""
    digest = hashlib.sha256(_normal(server_url).encode("utf-8")).hexdigest()[:24]
    return folder / f"{digest}.json"


def save_snapshot(server_url: str, rows: Iterable[ConversationSummary], folder: Path) -> Path:
    """Write the rows for `server_url` atomically, in display order; raises `OSError` if the
    folder is unusable."""
    encoded: list[list[Any]] = [
        [
            r.id,
            r.name,
            _micros(r.created),
            _micros(r.updated),
            r.message_count,
            r.type,
            r.favorited,
        ]
        for r in rows
    ]
    encoded.sort(key=lambda row: (-row[3], row[0]))  # display order (as given, from the store)
    head, others = encoded[:HEAD], encoded[HEAD:]
    columns = {name: [row[k] for row in others] for k, name in enumerate(FIELDS)}
    rest = json.dumps(columns, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "server": _normal(server_url),
        "fields": list(FIELDS),
        "written": _micros(datetime.now(UTC)),
        "count": len(encoded),
        "head": head,
        "rest": {"bytes": len(rest), "crc32": zlib.crc32(rest)},
    }
    first = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path = snapshot_path(server_url, folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".snapshot-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(first + b"\n" + rest)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


class SavedList:
    """A snapshot opened for painting: its count and first rows (`head`, decoded and checked),
    and the other rows, checked intact (length and CRC) but decoded only by `rows()`."""

    __slots__ = ("_rest", "_rows", "count", "head", "path")

    def __init__(
        self, path: Path, count: int, head: list[ConversationSummary], rest: bytes
    ) -> None:
        self.path = path
        self.count = count
        self.head = head
        self._rest = rest
        self._rows: list[ConversationSummary] | None = None

    def __len__(self) -> int:
        return self.count

    def rows(self) -> list[ConversationSummary]:
        """Every row in display order (the rest decoded and checked on the first call); raises
        `SnapshotUnusable` when any of it is not exactly what `save_snapshot` writes."""
        if self._rows is None:
            try:
                rest = _columns(json.loads(self._rest), self.count - len(self.head), self.head)
            except (ValueError, TypeError, KeyError, OverflowError) as error:
                raise SnapshotUnusable(f"its rows: {error}") from error
            self._rows = [*self.head, *rest]
            self._rest = b""
        return self._rows


def open_snapshot(server_url: str, folder: Path) -> SavedList | None:
    """The snapshot saved for `server_url`, its head decoded and its rest checked intact, or None
    when there is no usable one (why is logged). Never raises for anything in or about the file.
    `SavedList.rows()` may still find a bad value in the rest: it raises `SnapshotUnusable`."""
    path = snapshot_path(server_url, folder)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SNAPSHOT_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("list snapshot %s not read: %s", path, error)
        return None
    try:
        if len(data) > MAX_SNAPSHOT_BYTES:
            raise SnapshotUnusable(f"larger than {MAX_SNAPSHOT_BYTES} bytes")
        return _open(path, data, server_url)
    except (SnapshotUnusable, ValueError, TypeError, KeyError, OverflowError) as error:
        log.warning("list snapshot %s ignored: %s", path, error)
        return None


def load_snapshot(server_url: str, folder: Path) -> list[ConversationSummary] | None:
    """Every row last saved for `server_url` (decoded and checked at once), or None when there is
    no usable snapshot (why is logged). Never raises for anything in or about the file."""
    saved = open_snapshot(server_url, folder)
    if saved is None:
        return None
    try:
        return saved.rows()
    except SnapshotUnusable as error:
        log.warning("list snapshot %s ignored: %s", saved.path, error)
        return None


def _open(path: Path, data: bytes, server_url: str) -> SavedList:
    first, newline, rest = data.partition(b"\n")
    if not newline:
        raise SnapshotUnusable("no second line")
    document = json.loads(first)
    if not isinstance(document, dict):
        raise SnapshotUnusable("not a JSON object")
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise SnapshotUnusable(
            f"format {document.get('format')!r} version {document.get('version')!r}"
        )
    if document.get("server") != _normal(server_url):
        raise SnapshotUnusable(f"written for {document.get('server')!r}")
    if document.get("fields") != list(FIELDS):
        raise SnapshotUnusable(f"fields {document.get('fields')!r}")
    check = document.get("rest")
    if not isinstance(check, dict) or check.get("bytes") != len(rest):
        raise SnapshotUnusable("truncated (the rest is not the length written)")
    if check.get("crc32") != zlib.crc32(rest):
        raise SnapshotUnusable("corrupt (the rest's checksum does not match)")
    head_rows = document.get("head")
    count = document.get("count")
    if not isinstance(head_rows, list) or len(head_rows) > HEAD:
        raise SnapshotUnusable("head is not a list of at most HEAD rows")
    if (
        type(count) is not int
        or count < len(head_rows)
        or (len(head_rows) < HEAD and count != len(head_rows))
    ):
        raise SnapshotUnusable(f"count {count!r} does not match the head")
    head = [_row(row) for row in head_rows]
    keys = [summary.sort_key for summary in head]
    if not all(map(operator.lt, keys, keys[1:])):  # the store bisects it before the rest is read
        raise SnapshotUnusable("rows out of order, or an id twice")
    if len({summary.id for summary in head}) != len(head):
        raise SnapshotUnusable("an id appears twice")
    saved = SavedList(path, count, head, rest)
    if count == len(head):
        saved.rows()  # nothing more to decode: check it all now
    return saved


def _row(row: Any) -> ConversationSummary:
    """One row of the head, checked value by value."""
    if type(row) is not list or len(row) != _WIDTH:
        raise SnapshotUnusable("a row of the wrong shape")
    conversation_id, name, created, updated, message_count, kind, favorited = row
    if (
        type(conversation_id) is not str
        or not conversation_id
        or not (name is None or type(name) is str)
        or type(created) is not int
        or type(updated) is not int
        or type(message_count) is not int
        or message_count < 0
        or type(kind) is not str
        or type(favorited) is not bool
    ):
        raise SnapshotUnusable(f"a row with a value of the wrong type: {row[:1]!r}")
    return ConversationSummary(
        conversation_id,
        name,
        _EPOCH + created * _MICROSECOND,
        _EPOCH + updated * _MICROSECOND,
        message_count,
        kind,
        favorited,
    )


_NONE = type(None)


def _columns(
    document: Any, count: int, head: Sequence[ConversationSummary]
) -> list[ConversationSummary]:
    """The rest's rows from its columns, after the `head`. Each column is checked whole (the set
    of its value types, the order and uniqueness of the keys: C-level passes), not value by
    value in Python: 50,000 rows in tens of ms."""
    if not isinstance(document, dict) or set(document) != set(FIELDS):
        raise SnapshotUnusable("the rest is not one column per field")
    ids, names, created, updated, counts, kinds, favorited = (document[f] for f in FIELDS)
    columns: tuple[Any, ...] = (ids, names, created, updated, counts, kinds, favorited)
    if any(type(column) is not list or len(column) != count for column in columns):
        raise SnapshotUnusable("a column of the wrong length")
    if (
        not _only(ids, {str})
        or "" in ids
        or not _only(names, {str, _NONE})
        or not _only(created, {int})
        or not _only(updated, {int})
        or not _only(counts, {int})
        or (counts and min(counts) < 0)
        or not _only(kinds, {str})
        or not _only(favorited, {bool})
    ):
        raise SnapshotUnusable("a column with a value of the wrong type")
    # Display order, which the store relies on: sort keys (-updated, id) strictly ascending,
    # the head's included (strictly: an id appears once).
    keys = [row.sort_key for row in head]
    keys += zip(map(operator.neg, updated), ids, strict=True)
    if not all(map(operator.lt, keys, keys[1:])):
        raise SnapshotUnusable("rows out of order, or an id twice")
    if len(set(ids).union(row.id for row in head)) != len(keys):
        raise SnapshotUnusable("an id appears twice")
    epoch, microsecond, summary = _EPOCH, _MICROSECOND, ConversationSummary
    return [
        summary(i, n, epoch + c * microsecond, epoch + u * microsecond, m, k, f)
        for i, n, c, u, m, k, f in zip(*columns, strict=True)
    ]


def _only(column: Sequence[Any], types: set[type]) -> bool:
    return set(map(type, column)) <= types


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // _MICROSECOND


def _normal(server_url: str) -> str:
    return server_url.rstrip("/")
