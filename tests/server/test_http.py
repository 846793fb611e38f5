"""Every HTTP endpoint of the embedded server, over real sockets with httpx."""

from __future__ import annotations

import httpx

from pieces_tui.server import EmbeddedServer
from pieces_tui.server.demo import stable_id

SEED = {
    "type": "COPILOT",
    "name": "Parsing TOML in Rust",
    "messages": [
        {"role": "USER", "fragment": {"string": {"raw": "How do I parse TOML?"}}},
        {
            "role": "ASSISTANT",
            "fragment": {"string": {"raw": "Use the `toml` crate."}},
            "model": {"id": "gpt-4o"},
        },
    ],
    "annotations": [{"type": "SUMMARY", "text": "TOML parsing with serde."}],
}


def client(server: EmbeddedServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10)


def test_health_and_version(server: EmbeddedServer) -> None:
    with client(server) as http:
        health = http.get("/.well-known/health")
        assert health.status_code == 200
        assert health.headers["content-type"].startswith("text/plain")
        assert health.text.lower().startswith("ok")
        assert http.head("/.well-known/health").status_code == 200
        version = http.get("/.well-known/version")
        assert version.status_code == 200 and version.text


def test_empty_database_lists_nothing(server: EmbeddedServer) -> None:
    with client(server) as http:
        assert http.get("/conversations").json() == {"iterable": [], "indices": {}}
        assert http.get("/conversations/identifiers").json() == {"iterable": []}
        assert http.get("/assets/identifiers").json() == {"iterable": [], "indices": {}}


def test_create_with_seed_messages_then_read_back(server: EmbeddedServer) -> None:
    with client(server) as http:
        created = http.post("/conversations/create", params={"transferables": "false"}, json=SEED)
        assert created.status_code == 200
        conv = created.json()
        assert conv["name"] == "Parsing TOML in Rust"
        assert conv["type"] == "COPILOT"
        assert conv["created"] == {
            "value": "2026-12-01T00:00:00.000000Z",
            "readable": "2026-12-01 00:00 UTC",
        }
        ids = [ref["id"] for ref in conv["messages"]["iterable"]]
        assert len(ids) == 2
        assert conv["messages"]["indices"] == {ids[0]: 0, ids[1]: 1}
        assert len(conv["annotations"]["iterable"]) == 1

        assert http.get(f"/conversation/{conv['id']}").json() == conv
        listed = http.get("/conversations", params={"transferables": "true"}).json()
        assert listed["iterable"] == [conv]
        assert listed["indices"] == {conv["id"]: 0}
        assert http.get("/conversations/identifiers").json() == {"iterable": [{"id": conv["id"]}]}

        messages = http.get(f"/conversation/{conv['id']}/messages").json()
        assert [m["id"] for m in messages["iterable"]] == ids
        assert messages["indices"] == {ids[0]: 0, ids[1]: 1}
        first, second = messages["iterable"]
        assert first["role"] == "USER"
        assert first["fragment"]["string"]["raw"] == "How do I parse TOML?"
        assert first["conversation"] == {"id": conv["id"]}
        assert "model" not in first
        assert second["model"]["id"] == "gpt-4o"
        assert http.get(f"/message/{ids[1]}").json() == second

        note_id = conv["annotations"]["iterable"][0]["id"]
        note = http.get(f"/annotation/{note_id}").json()
        assert note["type"] == "SUMMARY" and note["text"] == "TOML parsing with serde."
        assert note["conversation"] == {"id": conv["id"]}


def test_create_with_empty_or_no_body(server: EmbeddedServer) -> None:
    with client(server) as http:
        bare = http.post("/conversations/create")
        assert bare.status_code == 200
        assert bare.json()["messages"] == {"iterable": [], "indices": {}}
        assert "name" not in bare.json()
        assert http.post("/conversations/create", json={}).status_code == 200
        assert len(http.get("/conversations").json()["iterable"]) == 2


def test_add_message_bumps_updated_and_order(server: EmbeddedServer) -> None:
    with client(server) as http:
        older = http.post("/conversations/create", json={"name": "older"}).json()
        newer = http.post("/conversations/create", json={"name": "newer"}).json()
        ids = [c["id"] for c in http.get("/conversations").json()["iterable"]]
        assert ids == [newer["id"], older["id"]]

        body = {
            "role": "USER",
            "fragment": {"string": {"raw": "And in Go?"}},
            "conversation": {"id": older["id"]},
            "created": {"value": "2026-11-30T10:00:00Z"},
        }
        message = http.post("/messages/create", params={"transferables": "false"}, json=body)
        assert message.status_code == 200
        assert message.json()["created"]["value"] == "2026-11-30T10:00:00.000000Z"
        assert message.json()["conversation"] == {"id": older["id"]}

        after = http.get(f"/conversation/{older['id']}").json()
        assert after["updated"]["value"] > older["updated"]["value"]
        assert after["messages"]["iterable"] == [{"id": message.json()["id"]}]
        ids = [c["id"] for c in http.get("/conversations").json()["iterable"]]
        assert ids == [older["id"], newer["id"]]


