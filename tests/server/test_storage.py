"""Storage faults: schema versions, damaged and unusable files, a full disk. Each answers with a
reason that names the file (503/507 over HTTP, a line and exit 1 from `serve`), never a
traceback, and nothing goes on writing into a damaged file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pieces_tui.demo_runner import DemoServer, DemoUnavailable
from pieces_tui.server import EmbeddedServer, schema
from pieces_tui.server.db import Database
from pieces_tui.server.schema import SCHEMA_VERSION
from pieces_tui.server.storage_errors import StorageError

from .dbstate import integrity


def serve_once(
    path: Path, preexec_fn: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """`pieces-tui serve` on `path`, for a database it must refuse (so it exits by itself)."""
    return subprocess.run(
        [sys.executable, "-m", "pieces_tui", "serve", "--port", "0", "--db", str(path)],
        preexec_fn=preexec_fn,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_refused_by_cli(
    path: Path, words: str, preexec_fn: Callable[[], None] | None = None
) -> None:
    done = serve_once(path, preexec_fn)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert str(path) in done.stderr and words in done.stderr, done.stderr


def fill(path: Path, count: int) -> None:
    with EmbeddedServer(path, seed=count):
        pass


# -- schema versions ---------------------------------------------------------------------------


def test_a_new_file_is_stamped_with_the_schema_version(tmp_path: Path) -> None:
    database = Database(tmp_path / "new.db")
    assert database.schema_version == SCHEMA_VERSION
    database.close()


def test_a_newer_schema_is_refused_with_its_version(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    fill(path, 3)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StorageError) as refused:
        EmbeddedServer(path).start()
    error = refused.value
    assert error.kind == "newer" and error.status == 503
    assert str(path) in error.reason and str(SCHEMA_VERSION + 5) in error.reason
    assert_refused_by_cli(path, "newer pieces-tui")


def test_a_file_from_before_versioning_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    fill(path, 3)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=0")
    conn.close()
    with EmbeddedServer(path) as server:
        assert len(httpx.get(server.url + "/conversations").json()["iterable"]) == 3
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_an_older_file_is_migrated_step_by_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v1.db"
    fill(path, 2)
    ran: list[int] = []

    def to_next(conn: sqlite3.Connection) -> None:
        ran.append(1)
        conn.execute("ALTER TABLE conversations ADD COLUMN archived INTEGER NOT NULL DEFAULT 0")

    # The documented one-function change (schema.py docstring), made for this test only.
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, SCHEMA_VERSION + 1, to_next)
    with EmbeddedServer(path) as server:
        # Named-column INSERTs keep working with the extra column.
        created = httpx.post(server.url + "/conversations/create", json={"name": "after"})
        assert created.status_code == 200
        assert len(httpx.get(server.url + "/conversations").json()["iterable"]) == 3
    with EmbeddedServer(path):  # already at the new version: the step does not run again
        pass
    assert ran == [1]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    conn.close()


# -- unusable files ----------------------------------------------------------------------------


def test_a_file_of_random_bytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.db"
    path.write_bytes(os.urandom(64 * 1024))
    with pytest.raises(StorageError) as refused:
        EmbeddedServer(path).start()
    assert refused.value.kind == "damaged" and str(path) in refused.value.reason
    assert_refused_by_cli(path, "damaged")


def test_a_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    path = blocker / "server.db"
    with pytest.raises(StorageError) as refused:
        EmbeddedServer(path).start()
    assert str(path) in refused.value.reason
    assert_refused_by_cli(path, "storage error")


# Root writes into read-only folders through CAP_DAC_OVERRIDE (CI runs as root): the server
# then runs in a child whose capability bounding set lacks it and its two kin, so the kernel
# holds it to the folder's mode as it would any user (a root-owned 0555 folder: no writes).
_OVERRIDES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
_PR_CAPBSET_DROP = 24


def _without_overrides() -> None:
    """preexec_fn: drop the permission overrides from the bounding set; the exec that follows
    leaves them out of the child's permitted and effective sets."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _OVERRIDES:
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


