"""SQLite storage for the embedded server.

One connection, guarded by a lock, used from worker threads. The database runs in WAL mode with
`synchronous=NORMAL`: a commit is in the WAL (and so in the OS page cache) before it returns, which
survives a crash or SIGKILL of this process. It does not promise survival of a power cut or kernel
crash (that would need `synchronous=FULL`); an emulator does not need it.

Every value, ids included, reaches SQL as a bound parameter (`?`); only table and column names
from fixed sets are formatted into statements (see `_check_name`).

Timestamps are stored as fixed-width ISO-8601 UTC text (see `iso`), so text order is time order.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    name TEXT,
    type TEXT NOT NULL DEFAULT 'COPILOT',
    favorited INTEGER NOT NULL DEFAULT 0,
    demo INTEGER NOT NULL DEFAULT 0,
    model_id TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_updated ON conversations(updated DESC);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    role TEXT NOT NULL,
    raw TEXT NOT NULL,
    model_id TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id, position);
CREATE TABLE IF NOT EXISTS annotations (
    id TEXT PRIMARY KEY,
    conversation_id TEXT REFERENCES conversations(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    text TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS annotations_by_conversation ON annotations(conversation_id);
CREATE TABLE IF NOT EXISTS assets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    ext TEXT NOT NULL,
    raw TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS websites (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS conversation_assets (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, asset_id)
);
CREATE TABLE IF NOT EXISTS conversation_websites (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    website_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, website_id)
);
"""

Row = dict[str, Any]
ID_CHUNK = 500  # ids per `IN (?, ...)` query


def _check_name(name: str, allowed: set[str]) -> None:
    """Table and column names are the only text put into SQL; they come from this package, never
    from a request, and are checked even under `python -O` (which strips asserts)."""
    if name not in allowed:
        raise ValueError(f"unexpected SQL identifier: {name!r}")


