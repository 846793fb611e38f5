"""What counts as a Pieces OS address, for the command line and the connect screen alike."""

from __future__ import annotations

from urllib.parse import urlsplit

EXAMPLE = "http://127.0.0.1:39300"


def check_url(text: str) -> str | None:
    """Why `text` is not an address pieces-tui can use (one sentence), or None when it is."""
    url = text.strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number or out of range
    except ValueError:
        return f"{url!r} is not a URL: give one such as {EXAMPLE}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http(s) URL: give one such as {EXAMPLE}"
    del port
    return None


def normal_url(text: str) -> str:
    """The address as the client uses it (no surrounding space, no trailing slash)."""
    return text.strip().rstrip("/")
