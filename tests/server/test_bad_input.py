"""Bad input gets a 4xx with a clear text/plain body, never a 500, and never loses a write."""

from __future__ import annotations

import httpx
import pytest

from pieces_tui.server import EmbeddedServer

MISSING = "00000000-0000-0000-0000-00000000dead"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/conversation/{MISSING}"),
        ("GET", f"/conversation/{MISSING}/messages"),
        ("GET", f"/message/{MISSING}"),
        ("GET", f"/annotation/{MISSING}"),
        ("GET", f"/asset/{MISSING}"),
        ("POST", f"/conversations/{MISSING}/delete"),
        ("POST", f"/conversations/create/from_asset/{MISSING}"),
    ],
)
def test_unknown_ids_are_404(server: EmbeddedServer, method: str, path: str) -> None:
    response = httpx.request(method, server.url + path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert MISSING in response.text and "not found" in response.text


def test_writes_to_unknown_conversations_are_404(server: EmbeddedServer) -> None:
    with httpx.Client(base_url=server.url) as http:
        update = http.post("/conversation/update", json={"id": MISSING, "name": "x"})
        assert update.status_code == 404
        message = {
            "role": "USER",
            "fragment": {"string": {"raw": "hi"}},
            "conversation": {"id": MISSING},
        }
        assert http.post("/messages/create", json=message).status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/conversations/create", b"{not json"),
        ("/conversation/update", b'{"id": "x",'),
        ("/messages/create", b"\xff\xfe"),
        ("/conversation/update", b""),
    ],
)
def test_malformed_json_is_400(server: EmbeddedServer, path: str, body: bytes) -> None:
    headers = {"content-type": "application/json"}  # the media type passes; the JSON does not
    response = httpx.post(server.url + path, content=body, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "JSON" in response.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/conversations/create", [1, 2], "body"),
        ("/conversations/create", {"name": 42}, "name"),
        ("/conversations/create", {"type": "CHAT"}, "type"),
        ("/conversations/create", {"messages": [{"role": "BOSS"}]}, "messages.0.role"),
        ("/conversations/create", {"annotations": [{"type": "SUMMARY"}]}, "annotations.0.text"),
        ("/conversations/create", {"assets": {"iterable": [{"id": "nope"}]}}, "assets"),
        ("/conversation/update", {"name": "no id"}, "id"),
        ("/messages/create", {"role": "USER", "fragment": {}}, "conversation"),
        ("/messages/create", {"fragment": {}, "conversation": {"id": "x"}}, "role"),
        (
            "/messages/create",
            {"role": "USER", "fragment": {}, "conversation": {"id": "x"}, "created": {}},
            "created.value",
        ),
    ],
)
def test_wrong_shape_is_422_naming_the_field(
    server: EmbeddedServer, path: str, body: object, field: str
) -> None:
    response = httpx.post(server.url + path, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert field in response.text


def test_rejected_writes_change_nothing(server: EmbeddedServer) -> None:
    with httpx.Client(base_url=server.url) as http:
        good = http.post("/conversations/create", json={"name": "kept"}).json()
        http.post("/conversations/create", json={"messages": [{"role": "BOSS"}]})
        http.post("/conversation/update", json={"id": good["id"], "name": 7})
        listed = http.get("/conversations").json()["iterable"]
        assert listed == [good]


def test_unknown_route_and_method(server: EmbeddedServer) -> None:
    assert httpx.get(server.url + "/nope").status_code == 404
    assert httpx.get(server.url + "/conversations/create").status_code == 405
