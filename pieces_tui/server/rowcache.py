"""The `GET /conversations` body from per-conversation JSON kept in memory until a write touches it.

Serialising 50,000 conversations takes seconds; a conversation only changes when one of its rows
does. So each conversation's JSON text is built once and kept, and the database itself says which
conversations a write touched: TEMP triggers (on this connection only, nothing is added to the
file's schema) record the conversation id of every row inserted, updated or deleted in
`conversations`, `messages`, `annotations`, `conversation_assets` and `conversation_websites`,
whatever code path made the write. A body then re-reads only those conversations, plus the one
query for the current order; with nothing touched, the last body is sent again as it is. A
write made by another connection (which these triggers do not see) shows as a new
`PRAGMA data_version`, and then everything is rebuilt.

The body is byte for byte `wire.conversations_bytes(db.conversations(), db.refs())`;
tests/server/test_rowcache.py checks that, after every kind of write.
"""

from __future__ import annotations

import logging
import threading

from pieces_tui.server import wire
from pieces_tui.server.db import Database
from pieces_tui.server.records import ID_CHUNK

log = logging.getLogger(__name__)

# Which column of each table holds the id of the conversation a row belongs to.
_OWNER_COLUMNS = {
    "conversations": "id",
    "messages": "conversation_id",
    "annotations": "conversation_id",
    "conversation_assets": "conversation_id",
    "conversation_websites": "conversation_id",
}
_TOUCHED = "temp.pieces_tui_touched"

# More conversations to rebuild than this: read them all in bulk (a handful of queries) instead
# of one by one (five small queries each).
ONE_BY_ONE = 64


def _trigger_sql() -> str:
    statements = [f"CREATE TEMP TABLE IF NOT EXISTS {_TOUCHED[5:]} (id TEXT PRIMARY KEY)"]
    for table, column in _OWNER_COLUMNS.items():
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            body = "".join(
                f"INSERT OR IGNORE INTO {_TOUCHED[5:]} SELECT {row}.{column}"
                f" WHERE {row}.{column} IS NOT NULL; "
                for row in rows
            )
            statements.append(
                f"CREATE TEMP TRIGGER IF NOT EXISTS pieces_tui_touch_{table}_{event.lower()}"
                f" AFTER {event} ON main.{table} BEGIN {body}END"
            )
    return ";\n".join(statements) + ";"