def test_rename_and_favorite_through_update(server: EmbeddedServer) -> None:
    with client(server) as http:
        conv = http.post("/conversations/create", json={"name": "draft"}).json()
        renamed = http.post("/conversation/update", json={**conv, "name": "Final name"})
        assert renamed.status_code == 200
        assert renamed.json()["name"] == "Final name"
        assert renamed.json()["updated"]["value"] > conv["updated"]["value"]
        favorite = http.post("/conversation/update", json={"id": conv["id"], "favorited": True})
        assert favorite.json()["favorited"] is True
        assert favorite.json()["name"] == "Final name"
        # A star is not an edit: `updated` stays (the list, ordered by it, does not reorder),
        # also when the whole conversation is sent back with it, as the SDK's update does.
        assert favorite.json()["updated"] == renamed.json()["updated"]
        unstar = http.post("/conversation/update", json={**favorite.json(), "favorited": False})
        assert unstar.json()["favorited"] is False
        assert unstar.json()["updated"] == renamed.json()["updated"]


def test_delete(server: EmbeddedServer) -> None:
    with client(server) as http:
        conv = http.post("/conversations/create", json=SEED).json()
        message_id = conv["messages"]["iterable"][0]["id"]
        deleted = http.post(f"/conversations/{conv['id']}/delete")
        assert deleted.status_code == 204 and deleted.content == b""
        assert http.get(f"/conversation/{conv['id']}").status_code == 404
        assert http.get(f"/message/{message_id}").status_code == 404
        assert http.get("/conversations").json()["iterable"] == []
        assert http.post(f"/conversations/{conv['id']}/delete").status_code == 404


def test_demo_data(demo_server: EmbeddedServer) -> None:
    with client(demo_server) as http:
        convs = http.get("/conversations").json()["iterable"]
        assert 28 <= len(convs) <= 32
        updated = [c["updated"]["value"] for c in convs]
        assert updated == sorted(updated, reverse=True)
        assert updated[0] == "2026-11-20T09:00:00.000000Z"
        assert max(len(c["messages"]["iterable"]) for c in convs) == 60
        assert all(c["model"]["id"] for c in convs)
        assert any(c["assets"]["iterable"] for c in convs)
        assert any(c["websites"]["iterable"] for c in convs)
        kinds = set()
        for conv in convs:
            notes = [
                http.get(f"/annotation/{ref['id']}").json()
                for ref in conv["annotations"]["iterable"]
            ]
            assert [n["type"] for n in notes].count("SUMMARY") == 1
            kinds |= {n["type"] for n in notes}
        assert {"SUMMARY", "DESCRIPTION", "COMMENT"} <= kinds
        first = http.get(f"/conversation/{convs[0]['id']}/messages").json()["iterable"]
        assert [m["role"] for m in first[:2]] == ["USER", "ASSISTANT"]
        assert "```python" in first[1]["fragment"]["string"]["raw"]
        # Ids are stable across runs.
        assert convs[0]["id"] == stable_id("conversation", "py-retry")


def test_assets_and_create_from_asset(demo_server: EmbeddedServer) -> None:
    with client(demo_server) as http:
        ids = [ref["id"] for ref in http.get("/assets/identifiers").json()["iterable"]]
        assert len(ids) == 8
        assets = http.get("/assets", params={"transferables": "true"}).json()
        assert [a["id"] for a in assets["iterable"]] == ids
        asset = http.get(f"/asset/{ids[0]}").json()
        assert asset == assets["iterable"][0]
        assert http.get(f"/assets/{ids[0]}").json() == asset
        fmt = asset["original"]["reference"]
        assert fmt["fragment"]["string"]["raw"]
        assert fmt["fragment"]["metadata"]["ext"] == fmt["classification"]["specific"]
        bare = http.get(f"/asset/{ids[0]}", params={"transferables": "false"}).json()
        assert "fragment" not in bare["original"]["reference"]

        out = http.post(f"/conversations/create/from_asset/{ids[0]}")
        assert out.status_code == 200
        cid = out.json()["conversation"]["id"]
        assert set(out.json()) == {"conversation"}
        conv = http.get(f"/conversation/{cid}").json()
        assert conv["name"] == asset["name"]
        assert conv["assets"]["iterable"] == [{"id": ids[0]}]
        (first,) = http.get(f"/conversation/{cid}/messages").json()["iterable"]
        assert first["role"] == "ASSISTANT"
        text = first["fragment"]["string"]["raw"]
        ext = fmt["classification"]["specific"]
        assert asset["name"] in text and f"```{ext}\n" in text and "lines" in text
        assert http.get("/conversations").json()["iterable"][0]["id"] == cid


def test_seeded_links_to_assets_and_websites(demo_server: EmbeddedServer) -> None:
    with client(demo_server) as http:
        asset_id = http.get("/assets/identifiers").json()["iterable"][0]["id"]
        website_id = stable_id("website", "https://www.sqlite.org/wal.html")
        body = {
            "type": "COPILOT",
            "assets": {"iterable": [{"id": asset_id}]},
            "websites": {"iterable": [{"id": website_id}]},
        }
        conv = http.post("/conversations/create", json=body).json()
        assert conv["assets"]["iterable"] == [{"id": asset_id}]
        assert conv["websites"]["iterable"] == [{"id": website_id}]
