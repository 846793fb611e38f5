"""Hostile ids and bodies: ids reach SQL only as bound parameters, and no body makes a 5xx.

Ids go over a raw socket so that no client normalises them (`../x` stays `../x`).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pieces_tui.server import EmbeddedServer

from .dbstate import table_counts
from .rawhttp import Reply, request

HOSTILE_IDS = [
    "' OR 1=1 --",
    '"; DROP TABLE conversations; --',
    "'; DELETE FROM messages; --",
    "%",
    "_",
    "*",
    "1 OR 1",
    "会话🙂\u202e",
    "a" * 10 * 1024,
    "a\x00b",
    "\x00",
    "../x",
    "..",
    "../../etc/passwd",
    "x/../../conversations",
    " ",
]
PATH_ROUTES = [
    ("GET", "/conversation/{}"),
    ("GET", "/conversation/{}/messages"),
    ("GET", "/message/{}"),
    ("GET", "/annotation/{}"),
    ("GET", "/website/{}"),
    ("GET", "/assets/{}"),
    ("GET", "/asset/{}"),
    ("POST", "/conversations/{}/delete"),
    ("POST", "/conversations/create/from_asset/{}"),
]


def send(server: EmbeddedServer, method: str, path: str, body: bytes = b"") -> Reply:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close"
    if body:
        head += "\r\nContent-Type: application/json"
    return request(server.port, f"{head}\r\nContent-Length: {len(body)}", body)


def pwned(server: EmbeddedServer) -> int:
    """Rows a successful injection through an update or a message would have touched."""
    with sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True) as conn:
        names = conn.execute("SELECT count(*) FROM conversations WHERE name = 'pwned'")
        raws = conn.execute("SELECT count(*) FROM messages WHERE raw = 'pwned'")
        total: int = names.fetchone()[0] + raws.fetchone()[0]
    conn.close()
    return total


@pytest.mark.parametrize("hostile", HOSTILE_IDS, ids=lambda h: repr(h[:20]))
def test_hostile_ids_in_paths_are_404(shared_demo_server: EmbeddedServer, hostile: str) -> None:
    server = shared_demo_server
    before = table_counts(server.db_path)
    encodings = {quote(hostile, safe=""), quote(hostile, safe="/")}  # `/` escaped and raw
    for method, route in PATH_ROUTES:
        for encoded in encodings:
            reply = send(server, method, route.format(encoded))
            assert reply.status in {400, 404}, (method, route, reply.status, reply.text[:200])
            assert reply.headers["content-type"].startswith("text/plain")
    assert table_counts(server.db_path) == before


@pytest.mark.parametrize("hostile", HOSTILE_IDS, ids=lambda h: repr(h[:20]))
def test_hostile_ids_in_bodies_change_nothing(
    shared_demo_server: EmbeddedServer, hostile: str
) -> None:
    server = shared_demo_server
    before = table_counts(server.db_path)
    ref = {"id": hostile}
    cases = [
        ("/conversation/update", {"id": hostile, "name": "pwned", "favorited": True}, 404),
        (
            "/messages/create",
            {"role": "USER", "fragment": {"string": {"raw": "pwned"}}, "conversation": ref},
            404,
        ),
        ("/conversations/create", {"name": "pwned", "assets": {"iterable": [ref]}}, 422),
        ("/conversations/create", {"name": "pwned", "websites": {"iterable": [ref]}}, 422),
    ]
    for path, body, status in cases:
        reply = send(server, "POST", path, json.dumps(body).encode())
        assert reply.status == status, (path, reply.text[:200])
        assert reply.headers["content-type"].startswith("text/plain")
    assert table_counts(server.db_path) == before
    assert pwned(server) == 0


def test_many_unknown_asset_ids_are_one_cheap_422(shared_demo_server: EmbeddedServer) -> None:
    """40,000 ids: more than SQLite's bound-parameter limit, and no longer one query per id."""
    refs = [{"id": f"nope-{n}"} for n in range(40_000)]
    body = {"assets": {"iterable": refs}, "websites": {"iterable": refs}}
    response = httpx.post(shared_demo_server.url + "/conversations/create", json=body, timeout=10)
    assert response.status_code == 422 and "unknown id nope-0" in response.text


