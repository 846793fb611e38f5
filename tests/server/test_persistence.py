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
    db = tmp_path / "crash.db"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "pieces_tui", "serve", "--db", str(db), "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("listening on "), line
        url = line.split()[2]
        acknowledged: list[str] = []
        lock = threading.Lock()
        enough = threading.Event()

        def writer(n: int) -> None:
            with httpx.Client(base_url=url, timeout=5) as http:
                for i in range(10_000):
                    try:
                        response = http.post("/conversations/create", json={"name": f"{n}-{i}"})
                    except httpx.HTTPError:
                        return  # the server is gone
                    assert response.status_code == 200
                    with lock:
                        acknowledged.append(response.json()["id"])
                        if len(acknowledged) >= 200:
                            enough.set()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        assert enough.wait(30), "the burst never reached 200 acknowledged creates"
        proc.send_signal(signal.SIGKILL)  # mid-burst: writers are still sending
        proc.wait(10)
        for thread in threads:
            thread.join(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    print(f"acknowledged before SIGKILL: {len(acknowledged)}")

    restarted = make_server(db)
    with httpx.Client(base_url=restarted.url) as http:
        stored = {ref["id"] for ref in http.get("/conversations/identifiers").json()["iterable"]}
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged writes lost"


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
