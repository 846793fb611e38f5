"""JSON shaping: database rows to the Pieces OS wire models (as the official SDK defines them).

Plain dicts are built directly (no model objects) so that 10,000 conversations serialise quickly.
Every shape here passes the SDK's `from_dict`; tests/server/test_sdk_conformance.py checks that.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring
from typing import Any

from pieces_tui.server.records import ConversationRefs, Row

JSON = dict[str, Any]

SERVER_APPLICATION: JSON = {
    "id": "pieces-tui-embedded-server",
    "name": "OS_SERVER",
    "version": "0.1.0",
    "platform": "LINUX",
    "onboarded": True,
    "privacy": "OPEN",
}
CREATOR = "pieces-tui-embedded-server"

# Models the demo refers to; any other id is served with its id as its name.
KNOWN_MODELS: dict[str, str] = {
    "gpt-4o": "GPT-4o",
    "claude-3-5-sonnet": "Claude 3.5 Sonnet",
    "gemini-1-5-pro": "Gemini 1.5 Pro",
    "llama-3-8b-local": "Llama 3 8B (local)",
}
MODEL_CREATED = "2026-01-01T00:00:00.000000Z"

LANGUAGES: dict[str, str] = {
    "py": "Python",
    "ts": "TypeScript",
    "js": "JavaScript",
    "rs": "Rust",
    "go": "Go",
    "sql": "SQL",
    "sh": "Shell",
    "bash": "Bash",
    "yaml": "YAML",
    "toml": "TOML",
    "json": "JSON",
    "md": "Markdown",
    "dart": "Dart",
    "java": "Java",
    "kt": "Kotlin",
    "swift": "Swift",
    "c": "C",
    "cpp": "C++",
    "rb": "Ruby",
}


def quote(text: str) -> str:
    """A JSON string literal (the json module's C encoder)."""
    return encode_basestring(text)


def quote_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def timestamp(value: str) -> JSON:
    """GroupedTimestamp from stored ISO text."""
    readable = f"{value[:10]} {value[11:16]} UTC"
    return {"value": value, "readable": readable}


def flattened(ids: Sequence[str]) -> JSON:
    """A flattened list of references: `{"iterable": [{"id": ...}], "indices": {id: position}}`."""
    return {
        "iterable": [{"id": ref} for ref in ids],
        "indices": {ref: pos for pos, ref in enumerate(ids)},
    }


def conversation(row: Row, refs: ConversationRefs) -> JSON:
    cid = row["id"]
    out: JSON = {
        "id": cid,
        "type": row["type"],
        "name": row["name"],
        "favorited": bool(row["favorited"]),
        "demo": bool(row["demo"]),
        "created": timestamp(row["created"]),
        "updated": timestamp(row["updated"]),
        "messages": flattened(refs.messages.get(cid, ())),
        "annotations": flattened(refs.annotations.get(cid, ())),
        "assets": flattened(refs.assets.get(cid, ())),
        "websites": flattened(refs.websites.get(cid, ())),
    }
    if row["name"] is None:
        del out["name"]
    if row["model_id"]:
        out["model"] = {"id": row["model_id"]}
    return out


def conversations(rows: Iterable[Row], refs: ConversationRefs) -> JSON:
    items = [conversation(row, refs) for row in rows]
    return {"iterable": items, "indices": {item["id"]: pos for pos, item in enumerate(items)}}


EMPTY_FLAT = '{"iterable":[],"indices":{}}'


def _flat_text(ids: Sequence[str]) -> str:
    if not ids:
        return EMPTY_FLAT
    quoted = [quote(ref) for ref in ids]
    iterable = ",".join([f'{{"id":{ref}}}' for ref in quoted])
    indices = ",".join([f"{ref}:{pos}" for pos, ref in enumerate(quoted)])
    return f'{{"iterable":[{iterable}],"indices":{{{indices}}}}}'


def _timestamp_text(value: str) -> str:
    return f'{{"value":{quote(value)},"readable":{quote(f"{value[:10]} {value[11:16]} UTC")}}}'


def conversation_bytes(row: Row, refs: ConversationRefs) -> bytes:
    """One conversation of `conversations_bytes`, as UTF-8 JSON text (server/rowcache.py keeps
    these per conversation)."""
    empty: tuple[str, ...] = ()
    cid = row["id"]
    name = f'"name":{quote(row["name"])},' if row["name"] is not None else ""
    model_ = f',"model":{{"id":{quote(row["model_id"])}}}' if row["model_id"] else ""
    return (
        f'{{"id":{quote(cid)},"type":{quote(row["type"])},{name}'
        f'"favorited":{"true" if row["favorited"] else "false"},'
        f'"demo":{"true" if row["demo"] else "false"},'
        f'"created":{_timestamp_text(row["created"])},'
        f'"updated":{_timestamp_text(row["updated"])},'
        f'"messages":{_flat_text(refs.messages.get(cid, empty))},'
        f'"annotations":{_flat_text(refs.annotations.get(cid, empty))},'
        f'"assets":{_flat_text(refs.assets.get(cid, empty))},'
        f'"websites":{_flat_text(refs.websites.get(cid, empty))}{model_}}}'
    ).encode()


def conversations_document(quoted_ids: Sequence[str], items: Sequence[bytes]) -> bytes:
    """A `Conversations` document from its items' JSON text, in order, and their ids, each
    already a JSON string literal (`quote`)."""
    indices = ",".join([f"{ref}:{pos}" for pos, ref in enumerate(quoted_ids)]).encode()
    head, tail = b'{"iterable":[', b'],"indices":{' + indices + b"}}"
    if len(items) < 2:
        return head + b"".join(items) + tail
    # One join, so the body (35 MB at 50,000) is copied once, not twice.
    return b",".join([head + items[0], *items[1:-1], items[-1] + tail])


def conversations_bytes(rows: Sequence[Row], refs: ConversationRefs) -> bytes:
    """The same document as `dumps(conversations(rows, refs))`, written as text directly.

    This is the hot path of `GET /conversations` when nothing is cached (server/rowcache.py):
    strings are escaped with the json module's C encoder, and no intermediate dicts are built.
    """
    items = [conversation_bytes(row, refs) for row in rows]
    return conversations_document([quote(row["id"]) for row in rows], items)


def model(model_id: str) -> JSON:
    """A full `Model` (the SDK requires it on messages), described from its id."""
    return {
        "id": model_id,
        "name": KNOWN_MODELS.get(model_id, model_id),
        "version": model_id,
        "created": timestamp(MODEL_CREATED),
        "cloud": not model_id.endswith("-local"),
        "type": "BALANCED",
        "usage": "CODE_CONVERSATION",
    }


def message(row: Row) -> JSON:
    out: JSON = {
        "id": row["id"],
        "conversation": {"id": row["conversation_id"]},
        "created": timestamp(row["created"]),
        "updated": timestamp(row["updated"]),
        "role": row["role"],
        "fragment": {"string": {"raw": row["raw"]}},
    }
    if row["model_id"]:
        out["model"] = model(row["model_id"])
    return out


def messages(rows: Sequence[Row]) -> JSON:
    return {
        "iterable": [message(row) for row in rows],
        "indices": {row["id"]: pos for pos, row in enumerate(rows)},
    }


def annotation(row: Row) -> JSON:
    out: JSON = {
        "id": row["id"],
        "type": row["type"],
        "text": row["text"],
        "created": timestamp(row["created"]),
        "updated": timestamp(row["updated"]),
    }
    if row["conversation_id"]:
        out["conversation"] = {"id": row["conversation_id"]}
    return out


def website(row: Row) -> JSON:
    return {
        "id": row["id"],
        "name": row["name"],
        "url": row["url"],
        "created": timestamp(row["created"]),
        "updated": timestamp(row["updated"]),
    }


def human_bytes(size: int) -> str:
    return f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB"


def asset(row: Row, transferables: bool = True) -> JSON:
    """An `Asset` with a single format (role BOTH) that is both the original and the preview.

    The code is in `original.reference.fragment.string.raw`; with `transferables=false` the
    fragment is left out, as in Pieces OS.
    """
    aid, fid = row["id"], f"{row['id']}-format"
    created, updated = timestamp(row["created"]), timestamp(row["updated"])
    size = len(row["raw"].encode())
    flat_asset: JSON = {
        "id": aid,
        "name": row["name"],
        "created": created,
        "updated": updated,
        "creator": CREATOR,
        "mechanism": "MANUAL",
        "original": fid,
        "preview": {"base": fid},
        "formats": {"iterable": [{"id": fid}]},
    }
    fmt: JSON = {
        "id": fid,
        "creator": CREATOR,
        "created": created,
        "updated": updated,
        "role": "BOTH",
        "application": SERVER_APPLICATION,
        "asset": flat_asset,
        "bytes": {"value": size, "readable": human_bytes(size)},
        "classification": {"generic": "CODE", "specific": row["ext"]},
    }
    if transferables:
        fmt["fragment"] = {"string": {"raw": row["raw"]}, "metadata": {"ext": row["ext"]}}
    # `original`/`preview` hold a FlattenedFormat (its `asset` is the id); `formats` full Formats.
    reference = {"id": fid, "reference": {**fmt, "asset": aid}}
    return {
        "id": aid,
        "name": row["name"],
        "created": created,
        "updated": updated,
        "creator": CREATOR,
        "mechanism": "MANUAL",
        "original": reference,
        "preview": {"base": reference},
        "formats": {"iterable": [fmt]},
    }


def assets(rows: Sequence[Row], transferables: bool = True) -> JSON:
    return {
        "iterable": [asset(row, transferables) for row in rows],
        "indices": {row["id"]: pos for pos, row in enumerate(rows)},
    }


def streamed_ids(ids: Iterable[str], deleted: bool = False) -> str:
    """A `StreamedIdentifiers` frame for conversation ids."""
    items = [{"conversation": {"id": cid}, "deleted": deleted} for cid in ids]
    return json.dumps({"iterable": items})
