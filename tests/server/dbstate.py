"""The server's SQLite file, read directly: a second connection (WAL lets it read meanwhile)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

TABLES = (
    "conversations",
    "messages",
    "annotations",
    "assets",
    "websites",
    "conversation_assets",
    "conversation_websites",
)


def table_counts(path: Path) -> dict[str, int]:
    """Row count of every table, plus the schema's object names (a dropped table shows)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES
        }
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master ORDER BY name")]
    conn.close()
    counts["schema objects"] = len(names)
    return counts


def integrity(path: Path) -> tuple[str, list[tuple[object, ...]]]:
    """`PRAGMA integrity_check` (expect "ok") and `PRAGMA foreign_key_check` (expect [])."""
    with sqlite3.connect(path) as conn:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
    conn.close()
    return check, orphans
