"""The async client layer for Pieces OS: models, HTTP client, identifier stream, discovery.

No Textual imports here: the UI uses this package only through the names exported below.
"""

from pieces_tui.client.compat import VersionCheck, check_version
from pieces_tui.client.discovery import discover
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
from pieces_tui.client.stream import (
    Changed,
    Deleted,
    IdentifierStream,
    Malformed,
    Snapshot,
    StreamEvent,
    StreamState,
)

__all__ = [
    "BadRequest",
    "Changed",
    "Deleted",
    "IdentifierStream",
    "Malformed",
    "NotFound",
    "PiecesClient",
    "PiecesError",
    "PiecesUnavailable",
    "ProtocolError",
    "ServerError",
    "SignedOut",
    "Snapshot",
    "StreamEvent",
    "StreamState",
    "UpdateRequired",
    "VersionCheck",
    "check_version",
    "discover",
]
