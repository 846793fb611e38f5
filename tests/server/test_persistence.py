"""Data survives restarts; acknowledged writes survive a SIGKILL of `pieces-tui serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from pieces_tui.server import EmbeddedServer

from .dbstate import integrity


def test_data_survives_a_restart(
    make_server: Callable[..., EmbeddedServer], tmp_path: Path
) -> None:
    db = tmp_path / "kept.db"
    first = make_server(db)
    with httpx.Client(base_url=first.url) as http:
        conv = http.post("/conversations/create", json={"name": "keep me"}).json()
        body = {
            "role": "USER",
            "fragment": {"string": {"raw": "still here?"}},
            "conversation": {"id": conv["id"]},
        }
        http.post("/messages/create", json=body)
        before = http.get(f"/conversation/{conv['id']}").json()
    port = first.port
    first.stop()
    first.start()  # the same object restarts on the same port
    assert first.port == port
    with httpx.Client(base_url=first.url) as http:
        assert http.get(f"/conversation/{conv['id']}").json() == before
    first.stop()

    second = make_server(db, demo=True)  # demo data goes only into an empty database
    with httpx.Client(base_url=second.url) as http:
        assert [c["id"] for c in http.get("/conversations").json()["iterable"]] == [conv["id"]]
        messages = http.get(f"/conversation/{conv['id']}/messages").json()["iterable"]
        assert messages[0]["fragment"]["string"]["raw"] == "still here?"


def test_sigkill_loses_no_acknowledged_write(
    make_server: Callable[..., EmbeddedServer], tmp_path: Path
) -> None:
    """SIGKILL `pieces-tui serve` in the middle of concurrent creates (with a message each, so
    deletes cascade) and deletes; on restart every acknowledged create is there, every
    acknowledged delete is gone, and SQLite finds the file intact."""
    db = tmp_path / "crash.db"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "pieces_tui", "serve", "--db", str(db), "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    created: list[str] = []  # acknowledged creates, in order
    deleting: set[str] = set()  # deletes sent (one in flight at the kill may have happened)
    deleted: set[str] = set()  # acknowledged deletes
    unexpected: list[str] = []  # answers other than success (threads cannot fail the test)
    lock = threading.Condition()  # notified on every acknowledged create
    enough = threading.Event()
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("listening on "), line
        url = line.split()[2]

        def note() -> None:
            if len(created) >= 200 and len(deleted) >= 100:
                enough.set()

        def creator(n: int) -> None:
            with httpx.Client(base_url=url, timeout=5) as http:
                for i in range(10_000):
                    body = {
                        "name": f"{n}-{i}",
                        "messages": [{"role": "USER", "fragment": {"string": {"raw": "hi"}}}],
                    }
                    try:
                        response = http.post("/conversations/create", json=body)
                    except httpx.HTTPError:
                        return  # the server is gone
                    if response.status_code != 200:
                        unexpected.append(f"create: {response.status_code} {response.text}")
                        return
                    with lock:
                        created.append(response.json()["id"])
                        note()
                        lock.notify_all()

        def deleter(n: int) -> None:
            with httpx.Client(base_url=url, timeout=5) as http:
                while True:
                    with lock:  # every other acknowledged create, never the same one twice
                        candidates = [c for c in created[n::2] if c not in deleting]
                        if candidates:
                            deleting.add(candidates[0])
                        elif proc.poll() is not None:
                            return
                        else:
                            lock.wait(0.5)  # for the next create
                            continue
                    try:
                        response = http.post(f"/conversations/{candidates[0]}/delete")
                    except httpx.HTTPError:
                        return
                    if response.status_code != 204:
                        unexpected.append(f"delete: {response.status_code} {response.text}")
                        return
                    with lock:
                        deleted.add(candidates[0])
                        note()

        threads = [threading.Thread(target=creator, args=(n,)) for n in range(2)]
        threads += [threading.Thread(target=deleter, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        assert enough.wait(30), "the burst never reached 200 creates and 100 deletes"
        proc.send_signal(signal.SIGKILL)  # mid-burst: creates and deletes are in flight
        proc.wait(10)
        for thread in threads:
            thread.join(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not unexpected, unexpected
    print(f"acknowledged before SIGKILL: {len(created)} creates, {len(deleted)} deletes")

    restarted = make_server(db)
    with httpx.Client(base_url=restarted.url) as http:
        stored = {ref["id"] for ref in http.get("/conversations/identifiers").json()["iterable"]}
    missing = set(created) - deleting - stored
    assert not missing, f"{len(missing)} acknowledged creates lost"
    resurrected = deleted & stored
    assert not resurrected, f"{len(resurrected)} acknowledged deletes undone"
    restarted.stop()
    check, orphans = integrity(db)
    assert check == "ok"
    assert orphans == []


def test_serve_stops_cleanly_on_sigterm_and_sigint(tmp_path: Path) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        cmd = [sys.executable, "-m", "pieces_tui", "serve", "--db", str(tmp_path / "t.db")]
        cmd += ["--port", "0", "--demo"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        url = line.split()[2]
        assert httpx.get(url + "/.well-known/health").text == "ok"
        start = time.perf_counter()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err.decode()
        assert "GET /.well-known/health 200" in err.decode()  # one log line per request
        print(f"{sig.name}: stopped in {time.perf_counter() - start:.2f}s")
