"""The list snapshot: a round trip is exact, and a file that is not exactly ours is ignored."""

from __future__ import annotations

import json
import logging
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pieces_tui.client.summaries import ConversationSummary
from pieces_tui.state.snapshot import FIELDS as SNAPSHOT_FIELDS
from pieces_tui.state.snapshot import (
    MAX_SNAPSHOT_BYTES,
    load_snapshot,
    save_snapshot,
    snapshot_path,
)

URL = "http://127.0.0.1:39300"
BASE = datetime(2026, 12, 1, tzinfo=UTC)


def rows(count: int) -> list[ConversationSummary]:
    return [
        ConversationSummary(
            id=f"c{i:05d}",
            name=None if i % 7 == 0 else f"Conversation {i} ✓ 漢字",
            created=BASE + timedelta(minutes=i),
            updated=BASE + timedelta(minutes=i, microseconds=i),
            message_count=i % 13,
            type="COPILOT",
            favorited=i % 3 == 0,
        )
        for i in range(count)
    ]


def test_the_snapshot_knows_every_field_of_the_summary() -> None:
    assert tuple(field.name for field in fields(ConversationSummary)) == SNAPSHOT_FIELDS


def test_round_trip_is_exact(tmp_path: Path) -> None:
    saved = rows(500)
    save_snapshot(URL, saved, tmp_path)
    assert load_snapshot(URL, tmp_path) == saved
    assert load_snapshot(URL + "/", tmp_path) == saved  # the same address


def test_none_without_a_snapshot(tmp_path: Path) -> None:
    assert load_snapshot(URL, tmp_path / "missing") is None


def test_another_address_has_its_own_file_and_never_reads_this_one(tmp_path: Path) -> None:
    save_snapshot(URL, rows(3), tmp_path)
    other = "http://127.0.0.1:39301"
    assert snapshot_path(other, tmp_path) != snapshot_path(URL, tmp_path)
    assert load_snapshot(other, tmp_path) is None
    # A file copied under another address's name is refused by the address written inside it.
    snapshot_path(URL, tmp_path).rename(snapshot_path(other, tmp_path))
    assert load_snapshot(other, tmp_path) is None


def test_the_file_is_private_and_holds_only_the_summary_fields(tmp_path: Path) -> None:
    path = save_snapshot(URL, rows(2), tmp_path)
    assert path.stat().st_mode & 0o077 == 0
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["fields"] == [
        "id",
        "name",
        "created",
        "updated",
        "message_count",
        "type",
        "favorited",
    ]
    assert set(document) == {"format", "version", "server", "fields", "written", "rows"}


def test_writing_replaces_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    save_snapshot(URL, rows(10), tmp_path)
    save_snapshot(URL, rows(4), tmp_path)
    assert load_snapshot(URL, tmp_path) == rows(4)
    assert sorted(p.name for p in tmp_path.iterdir()) == [snapshot_path(URL, tmp_path).name]


def _rewrite(path: Path, change: dict[str, object]) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    document.update(change)
    path.write_text(json.dumps(document), encoding="utf-8")


GOOD_ROW = ["c1", "name", 0, 1, 2, "COPILOT", False]


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("an older version", {"version": 1}),
        ("other format", {"format": "something else"}),
        ("other server", {"server": "http://127.0.0.1:1"}),
        ("other fields", {"fields": ["id", "name"]}),
        ("rows not a list", {"rows": {"c1": GOOD_ROW}}),
        ("short row", {"rows": [GOOD_ROW[:-1]]}),
        ("id not a string", {"rows": [[1, *GOOD_ROW[1:]]]}),
        ("empty id", {"rows": [["", *GOOD_ROW[1:]]]}),
        ("time as text", {"rows": [["c1", "n", "2026-12-01", 1, 2, "COPILOT", False]]}),
        ("time as bool", {"rows": [["c1", "n", True, 1, 2, "COPILOT", False]]}),
        ("huge time", {"rows": [["c1", "n", 10**30, 1, 2, "COPILOT", False]]}),
        ("negative count", {"rows": [["c1", "n", 0, 1, -1, "COPILOT", False]]}),
        ("count as float", {"rows": [["c1", "n", 0, 1, 2.5, "COPILOT", False]]}),
        ("name as list", {"rows": [["c1", ["n"], 0, 1, 2, "COPILOT", False]]}),
        ("favorited as int", {"rows": [[*GOOD_ROW[:-1], 1]]}),
        ("an id twice", {"rows": [GOOD_ROW, GOOD_ROW]}),
        ("one bad row among good ones", {"rows": [GOOD_ROW, ["c2", "n", 0, 1, None, "X", False]]}),
    ],
)
def test_a_foreign_or_malformed_snapshot_is_ignored_whole(
    tmp_path: Path, case: str, change: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    path = save_snapshot(URL, rows(3), tmp_path)
    _rewrite(path, change)
    with caplog.at_level(logging.WARNING, logger="pieces_tui.state.snapshot"):
        assert load_snapshot(URL, tmp_path) is None, case
    assert "ignored" in caplog.text


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"not json at all", b"\xff\xfe\x00garbage", b"[]", b"null", b'{"rows": []}'],
)
def test_corrupt_or_truncated_bytes_are_ignored(tmp_path: Path, content: bytes) -> None:
    path = save_snapshot(URL, rows(3), tmp_path)
    path.write_bytes(content)
    assert load_snapshot(URL, tmp_path) is None


def test_a_truncated_real_snapshot_is_ignored(tmp_path: Path) -> None:
    path = save_snapshot(URL, rows(200), tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert load_snapshot(URL, tmp_path) is None


def test_an_oversized_file_is_not_read(tmp_path: Path) -> None:
    path = snapshot_path(URL, tmp_path)
    with path.open("wb") as handle:
        handle.truncate(MAX_SNAPSHOT_BYTES + 1)  # sparse: cheap to make
    assert load_snapshot(URL, tmp_path) is None


def test_an_unreadable_path_is_ignored(tmp_path: Path) -> None:
    snapshot_path(URL, tmp_path).mkdir()  # open() fails with an OSError (even for root)
    assert load_snapshot(URL, tmp_path) is None


def test_saving_into_an_unusable_folder_raises_oserror(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OSError):
        save_snapshot(URL, rows(1), blocker / "lists")
