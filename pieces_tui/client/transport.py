"""The plumbing under `PiecesClient`: one httpx connection pool, requests that raise only
`PiecesError` subclasses, and parsing answers into the wire models.

The endpoints themselves are in `pieces_tui.client.http` (and the search requests in
`pieces_tui.client.search_requests`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import quote

import httpcore
import httpx

from pieces_tui.client.errors import (
    BadRequest,
    NotFound,
    PiecesUnavailable,
    ProtocolError,
    ServerError,
    SignedOut,
    UpdateRequired,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["DEFAULT_TIMEOUT", "HttpCore"]

log = logging.getLogger("pieces_tui.client.http")

DEFAULT_TIMEOUT = 10.0
"""Seconds allowed for any single call (connect, write, read and pool wait each)."""

KEEPALIVE_EXPIRY = 2.0
"""Seconds an idle pooled connection is kept for reuse."""

# What a reused keep-alive connection closed by the server raises before any response came.
_STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)

# httpcore reads an answer 64 KiB at a time (`READ_NUM_BYTES`), each read through anyio and h11's
# parser: the 36 MB list of 50,000 conversations took 0.44 s to read that way, 0.29 s at 1 MiB
# (load 3; RESULTS.md, "second pass"). A read returns what the socket holds, up to this, so a small
# answer is read as before. A class attribute of httpcore's, not an API: if it goes, this does
# nothing.
if isinstance(getattr(httpcore.AsyncHTTP11Connection, "READ_NUM_BYTES", None), int):
    httpcore.AsyncHTTP11Connection.READ_NUM_BYTES = max(
        httpcore.AsyncHTTP11Connection.READ_NUM_BYTES, 1024 * 1024
    )

UPDATE_REQUIRED = 593
"""The status Pieces OS answers when it must be updated first (raised as `UpdateRequired`)."""

# pydantic is imported by `parse` (the first answer read into a model), not here: the start's
# requests (health, version, the bulk list) need no model, and pydantic with our models costs
# ~0.15 s to import on the way to the first list (RESULTS.md, "second pass").
_M = TypeVar("_M", bound="BaseModel")
_T = TypeVar("_T")
NO_TRANSFERABLES = {"transferables": "false"}
TRANSFERABLES = {"transferables": "true"}


class HttpCore:
    """One connection pool to one Pieces OS, and the requests every endpoint goes through.

    Use as an async context manager (or call `aclose()`). Every request raises only
    `PiecesError` subclasses.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        max_concurrency: int = 8,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        # One semaphore per client bounds the fan-out of the bulk helpers (annotations(),
        # conversations_by_ids()) however many of them run at once.
        self._fanout = asyncio.Semaphore(max_concurrency)
        self._http = httpx.AsyncClient(
            base_url=self._base_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            # Pieces OS is local: never route it through a proxy from the environment.
            trust_env=False,
            # Idle connections are dropped before the server's own keep-alive timeout would close
            # them (uvicorn's is 5 s, httpx's default expiry too): fewer reuse races.
            limits=httpx.Limits(
                max_connections=max(16, max_concurrency * 2), keepalive_expiry=KEEPALIVE_EXPIRY
            ),
            # Certificate checks only matter for https. Redirects are not followed, so a plain
            # http:// client never opens a TLS connection: skip loading the CA bundle, which
            # costs ~50 ms of start-up on a small machine.
            verify=not self._base_url.startswith("http://"),
        )

    @property
    def base_url(self) -> str:
        return self._base_url

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plumbing ---------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send one request; a success is returned, anything else raised as a `PiecesError`.
        With `stream`, a successful response's body is not read yet: the caller reads it (see
        `_get_buffer`) and closes the response."""
        with self._mapped(method, path):
            request = self._http.build_request(method, path, params=params, json=body)
            try:
                response = await self._http.send(request, stream=stream)
            except _STALE_CONNECTION as exc:
                # A pooled keep-alive connection the server closed just as we reused it (its
                # idle timer and our request crossed): nothing was answered. A read is safe to
                # send again, once, on a fresh connection; a write is not retried.
                if method != "GET":
                    raise
                log.debug("%s %s: %s on a reused connection; retrying once", method, path, exc)
                request = self._http.build_request(method, path, params=params, json=body)
                response = await self._http.send(request, stream=stream)
            if response.is_success:
                return response
            if stream:
                try:
                    await response.aread()  # the error's text
                finally:
                    await response.aclose()
        text = safe_text(response)
        url = str(response.request.url)
        if response.status_code == 404:
            raise NotFound(404, text, url=url)
        if response.status_code == 401:
            raise SignedOut(401, text, url=url)
        if response.status_code == UPDATE_REQUIRED:
            raise UpdateRequired(UPDATE_REQUIRED, text, url=url)
        if 400 <= response.status_code < 500:
            raise BadRequest(response.status_code, text, url=url)
        raise ServerError(response.status_code, text, url=url)

    async def _get_buffer(self, path: str, *, params: dict[str, str] | None = None) -> bytearray:
        """GET a large body into one buffer. httpx's own read keeps every chunk and then joins
        them: twice the body at its peak (72 MB for the 36 MB list of 50,000 conversations)."""
        response = await self._request("GET", path, params=params, stream=True)
        try:
            with self._mapped("GET", path):
                buffer = bytearray()
                async for chunk in response.aiter_bytes():
                    buffer += chunk
        finally:
            await response.aclose()
        return buffer

    @contextlib.contextmanager
    def _mapped(self, method: str, path: str) -> Iterator[None]:
        """httpx's errors raised as `PiecesUnavailable`."""
        try:
            yield
        except httpx.TimeoutException as exc:
            raise PiecesUnavailable(
                f"Pieces OS at {self._base_url} did not answer {method} {path} "
                f"within {self._timeout:g} s"
            ) from exc
        except httpx.TransportError as exc:
            raise PiecesUnavailable(
                f"cannot reach Pieces OS at {self._base_url}: {type(exc).__name__} {exc}".strip()
            ) from exc
        except httpx.HTTPError as exc:  # anything else httpx may raise (e.g. an invalid URL)
            raise PiecesUnavailable(f"request to {self._base_url}{path} failed: {exc}") from exc

    async def _get_model(
        self, path: str, model: type[_M], *, params: dict[str, str] | None = None
    ) -> _M:
        response = await self._request("GET", path, params=params)
        return parse(response, model)

    async def _get_json(self, path: str, *, params: dict[str, str] | None = None) -> Any:
        response = await self._request("GET", path, params=params)
        return parse_json(response)

    async def _bounded(self, call: Callable[[], Awaitable[_T]]) -> _T:
        async with self._fanout:
            return await call()


