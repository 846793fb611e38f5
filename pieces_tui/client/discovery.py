"""Find the Pieces OS to talk to, and say which one was chosen and why.

An explicit URL wins, then the `PIECES_OS_URL` environment variable. Otherwise every port of
127.0.0.1:39300..39333 and the legacy http://localhost:1000 are probed at once. A candidate
answers *as Pieces OS does* when `GET /.well-known/health` is 200 with a short text body starting
"ok" (any case) and `GET /.well-known/version` is 200 with a short version string (`10.1.2`,
`0.1.0-pieces-tui-embedded`). Something answering HTML, a long body, or anything else there is
not Pieces OS: it is listed in `Discovery.rejected` with the reason, never chosen.

Preference: a candidate whose health and version both answer as Pieces OS does, lowest port
first (the legacy address last); only when there is none, one whose health answers but whose
version does not. Any local user can listen on these ports, so the UI should say which server
was chosen (`Discovery.summary`) and what else answered. Refused connections fail at once, so the
answer comes well within `timeout` (default 0.3 s) when nothing listens. Bodies are read up to
`MAX_BODY` bytes only.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx

__all__ = [
    "DEFAULT_PORTS",
    "ENV_VAR",
    "LEGACY_URL",
    "Candidate",
    "Discovery",
    "candidate_urls",
    "discover",
    "find_server",
    "probe",
]

ENV_VAR = "PIECES_OS_URL"
DEFAULT_PORTS = range(39300, 39334)
LEGACY_URL = "http://localhost:1000"
HEALTH_PATH = "/.well-known/health"
VERSION_PATH = "/.well-known/version"
MAX_BODY = 1024
"""Bytes of a health or version answer read at most (Pieces OS sends a few)."""

_VERSION = re.compile(r"\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z.+-]{1,40})?")


@dataclass(frozen=True, slots=True)
class Candidate:
    """What one probed address answered."""

    url: str
    healthy: bool
    """`/.well-known/health` answered as Pieces OS does."""
    version: str | None
    """`/.well-known/version`, when it answered as Pieces OS does."""
    reason: str
    """What it answered, in a few words ("Pieces OS 10.1.2", "health answers HTML", ...)."""

    @property
    def pieces_os(self) -> bool:
        return self.healthy and self.version is not None


@dataclass(frozen=True, slots=True)
class Discovery:
    """The server chosen (`url`, None when none) and how."""

    url: str | None
    source: Literal["explicit", "environment", "probe"]
    version: str | None = None
    rejected: tuple[Candidate, ...] = ()
    """Addresses that answered, but not as Pieces OS does (or less so than the one chosen)."""

    @property
    def summary(self) -> str:
        """One line for the UI (untrusted parts come from a local server: clean before showing)."""
        if self.source == "explicit":
            return f"{self.url} (given with --url)"
        if self.source == "environment":
            return f"{self.url} (from {ENV_VAR})"
        if self.url is None:
            if self.rejected:
                first = self.rejected[0]
                return f"no Pieces OS found; {_host(first.url)}: {first.reason}"
            return "no Pieces OS found on 127.0.0.1:39300-39333 or localhost:1000"
        if self.version is None:
            return f"{_host(self.url)} (health ok, but no Pieces OS version)"
        return f"Pieces OS {self.version} at {_host(self.url)}"


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def candidate_urls(ports: range = DEFAULT_PORTS) -> list[str]:
    """The URLs probed, in order of preference."""
    return [f"http://127.0.0.1:{port}" for port in ports] + [LEGACY_URL]


async def _get(client: httpx.AsyncClient, url: str) -> tuple[int, str, str]:
    """Status, content type and the first `MAX_BODY` bytes (decoded) of a GET."""
    async with client.stream("GET", url) as response:
        body = b""
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= MAX_BODY:
                break
        content_type = response.headers.get("content-type", "").lower()
        return response.status_code, content_type, body[:MAX_BODY].decode("utf-8", "replace")


def _looks_html(content_type: str, body: str) -> bool:
    return "html" in content_type or body.lstrip()[:1] == "<"


async def probe(client: httpx.AsyncClient, base_url: str) -> Candidate | None:
    """What answers at `base_url`; None when nothing does (refused, timed out)."""
    try:
        status, content_type, body = await _get(client, base_url + HEALTH_PATH)
    except httpx.HTTPError:
        return None
    if _looks_html(content_type, body):
        return Candidate(base_url, False, None, "health answers HTML: not Pieces OS")
    if status != 200:
        return Candidate(base_url, False, None, f"health answers HTTP {status}")
    if len(body) >= MAX_BODY or not body.strip().lower().startswith("ok"):
        return Candidate(base_url, False, None, "health does not answer ok")
    try:
        status, content_type, body = await _get(client, base_url + VERSION_PATH)
    except httpx.HTTPError as exc:
        return Candidate(base_url, True, None, f"no version ({type(exc).__name__})")
    version = body.strip().strip('"')
    if status != 200 or _looks_html(content_type, body) or not _VERSION.fullmatch(version):
        return Candidate(base_url, True, None, "health ok, version not as Pieces OS answers it")
    return Candidate(base_url, True, version, f"Pieces OS {version}")


async def find_server(
    explicit_url: str | None = None,
    env: Mapping[str, str] = os.environ,
    *,
    ports: range = DEFAULT_PORTS,
    timeout: float = 0.3,  # noqa: ASYNC109 - a per-probe HTTP timeout, not a deadline
) -> Discovery:
    """The Pieces OS to use, where it came from, and what else answered."""
    if explicit_url and explicit_url.strip():
        return Discovery(explicit_url.strip().rstrip("/"), "explicit")
    given = env.get(ENV_VAR)
    if given and given.strip():
        return Discovery(given.strip().rstrip("/"), "environment")
    urls = candidate_urls(ports)
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        trust_env=False,
        limits=httpx.Limits(max_connections=len(urls), max_keepalive_connections=0),
    ) as client:
        tasks = [asyncio.create_task(probe(client, url)) for url in urls]
        # Every request has its own timeout (a probe makes two); the overall bound is a net.
        await asyncio.wait(tasks, timeout=2 * timeout + 0.3)
        for task in tasks:
            task.cancel()
        answers = [
            task.result()
            for task in tasks
            if task.done() and not task.cancelled() and task.exception() is None
        ]
    found = [c for c in answers if c is not None]
    chosen = next((c for c in found if c.pieces_os), None) or next(
        (c for c in found if c.healthy), None
    )
    rejected = tuple(c for c in found if c is not chosen)
    if chosen is None:
        return Discovery(None, "probe", rejected=rejected)
    return Discovery(chosen.url, "probe", version=chosen.version, rejected=rejected)


async def discover(
    explicit_url: str | None = None,
    env: Mapping[str, str] = os.environ,
    *,
    ports: range = DEFAULT_PORTS,
    timeout: float = 0.3,  # noqa: ASYNC109 - a per-probe HTTP timeout, not a deadline
) -> str | None:
    """The base URL of the Pieces OS to use, or None when none answers within `timeout`
    (`find_server` says which one was chosen and why)."""
    return (await find_server(explicit_url, env, ports=ports, timeout=timeout)).url
