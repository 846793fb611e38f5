"""What `/.well-known/version` says.

The Pieces OS release whose protocol this server follows (the one `pieces_os_client` 5.0.1 and
pieces-cli 1.20.1 talk to), then a semver pre-release tag naming this server and its version, e.g.
`12.3.0-pieces-tui-embedded.0.1.0`. Clients that check the range (12.0.0 <= v < 13.0.0, as
pieces-cli does) accept it; people and logs see at once that it is not Pieces OS.
"""

from __future__ import annotations

from pieces_tui import __version__

COMPATIBLE_OS_VERSION = "12.3.0"
SERVER_VERSION = f"{COMPATIBLE_OS_VERSION}-pieces-tui-embedded.{__version__}"
