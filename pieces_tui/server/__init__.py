"""The embedded Pieces-OS-compatible server (Starlette on uvicorn, SQLite). No Textual imports."""

from pieces_tui.server.runner import EmbeddedServer

__all__ = ["EmbeddedServer"]
