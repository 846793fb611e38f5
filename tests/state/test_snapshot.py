"""The list snapshot: a round trip is exact, and a file that is not exactly ours is ignored."""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pieces_tui.client.summaries import ConversationSummary
from pieces_tui.state.snapshot import FIELDS as SNAPSHOT_FIELDS
from pieces_tui.state.snapshot import (
    HEAD,
    MAX_SNAPSHOT_BYTES,
    SnapshotUnusable,
    load_snapshot,
    open_snapshot,
    save_snapshot,
    snapshot_path,
)
from pieces_tui.state.store import ConversationStore

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


def shown(summaries: list[ConversationSummary]) -> list[ConversationSummary]:
    """In display order (newest first), as a snapshot holds them."""
    return sorted(summaries, key=lambda s: s.sort_key)


def test_the_snapshot_knows_every_field_of_the_summary() -> None:
    assert tuple(field.name for field in fields(ConversationSummary)) == SNAPSHOT_FIELDS


def test_round_trip_is_exact(tmp_path: Path) -> None:
    saved = shown(rows(500))
    save_snapshot(URL, rows(500), tmp_path)  # any order in, display order out
    assert load_snapshot(URL, tmp_path) == saved
    assert load_snapshot(URL + "/", tmp_path) == saved  # the same address
    opened = open_snapshot(URL, tmp_path)
    assert opened is not None
    assert (opened.count, opened.head, opened.rows()) == (500, saved[:HEAD], saved)


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
    header, rest = (json.loads(line) for line in path.read_bytes().split(b"\n"))
    document = header
    assert document["fields"] == [
        "id",
        "name",
        "created",
        "updated",
        "message_count",
        "type",
        "favorited",
    ]
    assert set(document) == {
        "format",
        "version",
        "server",
        "fields",
        "written",
        "count",
        "head",
        "rest",
    }
    assert set(rest) == set(SNAPSHOT_FIELDS)


def test_writing_replaces_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    save_snapshot(URL, rows(10), tmp_path)
    save_snapshot(URL, rows(4), tmp_path)
    assert load_snapshot(URL, tmp_path) == shown(rows(4))
    assert sorted(p.name for p in tmp_path.iterdir()) == [snapshot_path(URL, tmp_path).name]


def _rewrite(path: Path, change: dict[str, object]) -> None:
    """Change the header (the first line), keeping the rest and its checksum."""
    first, rest = path.read_bytes().split(b"\n", 1)
    document = json.loads(first)
    document.update(change)
    if "head" in change and "count" not in change:
        document["count"] = len(change["head"])  # type: ignore[arg-type]
    path.write_bytes(json.dumps(document).encode() + b"\n" + rest)


def _rewrite_rest(path: Path, change: dict[str, object], *, checksum: bool = True) -> None:
    """Change the columns of the rest (the second line), with a matching length and CRC (a
    snapshot that is intact but not what `save_snapshot` writes) unless `checksum` is False."""
    first, rest = path.read_bytes().split(b"\n", 1)
    columns = json.loads(rest)
    columns.update(change)
    new_rest = json.dumps(columns).encode()
    header = json.loads(first)
    if checksum:
        header["rest"] = {"bytes": len(new_rest), "crc32": zlib.crc32(new_rest)}
    path.write_bytes(json.dumps(header).encode() + b"\n" + new_rest)


GOOD_ROW = ["c1", "name", 0, 1, 2, "COPILOT", False]


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("an older version", {"version": 1}),
        ("other format", {"format": "something else"}),
        ("other server", {"server": "http://127.0.0.1:1"}),
        ("other fields", {"fields": ["id", "name"]}),
        ("head not a list", {"head": {"c1": GOOD_ROW}}),
        ("count too small", {"count": 1}),
        ("count too large for its head", {"count": 4}),
        ("no rest check", {"rest": None}),
        ("short row", {"head": [GOOD_ROW[:-1]]}),
        ("id not a string", {"head": [[1, *GOOD_ROW[1:]]]}),
        ("empty id", {"head": [["", *GOOD_ROW[1:]]]}),
        ("time as text", {"head": [["c1", "n", "2026-12-01", 1, 2, "COPILOT", False]]}),
        ("time as bool", {"head": [["c1", "n", True, 1, 2, "COPILOT", False]]}),
        ("huge time", {"head": [["c1", "n", 10**30, 1, 2, "COPILOT", False]]}),
        ("negative count", {"head": [["c1", "n", 0, 1, -1, "COPILOT", False]]}),
        ("count as float", {"head": [["c1", "n", 0, 1, 2.5, "COPILOT", False]]}),
        ("name as list", {"head": [["c1", ["n"], 0, 1, 2, "COPILOT", False]]}),
        ("favorited as int", {"head": [[*GOOD_ROW[:-1], 1]]}),
        ("an id twice", {"head": [GOOD_ROW, GOOD_ROW]}),
        ("one bad row among good ones", {"head": [GOOD_ROW, ["c2", "n", 0, 1, None, "X", False]]}),
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
    [b"", b"{", b"not json at all", b"\xff\xfe\x00garbage", b"[]", b"null", b'{"head": []}'],
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


