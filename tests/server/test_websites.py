"""Websites linked to conversations: `GET /website/{id}` (the SDK's WebsiteApi path)."""

from __future__ import annotations

import httpx
import pytest

from pieces_tui.client import NotFound, PiecesClient


def test_website_is_served_with_its_url(demo_server) -> None:
    conversations = httpx.get(f"{demo_server.url}/conversations").json()["iterable"]
    website_ids = [
        ref["id"] for c in conversations for ref in c.get("websites", {}).get("iterable", [])
    ]
    assert website_ids, "the demo data links some websites"
    answer = httpx.get(f"{demo_server.url}/website/{website_ids[0]}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == website_ids[0]
    assert body["url"].startswith("https://")
    assert body["created"]["value"] and body["updated"]["value"]


def test_unknown_website_is_404_with_a_text_body(server) -> None:
    answer = httpx.get(f"{server.url}/website/no-such-site")
    assert answer.status_code == 404
    assert "no-such-site" in answer.text


async def test_client_reads_websites(demo_server) -> None:
    async with PiecesClient(demo_server.url) as client:
        linked = [c for c in await client.conversations() if c.website_ids]
        site = await client.website(linked[0].website_ids[0])
        assert site.url is not None and site.url.startswith("https://")
        with pytest.raises(NotFound):
            await client.website("no-such-site")
