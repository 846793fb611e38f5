"""10,000 conversations: seeding takes seconds and GET /conversations answers in under a second."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from pieces_tui.server import EmbeddedServer


def test_ten_thousand_conversations(make_server: Callable[..., EmbeddedServer]) -> None:
    start = time.perf_counter()
    server = make_server(seed=10_000)
    seeded = time.perf_counter() - start
    with httpx.Client(base_url=server.url, timeout=30) as http:
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            response = http.get("/conversations")
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        listed = response.json()["iterable"]
    print(f"seed 10k + start: {seeded:.2f}s; GET /conversations at 10k: {timings} s")
    assert len(listed) == 10_000
    assert listed[0]["name"] == "Synthetic conversation 00000"
    assert len(listed[42]["messages"]["iterable"]) == 2
    assert seeded < 10
    assert min(timings) < 1.0