# -- the rest: checked intact when opened, decoded (and checked value by value) when first read --

BIG = HEAD + 40


def test_a_big_snapshot_opens_with_its_head_and_its_count(tmp_path: Path) -> None:
    save_snapshot(URL, rows(BIG), tmp_path)
    opened = open_snapshot(URL, tmp_path)
    assert opened is not None
    assert (opened.count, len(opened.head)) == (BIG, HEAD)
    assert opened.rows() == shown(rows(BIG))


def test_a_rest_cut_short_or_changed_is_caught_when_opened(tmp_path: Path) -> None:
    path = save_snapshot(URL, rows(BIG), tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:-3])
    assert open_snapshot(URL, tmp_path) is None  # its length
    flipped = bytearray(data)
    flipped[-10] ^= 0x01  # one bit, somewhere in the rest's last ids
    path.write_bytes(bytes(flipped))
    assert open_snapshot(URL, tmp_path) is None  # its checksum


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("a column missing", {"favorited": None}),
        ("a short column", {"id": ["x"]}),
        ("an id not a string", {"id": [1] * 40}),
        ("an empty id", {"id": [""] * 40}),
        ("a time as bool", {"created": [True] * 40}),
        ("a huge time", {"updated": [10**30] * 40}),
        ("a negative count", {"message_count": [-1] * 40}),
        ("favorited as int", {"favorited": [1] * 40}),
        ("out of order", {"updated": list(range(40))}),
        ("an id of the head again", {"id": [f"c{BIG - 1:05d}"] + [f"x{i}" for i in range(39)]}),
    ],
)
def test_an_intact_rest_with_a_bad_value_is_ignored_whole(
    tmp_path: Path, case: str, change: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    path = save_snapshot(URL, rows(BIG), tmp_path)
    if case == "a column missing":
        first, rest = path.read_bytes().split(b"\n", 1)
        columns = json.loads(rest)
        del columns["favorited"]
        new_rest = json.dumps(columns).encode()
        header = json.loads(first)
        header["rest"] = {"bytes": len(new_rest), "crc32": zlib.crc32(new_rest)}
        path.write_bytes(json.dumps(header).encode() + b"\n" + new_rest)
    else:
        _rewrite_rest(path, change)
    opened = open_snapshot(URL, tmp_path)
    assert opened is not None, case  # intact: its head is painted
    with pytest.raises(SnapshotUnusable):
        opened.rows()
    with caplog.at_level(logging.WARNING, logger="pieces_tui.state.snapshot"):
        assert load_snapshot(URL, tmp_path) is None, case
    assert "ignored" in caplog.text


def test_the_store_reads_the_head_first_and_drops_a_bad_rest_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = save_snapshot(URL, rows(BIG), tmp_path)
    _rewrite_rest(path, {"message_count": [-1] * 40})
    opened = open_snapshot(URL, tmp_path)
    assert opened is not None
    store = ConversationStore()
    changes = []
    store.subscribe(changes.append)
    store.apply_saved(opened)
    expected = shown(rows(BIG))
    # What the first frame reads (the count, the first rows, where they are) needs only the head.
    assert len(store) == BIG
    assert [store.at(i) for i in range(3)] == expected[:3]
    assert store.index_of(expected[1].id) == 1
    assert store.get(expected[2].id) == expected[2]
    assert changes[0].added == tuple(row.id for row in expected[:HEAD])
    with caplog.at_level(logging.WARNING, logger="pieces_tui.state.store"):
        assert store.get(expected[-1].id) is None  # past the head: the rest is decoded, refused
    assert "ignored" in caplog.text
    assert len(store) == 0
    assert changes[-1].removed == tuple(row.id for row in expected[:HEAD])


def test_a_store_filled_from_a_big_snapshot_holds_every_row(tmp_path: Path) -> None:
    save_snapshot(URL, rows(BIG), tmp_path)
    opened = open_snapshot(URL, tmp_path)
    assert opened is not None
    store = ConversationStore()
    store.apply_saved(opened)
    expected = shown(rows(BIG))
    assert store.at(BIG - 1) == expected[-1]  # past the head: decoded now
    assert list(store.ordered()) == expected
    assert store.index_of(expected[-1].id) == BIG - 1
    assert store.position_of(expected[HEAD + 1].sort_key) == HEAD + 1
    # and it is an ordinary store from then on: the server's list replaces it exactly
    change = store.apply_summaries(expected[:10])
    assert len(store) == 10
    assert set(change.removed) == {row.id for row in expected[10:]}