def iso(moment: datetime) -> str:
    """Fixed-width ISO-8601 UTC text, e.g. `2026-11-20T09:00:00.000000Z`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class NewMessage:
    id: str
    role: str
    raw: str
    created: str
    model_id: str | None = None


@dataclass
class NewAnnotation:
    id: str
    type: str
    text: str


@dataclass
class NewConversation:
    id: str
    created: str
    name: str | None = None
    type: str = "COPILOT"
    favorited: bool = False
    demo: bool = False
    model_id: str | None = None
    updated: str | None = None
    messages: list[NewMessage] = field(default_factory=list)
    annotations: list[NewAnnotation] = field(default_factory=list)
    asset_ids: list[str] = field(default_factory=list)
    website_ids: list[str] = field(default_factory=list)


@dataclass
class ConversationRefs:
    """The flattened references of a set of conversations, fetched in bulk (one query per kind)."""

    messages: dict[str, list[str]]
    annotations: dict[str, list[str]]
    assets: dict[str, list[str]]
    websites: dict[str, list[str]]


class Database:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, held for the caller alone (used by server/rowcache.py)."""
        with self._lock:
            yield self._conn

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # -- reads -----------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not self._query("SELECT 1 FROM conversations LIMIT 1") and not self._query(
            "SELECT 1 FROM assets LIMIT 1"
        )

    def conversation_ids(self) -> list[str]:
        """Ids of all conversations, most recently updated first."""
        rows = self._query("SELECT id FROM conversations ORDER BY updated DESC, rowid DESC")
        return [row[0] for row in rows]

    def conversations(self, conversation_id: str | None = None) -> list[Row]:
        sql = "SELECT * FROM conversations"
        params: tuple[str, ...] = ()
        if conversation_id is not None:
            sql += " WHERE id = ?"
            params = (conversation_id,)
        rows = self._query(sql + " ORDER BY updated DESC, rowid DESC", params)
        return [dict(row) for row in rows]

    def refs(self, conversation_id: str | None = None) -> ConversationRefs:
        """Message, annotation, asset and website ids per conversation, in order."""
        where = "" if conversation_id is None else " WHERE conversation_id = ?"
        params: tuple[str, ...] = () if conversation_id is None else (conversation_id,)

        def grouped(sql: str) -> dict[str, list[str]]:
            out: dict[str, list[str]] = {}
            for owner, ref in self._query(sql, params):
                out.setdefault(owner, []).append(ref)
            return out

        return ConversationRefs(
            messages=grouped(
                f"SELECT conversation_id, id FROM messages{where}"
                " ORDER BY conversation_id, position"
            ),
            annotations=grouped(
                f"SELECT conversation_id, id FROM annotations{where}"
                " ORDER BY conversation_id, rowid"
            ),
            assets=grouped(
                f"SELECT conversation_id, asset_id FROM conversation_assets{where}"
                " ORDER BY conversation_id, position"
            ),
            websites=grouped(
                f"SELECT conversation_id, website_id FROM conversation_websites{where}"
                " ORDER BY conversation_id, position"
            ),
        )

    def messages(self, conversation_id: str) -> list[Row]:
        rows = self._query(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY position",
            (conversation_id,),
        )
        return [dict(row) for row in rows]

    def one(self, table: str, row_id: str) -> Row | None:
        _check_name(table, {"messages", "annotations", "assets", "websites", "conversations"})
        rows = self._query(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        return dict(rows[0]) if rows else None

    def assets(self) -> list[Row]:
        return [dict(row) for row in self._query("SELECT * FROM assets ORDER BY created DESC")]

    def existing(self, table: str, ids: Iterable[str]) -> set[str]:
        """Which of `ids` are rows of `table` (asked in chunks: SQLite bounds bound parameters)."""
        _check_name(table, {"assets", "websites"})
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        for start in range(0, len(wanted), ID_CHUNK):
            chunk = wanted[start : start + ID_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._query(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)
            found.update(row[0] for row in rows)
        return found

    # -- writes (each commits before returning) --------------------------------------------------

    def insert_conversations(self, conversations: Sequence[NewConversation]) -> None:
        """Insert conversations with their messages, annotations and links in one transaction."""
        convs, msgs, notes, assets, sites = [], [], [], [], []
        for conv in conversations:
            last = conv.messages[-1].created if conv.messages else conv.created
            updated = conv.updated or max(conv.created, last)
            convs.append(
                (
                    conv.id,
                    conv.name,
                    conv.type,
                    int(conv.favorited),
                    int(conv.demo),
                    conv.model_id,
                    conv.created,
                    updated,
                )
            )
            for pos, msg in enumerate(conv.messages):
                msgs.append(
                    (
                        msg.id,
                        conv.id,
                        pos,
                        msg.role,
                        msg.raw,
                        msg.model_id,
                        msg.created,
                        msg.created,
                    )
                )
            for note in conv.annotations:
                notes.append((note.id, conv.id, note.type, note.text, conv.created, conv.created))
            assets += [(conv.id, a, pos) for pos, a in enumerate(dict.fromkeys(conv.asset_ids))]
            sites += [(conv.id, w, pos) for pos, w in enumerate(dict.fromkeys(conv.website_ids))]
        with self._transaction() as db:
            db.executemany("INSERT INTO conversations VALUES (?,?,?,?,?,?,?,?)", convs)
            db.executemany("INSERT INTO messages VALUES (?,?,?,?,?,?,?,?)", msgs)
            db.executemany("INSERT INTO annotations VALUES (?,?,?,?,?,?)", notes)
            db.executemany("INSERT INTO conversation_assets VALUES (?,?,?)", assets)
            db.executemany("INSERT INTO conversation_websites VALUES (?,?,?)", sites)

    def insert_assets(self, rows: Sequence[tuple[str, str, str, str, str, str]]) -> None:
        """Rows of (id, name, ext, raw, created, updated)."""
        with self._transaction() as db:
            db.executemany("INSERT INTO assets VALUES (?,?,?,?,?,?)", rows)

    def insert_websites(self, rows: Sequence[tuple[str, str, str, str, str]]) -> None:
        """Rows of (id, name, url, created, updated)."""
        with self._transaction() as db:
            db.executemany("INSERT INTO websites VALUES (?,?,?,?,?)", rows)

    def update_conversation(
        self, conversation_id: str, changes: dict[str, Any], updated: str
    ) -> bool:
        """Apply column changes (name, favorited, model_id) and move `updated`. False if unknown."""
        for column in changes:
            _check_name(column, {"name", "favorited", "model_id"})
        sets = "".join(f"{column} = ?, " for column in changes)
        with self._transaction() as db:
            cursor = db.execute(
                f"UPDATE conversations SET {sets}updated = ? WHERE id = ?",
                (*changes.values(), updated, conversation_id),
            )
            return cursor.rowcount == 1

    def append_message(self, conversation_id: str, message: NewMessage, updated: str) -> bool:
        """Append a message, move the conversation's `updated`. False if it is unknown."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE conversations SET updated = ? WHERE id = ?", (updated, conversation_id)
            )
            if cursor.rowcount != 1:
                return False
            db.execute(
                "INSERT INTO messages SELECT ?, ?, COALESCE(MAX(position) + 1, 0), ?, ?, ?, ?, ?"
                " FROM messages WHERE conversation_id = ?",
                (
                    message.id,
                    conversation_id,
                    message.role,
                    message.raw,
                    message.model_id,
                    message.created,
                    message.created,
                    conversation_id,
                ),
            )
            return True

    def delete_conversation(self, conversation_id: str) -> bool:
        with self._transaction() as db:
            cursor = db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            return cursor.rowcount == 1
