"""The server as a local service facing hostile web pages: Host (DNS rebinding), Origin (CSRF,
WebSocket hijacking), CORS preflights, request size, loopback by default."""

from __future__ import annotations

import inspect
import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from pieces_tui.server import EmbeddedServer
from pieces_tui.server.cli import build_parser
from pieces_tui.server.guard import MAX_BODY_BYTES, host_name, normalise_name, origin_name

from .dbstate import table_counts
from .rawhttp import TIMEOUT, read_head, read_reply, request, websocket_head

STREAM = "/conversations/stream/identifiers"


def eventually(condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    """Poll `condition` until it holds or `timeout` passes (a bounded wait, not a guess)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def assert_refused(
    status: int, headers: httpx.Headers | dict[str, str], text: str, what: str
) -> None:
    assert status == 403, text
    assert headers["content-type"].startswith("text/plain")
    assert text.startswith("forbidden: ") and what in text
    assert not any(name.lower().startswith("access-control-") for name in headers)


# -- Host: DNS rebinding -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:{port}", "localhost:{port}", "LocalHost:{port}", "[::1]:{port}", "127.0.0.1",
     "localhost", "[::1]", "localhost.:{port}", "127.0.0.1:1"],
)  # fmt: skip
def test_loopback_hosts_pass(shared_demo_server: EmbeddedServer, host: str) -> None:
    headers = {"Host": host.format(port=shared_demo_server.port)}
    response = httpx.get(shared_demo_server.url + "/.well-known/health", headers=headers)
    assert response.status_code == 200 and response.text == "ok"


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}",
     "localhost.evil.example", "127.0.0.2:{port}", "[::2]:{port}", "0.0.0.0:{port}",
     "localhost:abc", "localhost:",
     "localhost:{port}:1", "user@localhost", "[localhost]:{port}", "[::1]x", "::1", "",
     "localhost%00", "l\u00f6calhost"],
)  # fmt: skip
def test_other_hosts_are_refused(shared_demo_server: EmbeddedServer, host: str) -> None:
    host = host.format(port=shared_demo_server.port)
    before = table_counts(shared_demo_server.db_path)
    for method, path in [("GET", "/conversations"), ("POST", "/conversations/create")]:
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 2\r\nConnection: close"
        reply = request(shared_demo_server.port, head, b"{}")
        assert_refused(reply.status, reply.headers, reply.text, "Host")
        assert "--allow-host" in reply.text
    assert table_counts(shared_demo_server.db_path) == before


def test_missing_or_repeated_host_is_refused(shared_demo_server: EmbeddedServer) -> None:
    missing = request(shared_demo_server.port, "GET /conversations HTTP/1.0")
    assert_refused(missing.status, missing.headers, missing.text, "Host")
    twice = request(
        shared_demo_server.port, "GET /conversations HTTP/1.1\r\nHost: localhost\r\nHost: evil"
    )
    assert twice.status in {400, 403}  # h11 may refuse it first; never served


def test_websocket_with_a_foreign_host_is_refused(shared_demo_server: EmbeddedServer) -> None:
    for path in (STREAM, "/.well-known/stream/health"):
        reply = request(
            shared_demo_server.port, websocket_head(path, f"evil.example:{shared_demo_server.port}")
        )
        assert_refused(reply.status, reply.headers, reply.text, "Host")
    assert eventually(lambda: shared_demo_server.stream_clients == 0)


def test_refusals_echo_the_value_safely(shared_demo_server: EmbeddedServer) -> None:
    hostile = "<script>alert(1)</script>" + "x" * 500
    reply = request(
        shared_demo_server.port, f"GET / HTTP/1.1\r\nHost: {hostile}\r\nConnection: close"
    )
    assert reply.status == 403
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert len(reply.body) < 400  # clipped


# -- Origin: cross-site requests and WebSocket hijacking ---------------------------------------

EVIL_ORIGINS = [
    "https://evil.example",
    "http://evil.example:39300",
    "null",
    "http://localhost.evil.example",
    "http://127.0.0.1.evil.example",
    "http://127.0.0.1@evil.example",
    "http://evil.example#@127.0.0.1",
    "http://localhost:3000/path",
    "file://",
    "chrome-extension://abcdef",
    "ws://localhost",
    "",
]
# Local pages pass only when served from this server's own port ({port}); see test_origin_port.
GOOD_ORIGINS = [
    "http://localhost:{port}",
    "https://127.0.0.1:{port}",
    "http://[::1]:{port}",
    "HTTP://LOCALHOST:{port}",
]


@pytest.mark.parametrize("origin", EVIL_ORIGINS)
def test_cross_site_writes_are_refused(shared_demo_server: EmbeddedServer, origin: str) -> None:
    before = table_counts(shared_demo_server.db_path)
    some_id = httpx.get(shared_demo_server.url + "/conversations/identifiers").json()["iterable"][
        0
    ]["id"]
    headers = {"Origin": origin, "Content-Type": "text/plain"}  # a "simple" request: no preflight
    with httpx.Client(base_url=shared_demo_server.url, headers=headers) as http:
        for path, body in [
            ("/conversations/create", '{"name": "csrf"}'),
            (f"/conversations/{some_id}/delete", ""),
            ("/conversation/update", f'{{"id": "{some_id}", "name": "csrf"}}'),
        ]:
            response = http.post(path, content=body)
            assert_refused(response.status_code, response.headers, response.text, "cross-origin")
        response = http.get("/conversations")  # reads too: a page must not fetch the data
        assert response.status_code == 403
    assert table_counts(shared_demo_server.db_path) == before


@pytest.mark.parametrize("origin", EVIL_ORIGINS[:4])
async def test_cross_site_websockets_are_refused(
    shared_demo_server: EmbeddedServer, origin: str
) -> None:
    url = shared_demo_server.url.replace("http://", "ws://")
    for path in (STREAM, "/.well-known/stream/health"):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url + path, origin=origin):
                pass
        assert refused.value.response.status_code == 403
        assert b"cross-origin" in refused.value.response.body
    assert eventually(lambda: shared_demo_server.stream_clients == 0)


@pytest.mark.parametrize("origin", GOOD_ORIGINS)
async def test_loopback_origins_pass(shared_demo_server: EmbeddedServer, origin: str) -> None:
    origin = origin.format(port=shared_demo_server.port)
    async with httpx.AsyncClient(
        base_url=shared_demo_server.url, headers={"Origin": origin}
    ) as http:
        created = await http.post("/conversations/create", json={"name": "local page"})
        assert created.status_code == 200
        assert "access-control-allow-origin" not in created.headers
    url = shared_demo_server.url.replace("http://", "ws://") + STREAM
    async with connect(url, origin=origin) as ws:
        assert created.json()["id"] in await ws.recv()


def test_cors_preflights_are_not_answered_permissively(shared_demo_server: EmbeddedServer) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    for origin in ("https://evil.example", "http://localhost:3000"):
        headers = {**preflight, "Origin": origin}
        for path in ("/conversations/create", "/conversations", "/nope"):
            response = httpx.options(shared_demo_server.url + path, headers=headers)
            assert response.status_code in {403, 404, 405}
            assert not any(name.startswith("access-control-") for name in response.headers)
    no_origin = httpx.get(shared_demo_server.url + "/conversations")
    assert not any(name.startswith("access-control-") for name in no_origin.headers)


# -- request size --------------------------------------------------------------------------------


def test_a_5mb_message_is_accepted(server: EmbeddedServer) -> None:
    assert MAX_BODY_BYTES >= 8 * 1024 * 1024
    text = "0123456789abcdef" * (5 * 1024 * 1024 // 16)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        cid = http.post("/conversations/create").json()["id"]
        body = {"role": "USER", "fragment": {"string": {"raw": text}}, "conversation": {"id": cid}}
        response = http.post("/messages/create", json=body)
        assert response.status_code == 200, response.text[:200]
        assert len(response.json()["fragment"]["string"]["raw"]) == len(text)


def test_an_oversize_content_length_is_refused_before_the_body(server: EmbeddedServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        head = (
            f"POST /conversations/create HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {1 << 30}\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"name": "' + b"x" * 1000)  # 1 KB of a 1 GiB body
        started = time.perf_counter()
        reply = read_reply(sock)
        elapsed = time.perf_counter() - started
        assert reply.status == 413, reply.text
        assert reply.headers["connection"] == "close"
        assert "too large" in reply.text and str(MAX_BODY_BYTES) in reply.text
        sock.settimeout(TIMEOUT)
        assert sock.recv(1) == b""  # the server hung up: the rest will never be read
    print(f"413 for a 1 GiB Content-Length after {elapsed * 1000:.1f} ms")
    assert httpx.get(server.url + "/.well-known/health").text == "ok"


def test_an_oversize_chunked_body_is_refused_while_it_streams(server: EmbeddedServer) -> None:
    """No Content-Length: the server counts as the body arrives and answers 413 long before the
    client is done (the client reads while it sends, as a careful client would)."""
    chunk = b"x" * 65536
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    total = 64 * 1024 * 1024  # what the client would send if nobody stopped it
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        head = (
            f"POST /messages/create HTTP/1.1\r\nHost: localhost:{server.port}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        deadline = time.monotonic() + 20
        sock.setblocking(False)
        while True:
            assert time.monotonic() < deadline, f"no answer after {sent} bytes"
            readable, writable, _ = select.select([sock], [sock] if sent < total else [], [], 1)
            if readable:
                break
            if writable:
                try:
                    sent += sock.send(frame)  # may be partial: that only garbles the junk body
                except (BlockingIOError, InterruptedError):
                    continue
        sock.setblocking(True)
        status, headers, body = read_head(sock, time.monotonic() + TIMEOUT)
    assert status == 413, body
    assert headers["connection"] == "close"
    assert MAX_BODY_BYTES < sent < total
    print(f"413 after the client sent {sent / 1024 / 1024:.1f} MiB (limit 8 MiB)")
    assert httpx.get(server.url + "/.well-known/health").text == "ok"


@pytest.mark.parametrize("chunked", [False, True])
def test_the_bound_is_exact(make_server: Callable[..., EmbeddedServer], chunked: bool) -> None:
    server = make_server(max_body=1000)
    for size, want in [(1000, 422), (1001, 413)]:
        body = b'{"name": 1' + b" " * (size - 11) + b"}"
        assert len(body) == size
        head = (
            "POST /conversations/create HTTP/1.1\r\nHost: localhost\r\nConnection: close"
            "\r\nContent-Type: application/json"
        )
        if chunked:
            half = size // 2
            pieces = [body[:half], body[half:]]
            wire = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces) + b"0\r\n\r\n"
            reply = request(server.port, head + "\r\nTransfer-Encoding: chunked", wire)
        else:
            reply = request(server.port, head + f"\r\nContent-Length: {size}", body)
        assert reply.status == want, reply.text


# -- loopback by default, --allow-host, --bind ---------------------------------------------------


def test_loopback_is_the_default_bind(server: EmbeddedServer) -> None:
    default = inspect.signature(EmbeddedServer).parameters["host"].default
    assert default == "127.0.0.1"
    assert build_parser().parse_args([]).bind == "127.0.0.1"
    assert server.host == "127.0.0.1" and server.url.startswith("http://127.0.0.1:")


def test_the_bind_address_and_extra_names_are_allowed(
    make_server: Callable[..., EmbeddedServer],
) -> None:
    server = make_server(host="127.0.0.2", allow_hosts=["Pieces.Test", "10.1.2.3", "fd00::1"])
    assert server.url.startswith("http://127.0.0.2:")
    for host in ("127.0.0.2", "pieces.test:8080", "10.1.2.3", "[fd00::1]:1", "localhost"):
        response = httpx.get(server.url + "/.well-known/health", headers={"Host": host})
        assert response.status_code == 200, host
    response = httpx.get(
        server.url + "/conversations",
        headers={"Host": "127.0.0.2", "Origin": f"http://pieces.test:{server.port}"},
    )
    assert response.status_code == 200
    for host in ("127.0.0.3", "evil.pieces.test", "10.1.2.4"):
        response = httpx.get(server.url + "/.well-known/health", headers={"Host": host})
        assert response.status_code == 403, host


def test_bad_allowed_names_are_refused(tmp_path: Path) -> None:
    for bad in ("", "a b", "evil/x", "x:y:z", "user@host"):
        with pytest.raises(ValueError):
            EmbeddedServer(tmp_path / "x.db", allow_hosts=[bad])
    assert build_parser().parse_args(["--allow-host", "a", "--allow-host", "b"]).allow_host == [
        "a",
        "b",
    ]


def test_serve_allow_host(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "pieces_tui", "serve", "--db", str(tmp_path / "s.db")]
    bad = subprocess.run([*cmd, "--allow-host", "a b"], capture_output=True, timeout=30)
    assert bad.returncode == 2 and b"not a host name" in bad.stderr
    cmd += ["--port", "0", "--allow-host", "pieces.test", "--allow-host", "other.test"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("listening on http://127.0.0.1:"), line
        url = line.split()[2]
        for host, want in [("pieces.test", 200), ("other.test:1", 200), ("evil.test", 403)]:
            response = httpx.get(url + "/.well-known/health", headers={"Host": host})
            assert response.status_code == want, host
    finally:
        proc.terminate()
        proc.wait(15)


# -- the parsing rules themselves ----------------------------------------------------------------


def test_host_and_origin_parsing() -> None:
    assert host_name("LOCALHOST.:80") == "localhost"
    assert host_name("[::1]:39300") == "::1"
    assert host_name("[::1]") == "::1"
    for bad in ("", ":80", "[::1", "[::1]:", "[::1]80", "a:b:c", "a:123456", "a:-1", "[a]"):
        assert host_name(bad) is None, bad
    assert origin_name("https://127.0.0.1:8443") == "127.0.0.1"
    for bad in ("null", "127.0.0.1", "ftp://localhost", "http://", "http://localhost/x"):
        assert origin_name(bad) is None, bad
    assert normalise_name("::1") == "::1" and normalise_name("[::1]") == "::1"


# -- Origin ports, --allow-origin, the JSON media type -------------------------------------------


@pytest.mark.parametrize(
    "origin", ["http://localhost:3000", "https://127.0.0.1", "http://[::1]:1", "http://localhost"]
)
def test_local_pages_on_other_ports_are_refused(
    shared_demo_server: EmbeddedServer, origin: str
) -> None:
    before = table_counts(shared_demo_server.db_path)
    response = httpx.post(
        shared_demo_server.url + "/conversations/create",
        json={"name": "from another local page"},
        headers={"Origin": origin},
    )
    assert_refused(response.status_code, response.headers, response.text, "--allow-origin")
    assert table_counts(shared_demo_server.db_path) == before


def test_allowed_origins_pass_on_any_port(make_server: Callable[..., EmbeddedServer]) -> None:
    server = make_server(allow_origins=["http://localhost:3000", "https://Tool.Test/"])
    for origin in ("http://localhost:3000", "https://tool.test", "https://tool.test:443"):
        response = httpx.post(
            server.url + "/conversations/create", json={}, headers={"Origin": origin}
        )
        assert response.status_code == 200, origin
    for origin in ("http://localhost:3001", "http://tool.test", "https://localhost:3000"):
        response = httpx.get(server.url + "/conversations", headers={"Origin": origin})
        assert response.status_code == 403, origin
    with pytest.raises(ValueError, match="not an origin"):
        EmbeddedServer(server.db_path, allow_origins=["localhost:3000"])


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_post_bodies_must_be_json(server: EmbeddedServer, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    with httpx.Client(base_url=server.url) as http:
        cid = http.post("/conversations/create", json={"name": "kept"}).json()["id"]
        before = table_counts(server.db_path)
        for path, body in [
            ("/conversations/create", '{"name": "sneaked in"}'),
            ("/conversation/update", f'{{"id": "{cid}", "name": "renamed"}}'),
            (f"/conversations/{cid}/delete", "{}"),
        ]:
            response = http.post(path, content=body, headers=headers)
            assert response.status_code == 415, response.text
            assert "application/json" in response.text
        assert table_counts(server.db_path) == before
        assert http.get(f"/conversation/{cid}").json()["name"] == "kept"


def test_json_with_parameters_and_empty_posts_pass(server: EmbeddedServer) -> None:
    with httpx.Client(base_url=server.url) as http:
        typed = {"content-type": "Application/JSON; charset=utf-8"}
        created = http.post("/conversations/create", content='{"name": "a"}', headers=typed)
        assert created.status_code == 200
        assert http.post("/conversations/create").status_code == 200  # no body, no type
        assert http.post(f"/conversations/{created.json()['id']}/delete").status_code == 204
