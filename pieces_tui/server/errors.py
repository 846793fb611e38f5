"""Client errors as text/plain responses (Pieces OS answers errors with a text/plain body)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from pieces_tui.server.storage_errors import StorageError


class ApiError(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def not_found(kind: str, item_id: str) -> ApiError:
    return ApiError(404, f"{kind} not found: {item_id}")


async def api_error_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return PlainTextResponse(exc.text, status_code=exc.status)


async def http_error_response(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 for unknown routes, as text."""
    status = getattr(exc, "status_code", 500)
    detail = getattr(exc, "detail", None) or "error"
    headers = getattr(exc, "headers", None)
    return PlainTextResponse(str(detail), status_code=status, headers=headers)


async def storage_error_response(request: Request, exc: Exception) -> Response:
    """503 (507 for a full disk) with the reason and the database's path; never a traceback."""
    assert isinstance(exc, StorageError)
    headers = {"Retry-After": "5"} if exc.kind == "busy" else None
    return PlainTextResponse(exc.reason, status_code=exc.status, headers=headers)
