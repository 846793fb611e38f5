"""SQLite storage for the embedded server.

Connections: one writer connection, used under a lock only for the length of a transaction, and one
reader connection per worker thread (WAL lets readers run while a write commits), so reads never
queue behind writes or behind each other. The database runs in WAL mode with
`synchronous=NORMAL`: a commit is in the WAL (and so in the OS page cache) before it returns, which
survives a crash or SIGKILL of this process. It does not promise survival of a power cut or kernel
crash (that would need `synchronous=FULL`); an emulator does not need it.

Every value, ids included, reaches SQL as a bound parameter (`?`); only table and column names
from fixed sets are formatted into statements (see `_check_name`).

Timestamps are stored as fixed-width ISO-8601 UTC text (see `iso`), so text order is time order.

Schema versions and migrations: see schema.py.

On open, `PRAGMA quick_check` must answer "ok"; a damaged file is refused with its path. Every
`sqlite3.Error` becomes a `StorageError` (storage_errors.py); once the file is found damaged, every
later call is refused with the same reason, so no write goes on into a malformed file.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pieces_tui.server import search
from pieces_tui.server.records import (
    ID_CHUNK,
    ConversationRefs,
    NewAnnotation,
    NewConversation,
    NewMessage,
    Row,
    table_rows,
)
from pieces_tui.server.schema import migrate
from pieces_tui.server.storage_errors import StorageError, classify

_EDIT_COLUMNS = frozenset({"name", "model_id"})  # a change of these moves `updated`


def _check_name(name: str, allowed: set[str]) -> None:
    """Table and column names are the only text put into SQL; they come from this package, never
    from a request, and are checked even under `python -O` (which strips asserts)."""
    if name not in allowed:
        raise ValueError(f"unexpected SQL identifier: {name!r}")


class Database:
    def __init__(self, path: str | Path, *, max_pages: int | None = None) -> None:
        """Open (creating or migrating) the database; StorageError if it cannot be used.

        `max_pages` caps the file at that many pages (SQLite's `max_page_count`): a way to meet a
        full disk on purpose."""
        self.path = Path(path)
        self._lock = threading.Lock()  # the writer connection
        self._readers_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._closed = False
        self.broken: StorageError | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self._connect()
        except (sqlite3.Error, OSError) as exc:
            raise classify(exc, self.path) from None
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            if max_pages is not None:
                self._conn.execute(f"PRAGMA max_page_count={int(max_pages)}")
            self._check_integrity()
            migrate(self._conn, self.path)
            # search: the full-text index and the triggers that keep it in step with every
            # write (inside each write's own transaction); built here for a database that
            # lacks it (one from before the index, or whose index was dropped).
            search.install(self._conn)
        except (sqlite3.Error, OSError) as exc:
            self._conn.close()
            raise classify(exc, self.path) from None
        except StorageError:
            self._conn.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        return conn

    def _check_integrity(self) -> None:
        problems = [row[0] for row in self._conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            shown = "; ".join(str(p) for p in problems)
            raise StorageError("damaged", self.path, f"integrity check failed: {shown}")

    @property
    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version")[0][0])

    def close(self) -> None:
        with self._lock, self._readers_lock:
            self._closed = True
            self._conn.close()
            for reader in self._readers:
                reader.close()
            self._readers.clear()

    def _failed(self, exc: sqlite3.Error | OSError) -> StorageError:
        error = classify(exc, self.path)
        if error.damaged:
            self.broken = error
        return error

    def _usable(self) -> None:
        if self.broken is not None:
            raise self.broken
        if self._closed:
            raise StorageError("unavailable", self.path, "the database is closed")

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with self._readers_lock:
                self._usable()
                conn = self._connect()
                self._readers.append(conn)
            self._local.conn = conn
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._usable()
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:  # SQLite may have rolled back already (disk full)
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise self._failed(exc) from None

    @contextmanager
    def locked(self) -> Iterator[sqlite3.Connection]:
        """The writer connection, held for the caller alone (server/rowcache.py: its TEMP
        triggers live on it); SQLite errors come out as StorageError, as from every method."""
        with self._lock:
            self._usable()
            try:
                yield self._conn
            except sqlite3.Error as exc:
                if self._closed:
                    raise StorageError("unavailable", self.path, "the database is closed") from None
                raise self._failed(exc) from None

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        self._usable()
        try:
            return self._reader().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            if self._closed:
                raise StorageError("unavailable", self.path, "the database is closed") from None
            raise self._failed(exc) from None

    @contextmanager
    def reading(self) -> Iterator[search.Read]:
        """Several reads from one snapshot (one read transaction), for search.py. It runs on this
        thread's reader connection, so a search never makes a write wait."""
        self._usable()
        conn = self._reader()
        try:
            conn.execute("BEGIN")
            try:
                yield lambda sql, params: conn.execute(sql, params).fetchall()
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._failed(exc) from None

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
        rows = table_rows(conversations)
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO conversations"
                " (id, name, type, favorited, demo, model_id, created, updated)"
                " VALUES (?,?,?,?,?,?,?,?)",
                rows.conversations,
            )
            db.executemany(
                "INSERT INTO messages"
                " (id, conversation_id, position, role, raw, model_id, created, updated)"
                " VALUES (?,?,?,?,?,?,?,?)",
                rows.messages,
            )
            db.executemany(
                "INSERT INTO annotations (id, conversation_id, type, text, created, updated)"
                " VALUES (?,?,?,?,?,?)",
                rows.annotations,
            )
            db.executemany(
                "INSERT INTO conversation_assets (conversation_id, asset_id, position)"
                " VALUES (?,?,?)",
                rows.assets,
            )
            db.executemany(
                "INSERT INTO conversation_websites (conversation_id, website_id, position)"
                " VALUES (?,?,?)",
                rows.websites,
            )

    def insert_assets(self, rows: Sequence[tuple[str, str, str, str, str, str]]) -> None:
        """Rows of (id, name, ext, raw, created, updated)."""
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO assets (id, name, ext, raw, created, updated) VALUES (?,?,?,?,?,?)",
                rows,
            )

    def insert_websites(self, rows: Sequence[tuple[str, str, str, str, str]]) -> None:
        """Rows of (id, name, url, created, updated)."""
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO websites (id, name, url, created, updated) VALUES (?,?,?,?,?)", rows
            )

    def update_conversation(
        self, conversation_id: str, changes: dict[str, Any], updated: str
    ) -> bool:
        """Apply column changes (name, favorited, model_id); False if unknown. `updated` moves only
        when the name or model changes: a star is not an edit, nor is sending back stored values."""
        for column in changes:
            _check_name(column, {"name", "favorited", "model_id"})
        sets = "".join(f"{column} = ?, " for column in changes)
        edits = [column for column in changes if column in _EDIT_COLUMNS]
        edited = " OR ".join(f"{column} IS NOT ?" for column in edits) or "0"
        with self._transaction() as db:
            cursor = db.execute(
                f"UPDATE conversations SET {sets}"
                f"updated = CASE WHEN {edited} THEN ? ELSE updated END WHERE id = ?",
                (*changes.values(), *(changes[c] for c in edits), updated, conversation_id),
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
                "INSERT INTO messages"
                " (id, conversation_id, position, role, raw, model_id, created, updated)"
                " SELECT ?, ?, COALESCE(MAX(position) + 1, 0), ?, ?, ?, ?, ?"
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

    # -- OS-level reads and writes (server/routes_os.py) -----------------------------------------

    def all_messages(self) -> list[Row]:
        """Every message, grouped by conversation (most recently updated first), in order."""
        rows = self._query(
            "SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " ORDER BY c.updated DESC, c.rowid DESC, m.position"
        )
        return [dict(row) for row in rows]

    def all_annotations(self, annotation_type: str | None = None) -> list[Row]:
        sql = "SELECT * FROM annotations"
        params: tuple[str, ...] = ()
        if annotation_type is not None:
            sql += " WHERE type = ?"
            params = (annotation_type,)
        return [dict(row) for row in self._query(sql + " ORDER BY rowid", params)]

    def add_annotation(self, conversation_id: str, note: NewAnnotation, updated: str) -> bool:
        """Attach an annotation to a conversation and move its `updated`. False if unknown."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE conversations SET updated = ? WHERE id = ?", (updated, conversation_id)
            )
            if cursor.rowcount != 1:
                return False
            db.execute(
                "INSERT INTO annotations (id, conversation_id, type, text, created, updated)"
                " VALUES (?,?,?,?,?,?)",
                (note.id, conversation_id, note.type, note.text, updated, updated),
            )
            return True

    def delete_message(self, message_id: str, updated: str) -> str | None:
        """Delete a message and move its conversation's `updated`; the conversation id, or None."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (updated, row[0]))
            return str(row[0])

    def update_message(self, message_id: str, changes: dict[str, Any], updated: str) -> str | None:
        """Apply column changes (raw, role) to a message, moving its and its conversation's
        `updated`; the conversation id, or None if the message is unknown."""
        for column in changes:
            _check_name(column, {"raw", "role"})
        sets = "".join(f"{column} = ?, " for column in changes)
        with self._transaction() as db:
            row = db.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return None
            db.execute(
                f"UPDATE messages SET {sets}updated = ? WHERE id = ?",
                (*changes.values(), updated, message_id),
            )
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (updated, row[0]))
            return str(row[0])
