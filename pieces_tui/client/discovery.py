"""Find the Pieces OS to talk to.

An explicit URL wins, then the `PIECES_OS_URL` environment variable. Otherwise every port of
127.0.0.1:39300..39333 and the legacy http://localhost:1000 are probed at once with
`GET /.well-known/health` (answer 200 with a body starting "ok", any case); the lowest port in
the range that answers wins, the legacy address only when none does. Refused connections fail at
once, so the answer comes well within `timeout` (default 0.3 s) when nothing listens.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

import httpx

__all__ = ["DEFAULT_PORTS", "ENV_VAR", "LEGACY_URL", "candidate_urls", "discover", "probe"]

ENV_VAR = "PIECES_OS_URL"
DEFAULT_PORTS = range(39300, 39334)
LEGACY_URL = "http://localhost:1000"
HEALTH_PATH = "/.well-known/health"


def candidate_urls(ports: range = DEFAULT_PORTS) -> list[str]:
    """The URLs probed, in order of preference."""
    return [f"http://127.0.0.1:{port}" for port in ports] + [LEGACY_URL]


async def probe(client: httpx.AsyncClient, base_url: str) -> bool:
    """Whether a Pieces OS answers healthy at `base_url`."""
    try:
        response = await client.get(base_url + HEALTH_PATH)
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    return response.text.strip().lower().startswith("ok")


async def discover(
    explicit_url: str | None = None,
    env: Mapping[str, str] = os.environ,
    *,
    ports: range = DEFAULT_PORTS,
    timeout: float = 0.3,  # noqa: ASYNC109 - a per-probe HTTP timeout, not a deadline
) -> str | None:
    """The base URL of the Pieces OS to use, or None when none answers within `timeout`."""
    for given in (explicit_url, env.get(ENV_VAR)):
        if given and given.strip():
            return given.strip().rstrip("/")
    urls = candidate_urls(ports)
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        trust_env=False,
        limits=httpx.Limits(max_connections=len(urls), max_keepalive_connections=0),
    ) as client:
        tasks = [asyncio.create_task(probe(client, url)) for url in urls]
        try:
            # Every probe has its own timeout; the overall bound is a safety net.
            done = await asyncio.wait_for(
                asyncio.gather(*tasks, return_exceptions=True), timeout + 0.2
            )
        except TimeoutError:
            done = [
                t.done() and not t.cancelled() and t.exception() is None and t.result()
                for t in tasks
            ]
        finally:
            for task in tasks:
                task.cancel()
    for url, healthy in zip(urls, done, strict=True):
        if healthy is True:
            return url
    return None
