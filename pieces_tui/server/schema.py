"""The embedded server's SQLite schema and its versions.

Schema versions (`PRAGMA user_version`): `SCHEMA` is always the newest schema, and a new file gets
it whole, stamped `SCHEMA_VERSION`. An older file is brought up to date on open, one step at a time,
each step in its own transaction; a file stamped newer than `SCHEMA_VERSION` is refused (a
`StorageError` of kind "newer"), never half-used. A file from before versioning (user_version 0 with
tables) counts as version 1. To change the schema, one function:

    def _to_2(conn: sqlite3.Connection) -> None:      # brings a version-1 file to version 2
        conn.execute("ALTER TABLE conversations ADD COLUMN archived INTEGER NOT NULL DEFAULT 0")

    MIGRATIONS[2] = _to_2   # then set SCHEMA_VERSION = 2 and put the change in SCHEMA too

A migration runs inside `BEGIN IMMEDIATE ... COMMIT` (do not commit in it); `executescript` would
commit, so use `execute` per statement. INSERTs name their columns, so adding a column with a
default never breaks them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from pieces_tui.server.storage_errors import StorageError

__all__ = ["MIGRATIONS", "SCHEMA", "SCHEMA_VERSION", "migrate"]

SCHEMA_VERSION = 1

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

# Version N -> the function that brings a version N-1 file to version N (see the module docstring).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file to `SCHEMA_VERSION` (a new one gets `SCHEMA` whole), or refuse it."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StorageError(
            "newer",
            path,
            f"its schema version is {version}, this pieces-tui knows versions up to"
            f" {SCHEMA_VERSION}; upgrade pieces-tui or use another database",
        )
    if version == 0:
        tables = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'conversations'"
        ).fetchone()
        if tables is None:  # a new file: the newest schema at once
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return
        version = 1  # written before versioning: the first schema
        conn.execute("PRAGMA user_version=1")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[target](conn)
            conn.execute(f"PRAGMA user_version={target}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
