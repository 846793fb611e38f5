"""The cached `GET /conversations` body (server/rowcache.py) is the uncached one, after any write.

The reference is the dict-building path, `wire.dumps(wire.conversations(...))`, written
independently of the text path the server sends; both are compared with every cached body.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from pieces_tui.server import EmbeddedServer, demo, wire
from pieces_tui.server.db import Database
from pieces_tui.server.records import NewConversation, NewMessage
from pieces_tui.server.rowcache import ConversationsCache

NOW = "2026-12-01T00:00:00.000000Z"


def reference_ids(db: Database) -> bytes:
    """The identifiers document as the route built it before the cache: from the sorted query."""
    return wire.dumps({"iterable": [{"id": cid} for cid in db.conversation_ids()]})


def check_ids(cache: ConversationsCache, db: Database) -> None:
    assert cache.ids() == db.conversation_ids()
    assert cache.identifiers_body() == reference_ids(db)


def reference(db: Database) -> bytes:
    rows, refs = db.conversations(), db.refs()
    expected = wire.dumps(wire.conversations(rows, refs))
    assert wire.conversations_bytes(rows, refs) == expected
    return expected


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "cache.db")
    demo.populate(database, demo=True, seed=30)
    yield database
    database.close()


def sql(db: Database, statement: str, *params: object) -> None:
    """A write no Database method makes yet (message edits, annotations, links): the cache must
    see it all the same, since its triggers watch the tables, not the code paths."""
    with db.locked() as conn:
        conn.execute(statement, params)


def first_message(db: Database, cid: str) -> str:
    return str(db.messages(cid)[0]["id"])


# Each write touches exactly one conversation, the second most recent (the first, for a create).
WRITES: dict[str, Callable[[Database, str], None]] = {
    "create": lambda db, cid: db.insert_conversations(
        [NewConversation(id="new-1", created=NOW, name="New", messages=[])]
    ),
    "rename": lambda db, cid: db.update_conversation(cid, {"name": "Renamed"}, NOW),
    # (toggled: a star does not move `updated`, so setting the value it has changes nothing)
    "favourite": lambda db, cid: db.update_conversation(
        cid, {"favorited": 1 - db.one("conversations", cid)["favorited"]}, NOW
    ),
    "model": lambda db, cid: db.update_conversation(cid, {"model_id": "gpt-4o"}, NOW),
    "message add": lambda db, cid: db.append_message(
        cid, NewMessage("m-new", "USER", "Hello", NOW), NOW
    ),
    "message update": lambda db, cid: sql(
        db, "UPDATE messages SET position = 99 WHERE id = ?", first_message(db, cid)
    ),
    "message delete": lambda db, cid: sql(
        db, "DELETE FROM messages WHERE id = ?", first_message(db, cid)
    ),
    "annotation add": lambda db, cid: sql(
        db, "INSERT INTO annotations VALUES ('a-new', ?, 'COMMENT', 'Note', ?, ?)", cid, NOW, NOW
    ),
    "annotation delete": lambda db, cid: sql(
        db, "DELETE FROM annotations WHERE conversation_id = ?", cid
    ),
    "asset link": lambda db, cid: sql(
        db, "INSERT INTO conversation_assets VALUES (?, 'asset-x', 7)", cid
    ),
    "website unlink": lambda db, cid: sql(
        db, "DELETE FROM conversation_websites WHERE conversation_id = ?", cid
    ),
    "delete": lambda db, cid: db.delete_conversation(cid),
}


def test_first_body_equals_the_uncached_one(db: Database) -> None:
    cache = ConversationsCache(db)
    assert cache.body() == reference(db)
    assert cache.serialised == len(db.conversation_ids())
    assert cache.body() == reference(db)
    assert cache.serialised == len(db.conversation_ids())  # nothing rebuilt


@pytest.mark.parametrize("kind", list(WRITES))
def test_a_write_reserialises_the_conversation_it_touched(db: Database, kind: str) -> None:
    cache = ConversationsCache(db)
    before = cache.body()
    ids = db.conversation_ids()
    cid = ids[1]
    if kind == "annotation delete":
        cid = next(c for c in ids if db.refs(c).annotations)
    if kind == "website unlink":
        cid = next(c for c in ids if db.refs(c).websites)
    built = cache.serialised
    check_ids(cache, db)
    WRITES[kind](db, cid)
    check_ids(cache, db)  # the order first, then the body (each consumes what was touched)
    after = cache.body()
    assert after == reference(db)
    assert after != before
    # Only the touched conversation was serialised again (none for a delete).
    assert cache.serialised - built == (0 if kind == "delete" else 1)
    if kind == "delete":
        assert cid not in {c["id"] for c in json.loads(after)["iterable"]}
        assert len(cache) == len(db.conversation_ids())


def test_many_writes_rebuild_in_bulk_and_stay_equal(db: Database) -> None:
    cache = ConversationsCache(db)
    cache.body()
    for n, cid in enumerate(db.conversation_ids()):
        db.update_conversation(cid, {"name": f"Bulk {n}"}, NOW)
    assert cache.body() == reference(db)
    check_ids(cache, db)


def test_a_write_by_another_connection_rebuilds_everything(db: Database) -> None:
    cache = ConversationsCache(db)
    cache.body()
    cid = db.conversation_ids()[3]
    other = sqlite3.connect(db.path, isolation_level=None)
    try:  # the cache's triggers live on its own connection and do not see this one
        other.execute("UPDATE conversations SET name = 'Elsewhere' WHERE id = ?", (cid,))
    finally:
        other.close()
    assert cache.body() == reference(db)
    assert b'"name":"Elsewhere"' in cache.body()
    other = sqlite3.connect(db.path, isolation_level=None)
    try:  # the order too: a move to the top made elsewhere
        other.execute("UPDATE conversations SET updated = '2099-01-01' WHERE id = ?", (cid,))
    finally:
        other.close()
    check_ids(cache, db)
    assert cache.ids()[0] == cid


def test_the_server_sends_the_uncached_body_after_each_route(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    server = make_server(demo=True)
    reader = Database(server.db_path)  # a second connection (WAL): the reference's own reads
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:

            def check() -> list[str]:
                response = http.get("/conversations")
                assert response.status_code == 200
                assert response.content == reference(reader)
                identifiers = http.get("/conversations/identifiers")
                assert identifiers.content == reference_ids(reader)
                return [c["id"] for c in response.json()["iterable"]]

            ids = check()
            created = http.post("/conversations/create", json={"type": "COPILOT", "name": "N"})
            assert check()[0] == created.json()["id"]
            body = http.get(f"/conversation/{ids[2]}").json()
            body["name"] = "Renamed over HTTP"
            assert http.post("/conversation/update", json=body).status_code == 200
            assert check()[0] == ids[2]
            message = {
                "role": "USER",
                "fragment": {"string": {"raw": "More"}},
                "conversation": {"id": ids[4]},
            }
            assert http.post("/messages/create", json=message).status_code == 200
            assert check()[0] == ids[4]
            assert http.post(f"/conversations/{ids[4]}/delete").status_code == 204
            assert ids[4] not in check()
    finally:
        reader.close()