# -- bad bodies on every POST route -------------------------------------------------------------

POST_ROUTES = [
    "/conversations/create",
    "/conversation/update",
    "/messages/create",
    "/conversations/{}/delete",
    "/conversations/create/from_asset/{}",
]
DEEP = 100_000
BAD_BODIES = {
    "malformed": b'{"name": ',
    "trailing garbage": b'{"name": "x"} x',
    "not utf-8": b'{"name": "\xff\xfe"}',
    "array": b"[1, 2, 3]",
    "array of objects": b'[{"name": "x"}]',
    "string": b'"hello"',
    "number": b"42",
    "true": b"true",
    "huge integer": b'{"name": ' + b"9" * 5000 + b"}",
    "huge integer favorited": b'{"id": "x", "favorited": ' + b"9" * 100_000 + b"}",
    "huge float": b'{"messages": [{"role": "USER", "fragment": {}, "created": {"value": 1e999}}]}',
    "NaN": b'{"favorited": NaN, "id": "x"}',
    "nested arrays": b"[" * DEEP + b"]" * DEEP,
    "nested objects": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "nested in a field": b'{"name": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    "nested just under the limit": b'{"name": ' + b"[" * 900 + b"]" * 900 + b"}",
    "wrong types": b'{"id": 1, "name": ["x"], "favorited": "maybe", "messages": {}}',
    "lone surrogate": b'{"id": "\\ud800", "name": "\\udfff"}',
    "time past 9999 in UTC": (
        b'{"id": "x", "role": "USER", "fragment": {}, "conversation": {"id": "x"},'
        b' "created": {"value": "9999-12-31T23:59:59-23:59"},'
        b' "messages": [{"role": "USER", "fragment": {},'
        b' "created": {"value": "9999-12-31T23:59:59-23:59"}}]}'
    ),
    "time before year 1 in UTC": (
        b'{"messages": [{"role": "USER", "fragment": {},'
        b' "created": {"value": "0001-01-01T00:00:00+23:00"}}]}'
    ),
    "null fields": (
        b'{"id": null, "role": null, "fragment": null, "conversation": null, "messages": null}'
    ),
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_bodies_are_4xx_on_every_post_route(
    shared_demo_server: EmbeddedServer, name: str
) -> None:
    server = shared_demo_server
    before = table_counts(server.db_path)
    for route in POST_ROUTES:
        reply = send(server, "POST", route.format("no-such-id"), BAD_BODIES[name])
        assert 400 <= reply.status < 500, (route, reply.status, reply.text[:300])
        assert reply.headers["content-type"].startswith("text/plain")
        assert reply.text.strip()
    assert table_counts(server.db_path) == before


# -- property: random JSON to each POST route ---------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(["USER", "COPILOT", "SUMMARY", "2026-01-01T00:00:00Z", "0", ""]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
KEYS = ["id", "name", "type", "favorited", "messages", "annotations", "assets", "websites",
        "model", "role", "fragment", "string", "raw", "conversation", "created", "value",
        "iterable", "text"]  # fmt: skip
near_valid = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)
bodies = json_values | near_valid | st.lists(near_valid, max_size=2)
EXAMPLES = int(os.environ.get("PIECES_FUZZ_EXAMPLES", "100"))


@pytest.fixture(scope="module")
def http(shared_demo_server: EmbeddedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_demo_server.url) as client:
        yield client


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="PIECES_FUZZ_EXAMPLES" not in os.environ,  # CI: the same examples every run
    suppress_health_check=[HealthCheck.too_slow],
)
@given(body=bodies, route=st.sampled_from(POST_ROUTES[:3]))
def test_random_json_bodies_never_make_a_5xx(http: httpx.Client, body: object, route: str) -> None:
    raw = json.dumps(body).encode()  # NaN and Infinity included, as Python writes them
    response = http.post(route, content=raw)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("text/plain")