# -- helpers (the endpoint modules use them too) ---------------------------------------------------


def seg(value: str) -> str:
    """Quote an id for use as one path segment."""
    return quote(value, safe="")


def safe_text(response: httpx.Response) -> str:
    try:
        return response.text
    except (UnicodeDecodeError, LookupError):
        return response.content.decode("utf-8", "replace")


def parse_json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        preview = safe_text(response)[:200]
        raise ProtocolError(
            f"{response.request.method} {response.request.url.path} did not answer JSON",
            detail=f"{exc}; body starts {preview!r}",
        ) from exc


def parse(response: httpx.Response, model: type[_M]) -> _M:
    # Validating straight from bytes skips building Python dicts first: about 30 % faster on
    # the 10,000-conversation snapshot than json.loads + model_validate.
    from pydantic import ValidationError

    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        where = f"{response.request.method} {response.request.url.path}"
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            preview = safe_text(response)[:200]
            raise ProtocolError(
                f"{where} did not answer JSON", detail=f"{exc}; body starts {preview!r}"
            ) from exc
        raise ProtocolError(
            f"{where} answered an invalid {model.__name__}", detail=str(exc)
        ) from exc


async def gather_all(calls: Sequence[Awaitable[_T]]) -> list[_T]:
    """Run all calls; if one fails, cancel the others and raise its error."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