_START = """
import sys
from pieces_tui.server import EmbeddedServer
from pieces_tui.server.storage_errors import StorageError
try:
    EmbeddedServer(sys.argv[1]).start()
except StorageError as error:
    print(error.kind, error.status)
    print(error.reason)
    sys.exit(3)
print("started")
"""


def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    unprivileged = _without_overrides if os.geteuid() == 0 else None
    try:
        probe = subprocess.run(
            [sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
            preexec_fn=unprivileged,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert probe.returncode != 0 and "PermissionError" in probe.stderr, probe.stderr
        path = folder / "server.db"
        started = subprocess.run(
            [sys.executable, "-c", _START, str(path)],
            preexec_fn=unprivileged,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert started.returncode == 3, started.stdout + started.stderr
        assert "Traceback" not in started.stderr
        head, reason = started.stdout.split("\n", 1)
        assert head == "readonly 503"
        assert str(path) in reason
        assert_refused_by_cli(path, "storage error", unprivileged)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def corrupt_middle(path: Path) -> None:
    """Overwrite a run of pages in the middle of the file (the WAL checkpointed first)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(size // 2 // 4096 * 4096)
        file.write(os.urandom(16 * 4096))


def test_a_file_damaged_mid_file_is_refused_on_start(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    fill(path, 400)
    corrupt_middle(path)
    with pytest.raises(StorageError) as refused:
        EmbeddedServer(path).start()
    assert refused.value.kind == "damaged"
    assert "integrity check" in refused.value.reason and str(path) in refused.value.reason
    assert_refused_by_cli(path, "damaged")


def test_damage_found_while_serving_stops_reads_and_writes(tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    fill(path, 400)
    with EmbeddedServer(path) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/.well-known/health").text == "ok"
        corrupt_middle(path)
        listing = http.get("/conversations")
        assert listing.status_code == 503, listing.text
        assert listing.headers["content-type"].startswith("text/plain")
        assert "damaged" in listing.text and str(path) in listing.text
        assert "Traceback" not in listing.text
        write = http.post("/conversations/create", json={"name": "into the damage"})
        assert write.status_code == 503 and "damaged" in write.text
        health = http.get("/.well-known/health")
        assert health.status_code == 503 and str(path) in health.text


def test_a_full_disk_is_answered_507_and_the_server_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "small.db"
    with EmbeddedServer(path, max_db_pages=40) as server, httpx.Client(base_url=server.url) as http:
        body = {"name": "big", "messages": [{"role": "USER", "fragment": {"string": {"raw": ""}}}]}
        body["messages"][0]["fragment"]["string"]["raw"] = "x" * 20_000  # type: ignore[index]
        kept = 0
        for _ in range(200):
            response = http.post("/conversations/create", json=body)
            if response.status_code != 200:
                break
            kept += 1
        assert response.status_code == 507, response.text
        assert "full" in response.text and str(path) in response.text
        assert "Traceback" not in response.text
        # What was acknowledged is all there, reads go on, and small writes still fit later.
        listing = http.get("/conversations")
        assert listing.status_code == 200 and len(listing.json()["iterable"]) == kept
        assert http.get("/.well-known/health").text == "ok"
    assert integrity(path) == ("ok", [])


# -- the demo wrapper --------------------------------------------------------------------------


async def test_the_demo_on_an_unusable_file_fails_with_choices(tmp_path: Path) -> None:
    path = tmp_path / "noise.db"
    path.write_bytes(os.urandom(8192))
    demo = DemoServer(path)
    with pytest.raises(DemoUnavailable) as failed:
        await demo.start()
    assert str(path) in failed.value.reason and "damaged" in failed.value.reason
    assert any("another --db" in choice for choice in failed.value.choices)
    await demo.stop()
