"""Raw HTTP over a real socket, for requests no well-behaved client would send."""

from __future__ import annotations

import base64
import os
import socket
import time
from dataclasses import dataclass

TIMEOUT = 5.0


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lowercased names; the last value wins
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def read_head(sock: socket.socket, deadline: float) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and whatever body bytes came along with the head."""
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a full response head: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


def read_reply(sock: socket.socket, timeout: float = TIMEOUT) -> Reply:
    deadline = time.monotonic() + timeout
    status, headers, body = read_head(sock, deadline)
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Reply(status, headers, body)


def request(port: int, head: str, body: bytes = b"") -> Reply:
    """Send `head` (request line and headers, no blank line) and `body`; read one reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n\r\n" + body)
        return read_reply(sock)


def websocket_head(path: str, host: str, extra: str = "") -> str:
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    return "\r\n".join(lines) + extra