class ConversationsCache:
    """Builds `GET /conversations` bodies for one `Database`, reusing unchanged conversations."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._texts: dict[str, bytes] = {}  # id -> the conversation's JSON
        self._keys: dict[str, tuple[str, int]] = {}  # id -> (updated, rowid): the list's order
        self._quoted: dict[str, str] = {}  # id -> its JSON string literal
        self._keys_complete = False
        self._order: list[str] | None = None  # ids by `_keys`, newest first
        self._body: bytes | None = None  # the last body, while nothing has been touched since
        self._ids_body: bytes | None = None  # the last identifiers body, while `_order` holds
        self._lock = threading.Lock()  # one body at a time (they run in worker threads)
        self._data_version = -1
        self.serialised = 0  # conversations serialised so far (tests and benchmarks read it)
        with db.locked() as conn:
            conn.executescript(_trigger_sql())

    def __len__(self) -> int:
        return len(self._texts)

    def _forget_touched(self) -> list[str]:
        with self._db.locked() as conn:
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            touched = [row[0] for row in conn.execute(f"SELECT id FROM {_TOUCHED}")]
            if touched:
                conn.execute(f"DELETE FROM {_TOUCHED}")
        if version != self._data_version:  # another connection wrote: trust nothing kept
            self._data_version = version
            self._texts.clear()
            self._keys.clear()
            self._keys_complete = False
            self._order = self._body = None
        if touched:
            self._order = self._body = None
        for conversation_id in touched:
            self._texts.pop(conversation_id, None)
            self._keys.pop(conversation_id, None)
        return touched

    def _load_keys(self, ids: list[str] | None) -> None:
        """The order of `ids` (None: of every conversation): `Database.conversation_ids()` sorts
        by `updated DESC, rowid DESC`, and so does `body` (text order is byte order here)."""
        sql = "SELECT id, updated, rowid FROM conversations"
        chunks = (
            [None] if ids is None else [ids[k : k + ID_CHUNK] for k in range(0, len(ids), ID_CHUNK)]
        )
        with self._db.locked() as conn:
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples: 50,000 `sqlite3.Row`s cost ~0.1 s
            for chunk in chunks:
                if chunk is None:
                    cursor.execute(sql)
                else:
                    cursor.execute(f"{sql} WHERE id IN ({','.join('?' * len(chunk))})", chunk)
                for conversation_id, updated, rowid in cursor:
                    self._keys[conversation_id] = (updated, rowid)
                    if conversation_id not in self._quoted:
                        self._quoted[conversation_id] = wire.quote(conversation_id)

    def _rebuild(self, missing: list[str]) -> None:
        if len(missing) > ONE_BY_ONE:
            rows = self._db.conversations()
            refs = self._db.refs()
            wanted = set(missing)
            for row in rows:
                if row["id"] in wanted:
                    self._texts[row["id"]] = wire.conversation_bytes(row, refs)
                    self.serialised += 1
            return
        for conversation_id in missing:
            rows = self._db.conversations(conversation_id)
            if rows:  # deleted meanwhile: the trigger has noted it, the next body drops it
                refs = self._db.refs(conversation_id)
                self._texts[conversation_id] = wire.conversation_bytes(rows[0], refs)
                self.serialised += 1

    def _current_order(self, touched: list[str]) -> list[str]:
        """Every conversation id, most recently updated first (under `_lock`, after
        `_forget_touched`)."""
        if not self._keys_complete:
            self._load_keys(None)
            self._keys_complete = True
        elif touched:
            self._load_keys(touched)
        if self._order is None:
            keys = self._keys
            self._order = sorted(keys, key=keys.__getitem__, reverse=True)
            self._ids_body = None
            if len(self._quoted) > 2 * len(keys) + 64:  # forget the literals of deleted ids
                self._quoted = {cid: self._quoted[cid] for cid in keys if cid in self._quoted}
        return self._order

    def ids(self) -> list[str]:
        """Every conversation id, most recently updated first: `Database.conversation_ids()`
        without its sort of every row (a new list: the caller may keep it)."""
        with self._lock:
            return list(self._current_order(self._forget_touched()))

    def identifiers_body(self) -> bytes:
        """The `GET /conversations/identifiers` document, `{"iterable":[{"id":...},...]}`."""
        with self._lock:
            order = self._current_order(self._forget_touched())
            if self._ids_body is None:
                quoted = self._quoted
                items = ",".join([f'{{"id":{quoted[cid]}}}' for cid in order])
                self._ids_body = f'{{"iterable":[{items}]}}'.encode()
            return self._ids_body

    def body(self) -> bytes:
        """The `Conversations` document, most recently updated first."""
        with self._lock:
            touched = self._forget_touched()
            if self._body is not None:
                return self._body
            order = self._current_order(touched)
            texts = self._texts
            missing = [cid for cid in order if cid not in texts]
            if missing:
                self._rebuild(missing)
            # A conversation deleted since its key was read has no text: it is left out (and
            # forgotten at the next body, its trigger having noted it).
            ordered = [cid for cid in order if cid in texts]
            quoted = self._quoted
            body = wire.conversations_document(
                [quoted[cid] for cid in ordered], [texts[cid] for cid in ordered]
            )
            self._body = body
            return body

    def warm(self) -> None:
        """Build the first body in a background thread, so the first request finds it built."""

        def run() -> None:
            try:
                self.body()
            except Exception as exc:  # e.g. the server stopped and closed the db meanwhile:
                # harmless, the first request builds the body and reports its own errors
                log.debug("warming the conversations cache stopped: %r", exc)

        threading.Thread(target=run, name="pieces-tui-cache-warm", daemon=True).start()
