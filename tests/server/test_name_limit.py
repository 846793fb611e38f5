"""The one rule on conversation names (server/inputs.py, `check_name`), through both routes.

A name is at most NAME_MAX_LENGTH characters, whether it comes with a create or an update, and
both answer the same 422. The exception: an update that sends back the name the conversation
already has (clients send the whole conversation with each update), so a longer name stored
before the limit does not make every later star or model change fail.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import httpx

from pieces_tui.labels import NAME_MAX_LENGTH
from pieces_tui.server import EmbeddedServer

LONGEST = "n" * NAME_MAX_LENGTH
TOO_LONG = LONGEST + "n"
REFUSAL = f"invalid body\nname: at most {NAME_MAX_LENGTH} characters ({NAME_MAX_LENGTH + 1} sent)"


def test_create_and_update_hold_a_new_name_to_the_same_bound(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    server = make_server()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        created = http.post("/conversations/create", json={"name": LONGEST})
        assert created.status_code == 200
        assert created.json()["name"] == LONGEST
        cid = created.json()["id"]

        refused_create = http.post("/conversations/create", json={"name": TOO_LONG})
        refused_update = http.post("/conversation/update", json={"id": cid, "name": TOO_LONG})
        for answer in (refused_create, refused_update):
            assert answer.status_code == 422
            assert answer.text == REFUSAL
        assert http.get(f"/conversation/{cid}").json()["name"] == LONGEST
        ids = [ref["id"] for ref in http.get("/conversations/identifiers").json()["iterable"]]
        assert ids == [cid]  # the refused create left nothing behind


def test_an_update_may_send_back_a_longer_name_stored_before_the_limit(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    server = make_server()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        cid = http.post("/conversations/create", json={"name": "short"}).json()["id"]
        stored = "s" * (NAME_MAX_LENGTH * 3)
        other = sqlite3.connect(server.db_path, isolation_level=None)
        try:  # as a database from before the limit holds it
            other.execute("UPDATE conversations SET name = ? WHERE id = ?", (stored, cid))
        finally:
            other.close()

        whole = http.get(f"/conversation/{cid}").json()
        assert whole["name"] == stored
        whole["favorited"] = True
        starred = http.post("/conversation/update", json=whole)
        assert starred.status_code == 200
        assert starred.json()["favorited"] is True

        changed = http.post("/conversation/update", json={"id": cid, "name": stored + "x"})
        assert changed.status_code == 422
        assert changed.text.startswith(f"invalid body\nname: at most {NAME_MAX_LENGTH} characters")
        assert http.get(f"/conversation/{cid}").json()["name"] == stored

        shortened = http.post("/conversation/update", json={"id": cid, "name": LONGEST})
        assert shortened.status_code == 200
        assert shortened.json()["name"] == LONGEST
