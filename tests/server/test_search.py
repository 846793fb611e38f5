"""Full-text search over real sockets: what it finds, how it ranks, how it refuses, and that the
index stays in step with every write (and across restarts)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from pieces_tui.server import EmbeddedServer

TIMEOUT = 10


def search_body(query: Any, **full_text: Any) -> dict[str, Any]:
    engine: dict[str, Any] = {"query": query}
    if full_text:
        engine["full_text"] = full_text
    return {"engines": {"iterable": [engine]}}


def search(http: httpx.Client, query: str, path: str = "/conversations/search", **opts: Any):
    params = opts.pop("params", None)
    response = http.post(path, json=search_body(query, **opts), params=params)
    assert response.status_code == 200, response.text
    return response.json()["iterable"]


def create(http: httpx.Client, name: str, *texts: str, notes: tuple[str, ...] = ()) -> str:
    body: dict[str, Any] = {
        "name": name,
        "messages": [{"role": "USER", "fragment": {"string": {"raw": t}}} for t in texts],
        "annotations": [{"type": "SUMMARY", "text": t} for t in notes],
    }
    response = http.post("/conversations/create", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def add_message(http: httpx.Client, conversation_id: str, text: str) -> str:
    body = {
        "role": "ASSISTANT",
        "fragment": {"string": {"raw": text}},
        "conversation": {"id": conversation_id},
    }
    response = http.post("/messages/create", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def ids(results: list[dict[str, Any]]) -> list[str]:
    return [r["identifier"] for r in results]


@pytest.fixture
def http(server: EmbeddedServer):
    with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
        yield client


def test_finds_a_word_only_in_a_body_only_in_an_annotation_only_in_a_name(
    http: httpx.Client,
) -> None:
    in_body = create(http, "Plain one", "the quokka lives on Rottnest", "nothing here")
    in_note = create(http, "Plain two", "nothing here", notes=("all about the axolotl",))
    in_name = create(http, "Pangolin facts", "nothing here")

    [hit] = search(http, "quokka")
    assert hit["identifier"] == in_body
    [message] = hit["messages"]["iterable"]
    assert message["snippet"] == {"text": "the quokka lives on Rottnest", "matches": [[4, 10]]}
    assert "annotations" not in hit and "conversation" not in hit

    [hit] = search(http, "axolotl")
    assert hit["identifier"] == in_note
    assert "messages" not in hit
    [note] = hit["annotations"]["iterable"]
    assert note["snippet"]["matches"] == [[14, 21]]

    [hit] = search(http, "pangolin")
    assert hit["identifier"] == in_name
    assert "messages" not in hit and "annotations" not in hit
    assert hit["exact"] is True and 0 < hit["similarity"] < 1


def test_exact_phrase_ranks_above_scattered_words(http: httpx.Client) -> None:
    scattered = create(http, "a", "the cache was cold and the key was hot")
    phrase = create(http, "b", "we evict the cache key on every write")
    elsewhere = create(http, "c", "a cache, and in another place a key")
    results = search(http, "cache key")
    assert ids(results)[0] == phrase
    assert set(ids(results)) == {scattered, phrase, elsewhere}
    assert [r["exact"] for r in results] == [True, False, False]
    # exact: only the phrase as typed
    assert ids(search(http, "cache key", exact=True)) == [phrase]
    assert search(http, "key cache", exact=True) == []


def test_prefixes_case_and_diacritics(http: httpx.Client) -> None:
    conv = create(http, "Crème brûlée notes", "RETRYING the Café request")
    for query in ("retry", "RETR", "cafe", "CAFÉ", "creme brulee", "brû"):
        assert ids(search(http, query)) == [conv], query
    [message] = search(http, "cafe")[0]["messages"]["iterable"]
    assert message["snippet"]["matches"] == [[13, 17]]  # "Café", not folded in the text
    assert search(http, "retrying", exact=True) and not search(http, "retr", exact=True)


@pytest.mark.parametrize(
    "query",
    ['"', "AND", "*", "NEAR(", "a OR b", "NOT x", "body: x", "^x", "x AND (y", "'", "-", "\\"],
)
def test_fts_syntax_in_a_query_is_just_text(http: httpx.Client, query: str) -> None:
    create(http, "near and not", "x y body a b")
    response = http.post("/conversations/search", json=search_body(query))
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["iterable"], list)


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (
            {"engines": {"iterable": [{"query": "x", "embeddings": {"type": "X"}}]}},
            400,
            "embeddings",
        ),
        ({"engines": {"iterable": [{"query": "x", "temporal": {}}]}}, 400, "temporal"),
        ({"engines": {"iterable": [{"query": "x", "workstream": {}}]}}, 400, "workstream"),
        ({"engines": {"iterable": [{"operations": {"iterable": []}}]}}, 400, "operations"),
        ({"engines": {"iterable": []}}, 400, "exactly one"),
        ({"engines": {"iterable": [{"query": "a"}, {"query": "b"}]}}, 400, "exactly one"),
        ({"engines": {"iterable": [{"query": "  "}]}}, 400, "query is required"),
        ({"engines": {"iterable": [{}]}}, 400, "query is required"),
        ({"engines": {"iterable": [{"query": "x" * 1001}]}}, 400, "too long"),
        ({"engines": {"iterable": [{"query": " ".join("w" * 17)}]}}, 400, "words"),
        (search_body("x", similarity=2), 422, "similarity"),
        (search_body(["x"]), 422, "query"),
        ({"query": "x"}, 422, "engines"),
    ],
)
def test_bad_searches_answer_a_reason(
    http: httpx.Client, body: dict[str, Any], status: int, reason: str
) -> None:
    for path in ("/conversations/search", "/messages/search"):
        response = http.post(path, json=body)
        assert response.status_code == status, response.text
        assert reason in response.text
        assert "Traceback" not in response.text


def test_bad_bodies_and_limits(http: httpx.Client) -> None:
    assert http.post("/conversations/search").status_code == 400
    json_type = {"content-type": "application/json"}
    assert http.post("/conversations/search", content=b"{", headers=json_type).status_code == 400
    # A body that does not say it is JSON is refused before it is read (server/guard.py).
    assert http.post("/conversations/search", content=b"{}").status_code == 415
    for bad in ("0", "-1", "x", "1001"):
        response = http.post("/conversations/search", json=search_body("x"), params={"limit": bad})
        assert response.status_code == 400 and "limit" in response.text
    missing = http.post("/conversation/nope/search", json=search_body("x"))
    assert missing.status_code == 404 and "nope" in missing.text


def test_limit_and_similarity_threshold(http: httpx.Client) -> None:
    for n in range(5):
        create(http, f"c{n}", "walrus " * (n + 1))
    assert len(search(http, "walrus", params={"limit": "2"})) == 2
    everything = search(http, "walrus")
    assert len(everything) == 5
    cut = sorted(r["similarity"] for r in everything)[2]
    assert {r["similarity"] for r in search(http, "walrus", similarity=cut)} == {
        s for s in (r["similarity"] for r in everything) if s >= cut
    }


def test_messages_of_one_conversation_and_of_all(http: httpx.Client) -> None:
    one = create(http, "one", "gnu first", "nothing", "gnu gnu second")
    other = create(http, "other", "gnu elsewhere")
    found = search(http, "gnu", path=f"/conversation/{one}/search")
    assert len(found) == 2 and all("message" not in m for m in found)
    full = search(http, "gnu", path=f"/conversation/{one}/search", params={"transferables": "true"})
    assert {m["message"]["conversation"]["id"] for m in full} == {one}
    assert {m["message"]["fragment"]["string"]["raw"] for m in full} == {
        "gnu first",
        "gnu gnu second",
    }
    everywhere = search(http, "gnu", path="/messages/search")
    assert len(everywhere) == 3
    with_conv = search(http, "gnu", params={"transferables": "true"})
    assert {r["conversation"]["id"] for r in with_conv} == {one, other}
    assert all(r["identifier"] == r["conversation"]["id"] for r in with_conv)


def test_index_follows_rename_message_and_delete(http: httpx.Client) -> None:
    conv = create(http, "Old heron name", "a message")
    assert ids(search(http, "heron")) == [conv]
    http.post("/conversation/update", json={"id": conv, "name": "New egret name"})
    assert search(http, "heron") == []
    assert ids(search(http, "egret")) == [conv]
    http.post("/conversation/update", json={"id": conv, "favorited": True})  # name untouched
    assert ids(search(http, "egret")) == [conv]
    message = add_message(http, conv, "an ibis appears")
    [hit] = search(http, "ibis")
    assert ids(hit["messages"]["iterable"]) == [message]
    assert http.post(f"/conversations/{conv}/delete").status_code == 204
    for word in ("egret", "ibis", "message"):
        assert search(http, word) == []
        assert search(http, word, path="/messages/search") == []


def index_rows(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = ("search_items", "search_name", "search_annotation", "search_message")
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()


def test_index_survives_restarts_and_is_rebuilt_when_missing(
    make_server: Callable[..., EmbeddedServer], tmp_path: Path
) -> None:
    db = tmp_path / "search.db"
    first = make_server(db)
    with httpx.Client(base_url=first.url, timeout=TIMEOUT) as http:
        conv = create(http, "Lemur", "a tarsier", notes=("a loris",))
    first.stop()
    counts = index_rows(db)
    assert counts == {"search_items": 3, "search_name": 1, "search_annotation": 1,
                      "search_message": 1}  # fmt: skip
    # An older database: no index at all.
    conn = sqlite3.connect(db)
    triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search%'"
    for (name,) in conn.execute(triggers).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    for table in ("search_name", "search_annotation", "search_message", "search_items"):
        conn.execute(f"DROP TABLE {table}")
    conn.commit()
    conn.close()
    for _ in range(2):  # rebuilt on the first start, kept on the second
        first.start()
        with httpx.Client(base_url=first.url, timeout=TIMEOUT) as http:
            for word in ("lemur", "tarsier", "loris"):
                assert ids(search(http, word)) == [conv], word
        first.stop()
        assert index_rows(db) == counts


def test_hostile_text_comes_back_as_data(http: httpx.Client) -> None:
    hostile = "[bold red]boom[/] \x1b[2J\x1b]0;pwned\x07 <script>zebra</script> \u202e\x00 $(rm)"
    conv = create(http, "[link=file:///etc]zebra[/link]", hostile, notes=(hostile,))
    response = http.post("/conversations/search", json=search_body("zebra"))
    assert response.headers["content-type"].startswith("application/json")
    [hit] = response.json()["iterable"]
    assert hit["identifier"] == conv
    for item in (hit["messages"]["iterable"][0], hit["annotations"]["iterable"][0]):
        snippet = item["snippet"]
        assert snippet["text"] == hostile
        [(start, end)] = snippet["matches"]
        assert snippet["text"][start:end] == "zebra"


def test_long_text_snippet_is_a_window_with_offsets(http: httpx.Client) -> None:
    text = "filler " * 400 + "the narwhal surfaced " + "tail " * 400
    create(http, "long", text)
    [hit] = search(http, "narwhal")
    snippet = hit["messages"]["iterable"][0]["snippet"]
    assert len(snippet["text"]) < 260
    assert snippet["text"].startswith("…") and snippet["text"].endswith("…")
    [(start, end)] = snippet["matches"]
    assert snippet["text"][start:end] == "narwhal"


def test_search_while_another_client_writes(server: EmbeddedServer) -> None:
    """A writer thread creates, renames and deletes; every search made after a delete was
    acknowledged never returns that conversation, and a create is found once acknowledged."""
    deleted: set[str] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            with httpx.Client(base_url=server.url, timeout=TIMEOUT) as http:
                for n in range(30):
                    conv = create(http, f"okapi {n}", f"okapi message {n}")
                    http.post("/conversation/update", json={"id": conv, "name": f"okapi r{n}"})
                    if n % 2 == 0:
                        assert http.post(f"/conversations/{conv}/delete").status_code == 204
                        deleted.add(conv)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    searches = 0
    with httpx.Client(base_url=server.url, timeout=TIMEOUT) as http:
        while not stop.is_set() or searches < 5:
            gone = set(deleted)  # acknowledged before this search was sent
            results = search(http, "okapi", params={"transferables": "true"})
            assert not gone & set(ids(results))
            assert all(r["conversation"]["id"] == r["identifier"] for r in results)
            searches += 1
        thread.join(TIMEOUT * 6)
        assert not errors, errors
        fresh = create(http, "okapi fresh", "brand new")
        assert fresh in ids(search(http, "okapi", params={"limit": "1000"}))
        final = set(ids(search(http, "okapi", params={"limit": "1000"})))
        assert len(final) == 16 and not final & deleted


async def test_favorited_is_persisted_and_announced(
    make_server: Callable[..., EmbeddedServer], tmp_path: Path
) -> None:
    db = tmp_path / "fav.db"
    first = make_server(db)
    url = first.url.replace("http://", "ws://") + "/conversations/stream/identifiers"
    async with httpx.AsyncClient(base_url=first.url, timeout=TIMEOUT) as http:
        conv = (await http.post("/conversations/create", json={"name": "star me"})).json()
        assert conv["favorited"] is False
        async with connect(url) as ws:
            json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))  # the first frame
            for value in (True, False, True):
                answer = await http.post(
                    "/conversation/update", json={"id": conv["id"], "favorited": value}
                )
                assert answer.status_code == 200 and answer.json()["favorited"] is value
                frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
                assert frame["iterable"] == [{"conversation": {"id": conv["id"]}, "deleted": False}]
        bad = await http.post("/conversation/update", json={"id": conv["id"], "favorited": "maybe"})
        assert bad.status_code == 422 and "favorited" in bad.text
        # The whole Conversation posted back (as the SDK does) keeps the name.
        whole = (await http.get(f"/conversation/{conv['id']}")).json()
        whole["favorited"] = False
        kept = (await http.post("/conversation/update", json=whole)).json()
        assert kept["favorited"] is False and kept["name"] == "star me"
        whole["favorited"] = True
        await http.post("/conversation/update", json=whole)
    first.stop()
    first.start()
    async with httpx.AsyncClient(base_url=first.url, timeout=TIMEOUT) as http:
        again = (await http.get(f"/conversation/{conv['id']}")).json()
        assert again["favorited"] is True
        listed = (await http.get("/conversations")).json()["iterable"]
        assert [c["favorited"] for c in listed] == [True]


def test_triggers_cover_writes_no_route_makes_yet(tmp_path: Path) -> None:
    """Message edits and deletes, annotation edits and a conversation's cascade, made straight
    in SQL (as a future route would through db.py): the index follows in the same transaction."""
    from pieces_tui.server import search as fts
    from pieces_tui.server.db import Database
    from pieces_tui.server.records import NewAnnotation, NewConversation, NewMessage

    db = Database(tmp_path / "triggers.db")
    stamp = "2026-12-01T00:00:00.000000Z"
    db.insert_conversations(
        [
            NewConversation(
                id="c1",
                created=stamp,
                name="first",
                messages=[NewMessage("m1", "USER", "a marmot", stamp)],
                annotations=[NewAnnotation("a1", "SUMMARY", "about a marmot")],
            )
        ]
    )

    def found(word: str) -> list[tuple[str, str]]:
        kinds = (fts.KIND_NAME, fts.KIND_ANNOTATION, fts.KIND_MESSAGE)
        with db.reading() as read:
            return sorted((h.kind, h.item_id) for h in fts.find(read, fts.Query.parse(word), kinds))

    assert found("marmot") == [("annotation", "a1"), ("message", "m1")]
    conn = sqlite3.connect(db.path, isolation_level=None)
    conn.execute("UPDATE messages SET raw = 'a beaver' WHERE id = 'm1'")
    conn.execute("UPDATE annotations SET text = 'about a beaver too' WHERE id = 'a1'")
    assert found("marmot") == []
    assert found("beaver") == [("annotation", "a1"), ("message", "m1")]
    conn.execute("BEGIN")
    conn.execute("UPDATE messages SET raw = 'rolled back' WHERE id = 'm1'")
    conn.execute("ROLLBACK")
    assert found("rolled") == [] and found("beaver") != []
    conn.execute("DELETE FROM messages WHERE id = 'm1'")
    assert found("beaver") == [("annotation", "a1")]
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("DELETE FROM conversations WHERE id = 'c1'")  # the annotation goes by cascade
    assert found("beaver") == [] and found("first") == []
    assert index_rows(db.path) == dict.fromkeys(
        ("search_items", "search_name", "search_annotation", "search_message"), 0
    )
    conn.close()
    db.close()


@settings(max_examples=150, deadline=None, derandomize=True)
@given(query=st.text(max_size=60), exact=st.booleans())
def test_any_query_text_answers_without_a_5xx(
    shared_demo_server: EmbeddedServer, query: str, exact: bool
) -> None:
    with httpx.Client(base_url=shared_demo_server.url, timeout=TIMEOUT) as http:
        response = http.post("/conversations/search", json=search_body(query, exact=exact))
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert "query is required" in response.text  # only a blank query is refused
