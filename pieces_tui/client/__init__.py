"""The async client layer for Pieces OS: models, HTTP client, identifier stream, discovery.

No Textual imports here: the UI uses this package only through the names exported below.

The names load lazily (PEP 562): `from pieces_tui.client import PiecesError` imports the errors
module alone, and only a name that needs it brings in httpx (`PiecesClient`, `find_server`),
websockets (`IdentifierStream`) or pydantic (the search models). The app's first frame needs
none of them; its worker imports them once that frame is out.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

# httpx's package imports its command-line client (`httpx._main`) whenever click is installed
# (uvicorn brings it): click, pygments' lexer table and rich's progress and syntax modules, about
# half of httpx's import time (~0.25 s of a ~0.5 s import here), none of it used by a library
# user. A None entry makes that one import fail, and httpx then defines a stub `main` instead
# (its own `except ImportError`). Set before any module of this package imports httpx.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    from pieces_tui.client.compat import VersionCheck, check_version
    from pieces_tui.client.discovery import Discovery, discover, find_server
    from pieces_tui.client.errors import (
        BadRequest,
        NotFound,
        PiecesError,
        PiecesUnavailable,
        ProtocolError,
        ServerError,
        SignedOut,
        UpdateRequired,
    )
    from pieces_tui.client.http import PiecesClient
    from pieces_tui.client.search import (
        SearchedAnnotation,
        SearchedConversation,
        SearchedConversationMessage,
        SearchSnippet,
    )
    from pieces_tui.client.stream import (
        Changed,
        Deleted,
        IdentifierStream,
        Malformed,
        Snapshot,
        StreamEvent,
        StreamState,
    )

_WHERE = {
    "VersionCheck": "compat",
    "check_version": "compat",
    "Discovery": "discovery",
    "discover": "discovery",
    "find_server": "discovery",
    "BadRequest": "errors",
    "NotFound": "errors",
    "PiecesError": "errors",
    "PiecesUnavailable": "errors",
    "ProtocolError": "errors",
    "ServerError": "errors",
    "SignedOut": "errors",
    "UpdateRequired": "errors",
    "PiecesClient": "http",
    "SearchSnippet": "search",
    "SearchedAnnotation": "search",
    "SearchedConversation": "search",
    "SearchedConversationMessage": "search",
    "Changed": "stream",
    "Deleted": "stream",
    "IdentifierStream": "stream",
    "Malformed": "stream",
    "Snapshot": "stream",
    "StreamEvent": "stream",
    "StreamState": "stream",
}

__all__ = [
    "BadRequest",
    "Changed",
    "Deleted",
    "Discovery",
    "IdentifierStream",
    "Malformed",
    "NotFound",
    "PiecesClient",
    "PiecesError",
    "PiecesUnavailable",
    "ProtocolError",
    "SearchSnippet",
    "SearchedAnnotation",
    "SearchedConversation",
    "SearchedConversationMessage",
    "ServerError",
    "SignedOut",
    "Snapshot",
    "StreamEvent",
    "StreamState",
    "UpdateRequired",
    "VersionCheck",
    "check_version",
    "discover",
    "find_server",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next lookup is a plain one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
