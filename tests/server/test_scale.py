"""10,000 conversations seed and list correctly. Their timing lives in `benchmarks/`, not here."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from pieces_tui.server import EmbeddedServer


def test_ten_thousand_conversations(make_server: Callable[..., EmbeddedServer]) -> None:
    server = make_server(seed=10_000)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = http.get("/conversations")
        assert response.status_code == 200
        listed = response.json()["iterable"]
        identifiers = http.get("/conversations/identifiers").json()["iterable"]
    assert len(listed) == 10_000
    assert len({c["id"] for c in listed}) == 10_000
    assert {c["id"] for c in listed} == {i["id"] for i in identifiers}
    assert listed[0]["name"] == "Synthetic conversation 00000"
    assert len(listed[42]["messages"]["iterable"]) == 2
