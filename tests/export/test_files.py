"""Export files: safe names from hostile ones, no overwriting, a long conversation whole, and a
cancel that leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pieces_tui.client import NotFound, PiecesClient
from pieces_tui.export import (
    Format,
    export_conversation,
    export_conversations,
    fetch_document,
    safe_file_name,
    write_new_file,
)
from pieces_tui.export.names import MAX_STEM_BYTES, safe_stem
from pieces_tui.server import EmbeddedServer

RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in range(10)}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Retry with backoff", "Retry with backoff"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", "conversation"),
        ('a/b\\c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j"),
        ("CON", "_CON"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("com1", "_com1"),
        ("Console", "Console"),
        ("", "conversation"),
        (None, "conversation"),
        ("  \t\n ", "conversation"),
        ("...", "conversation"),
        (".bashrc", "bashrc"),
        ("name. ", "name"),
        ("-rf --no-preserve-root", "_rf --no-preserve-root"),
        ("two\nlines\r\nthree", "two lines three"),
        ("red \x1b[31malert\x1b[0m", "red alert"),
        ("title \x1b]0;pwned\x07done", "title done"),
        ("bidi \u202eevil\u202c.exe", "bidi evil.exe"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("nul\x00byte", "nulbyte"),
        ("日本語の会話", "日本語の会話"),
    ],
)
def test_hostile_names_give_safe_file_names(name: str | None, expected: str) -> None:
    assert safe_stem(name) == expected
    assert safe_file_name(name, "md") == expected + ".md"


def test_long_names_are_cut_on_whole_characters() -> None:
    for name in ("x" * 1000, "日本語" * 200, "🦀" * 300, "a" + "e\u0301" * 400):
        stem = safe_stem(name)
        assert 0 < len(stem.encode()) <= MAX_STEM_BYTES
        assert name.startswith(stem)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_any_name_gives_a_file_in_the_folder(tmp_path: Path, name: str) -> None:
    file_name = safe_file_name(name, "md")
    stem = file_name.removesuffix(".md")
    assert stem and len(stem.encode("utf-8", "surrogatepass")) <= MAX_STEM_BYTES
    assert not any(c in file_name for c in '/\\:*?"<>|')
    assert not any(unicodedata.category(c) in {"Cc", "Cs", "Zl", "Zp"} for c in file_name)
    assert stem.split(".")[0].upper() not in RESERVED
    assert not stem.startswith((".", "-", " ")) and not stem.endswith((".", " "))
    path = write_new_file(tmp_path, file_name, "x")
    assert path.parent == tmp_path and path.read_text() == "x"
    path.unlink()


def test_an_existing_file_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("mine", encoding="utf-8")
    first = write_new_file(tmp_path, "notes.md", "one")
    second = write_new_file(tmp_path, "notes.md", "two")
    assert (first.name, second.name) == ("notes (2).md", "notes (3).md")
    assert (tmp_path / "notes.md").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes (2).md",
        "notes (3).md",
        "notes.md",
    ]


def names(folder: Path) -> list[str]:
    """Every entry of `folder`, hidden temporary files included."""
    return sorted(p.name for p in folder.iterdir())


async def _long_conversation(client: PiecesClient, count: int) -> str:
    turns = [("USER" if n % 2 == 0 else "ASSISTANT", f"message {n:04d}") for n in range(count)]
    created = await client.create_conversation("A very long conversation", turns)
    assert created.message_count == count
    return created.id


async def test_a_2000_message_conversation_exports_completely(
    server: EmbeddedServer, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    out = tmp_path / "out"  # tmp_path also holds the server's database
    async with PiecesClient(server.url) as client:
        conversation_id = await _long_conversation(client, 2000)
        path = await export_conversation(
            client,
            conversation_id,
            out,
            Format.JSON,
            progress=lambda d, t: seen.append((d, t)),
        )
    document = json.loads(path.read_text(encoding="utf-8"))
    texts = [m["fragment"]["string"]["raw"] for m in document["messages"]["iterable"]]
    assert texts == [f"message {n:04d}" for n in range(2000)]
    # Within BULK_MESSAGES: one request, reported before and after.
    assert seen == [(0, 2000), (2000, 2000)]
    assert names(out) == ["A very long conversation.json"]


async def test_beyond_the_bulk_bound_messages_come_page_by_page(server: EmbeddedServer) -> None:
    seen: list[tuple[int, int]] = []
    async with PiecesClient(server.url) as client:
        conversation_id = await _long_conversation(client, 450)
        document = await fetch_document(
            client,
            conversation_id,
            progress=lambda d, t: seen.append((d, t)),
            page_size=100,
            bulk_limit=300,
        )
    assert [m.text for m in document.messages] == [f"message {n:04d}" for n in range(450)]
    assert seen == [(0, 450), (100, 450), (200, 450), (300, 450), (400, 450), (450, 450)]


async def test_cancel_leaves_no_file(server: EmbeddedServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    async with PiecesClient(server.url) as client:
        conversation_id = await _long_conversation(client, 1000)
        first_page = asyncio.Event()

        def progress(done: int, total: int) -> None:
            first_page.set()  # (0, total): the messages' request is about to go out

        task = asyncio.create_task(
            export_conversation(client, conversation_id, out, Format.MARKDOWN, progress=progress)
        )
        await asyncio.wait_for(first_page.wait(), 60)
        task.cancel()  # what a dialog's esc does to its worker
        with pytest.raises(asyncio.CancelledError):
            await task
    assert names(out) == []


async def test_several_conversations_one_missing(
    demo_server: EmbeddedServer, tmp_path: Path
) -> None:
    async with PiecesClient(demo_server.url) as client:
        ids = [c.id for c in await client.conversations()][:2]
        results = await export_conversations(
            client, [ids[0], "no-such-id", ids[1]], tmp_path / "new", Format.MARKDOWN
        )
    assert [r.conversation_id for r in results] == [ids[0], "no-such-id", ids[1]]
    assert results[0].path is not None and results[0].path.is_file()
    assert isinstance(results[1].error, NotFound) and results[1].path is None
    assert results[2].path is not None and results[2].path.parent == tmp_path / "new"
    assert len(names(tmp_path / "new")) == 2
