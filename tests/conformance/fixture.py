"""The fixture database of the conformance sessions: three conversations with fixed ids, times
and text, so every name the CLI prints and every generated name is known in advance."""

from __future__ import annotations

from pathlib import Path

from pieces_tui.server.db import Database
from pieces_tui.server.records import NewAnnotation, NewConversation, NewMessage

RETRY = "How do I retry an HTTP call with exponential backoff in Python? It keeps timing out."
CONVERSATIONS = [
    # (id, name, created, [(role, text)], summary); newest first
    (
        "00000000-0000-4000-8000-00000000c001",
        "Fixture: retrying HTTP calls",
        "2026-11-30T10:00:00.000000Z",
        [
            ("USER", RETRY),
            ("ASSISTANT", "Wrap the call in a decorator that sleeps `base * 2**attempt`."),
        ],
        "Exponential backoff with jitter as a decorator.",
    ),
    (
        "00000000-0000-4000-8000-00000000c002",
        "Fixture: bisecting a regression",
        "2026-11-29T10:00:00.000000Z",
        [
            ("USER", "Which commit broke the build? I have a good and a bad tag."),
            ("ASSISTANT", "Use `git bisect run ./test.sh` between the two tags."),
        ],
        "git bisect run between a good and a bad tag.",
    ),
    (
        "00000000-0000-4000-8000-00000000c003",
        "Fixture: slim Docker images",
        "2026-11-28T10:00:00.000000Z",
        [
            ("USER", "My Go image is 900 MB. How do I make it smaller?"),
            ("ASSISTANT", "Build in a golang stage, copy the binary into distroless/static."),
        ],
        "A multi-stage build into distroless.",
    ),
]
GENERATED_NAME = "How do I retry an HTTP call with"  # local_name of RETRY


def write_fixture(path: Path) -> Path:
    db = Database(path)
    try:
        conversations = []
        for cid, name, created, turns, summary in CONVERSATIONS:
            messages = [
                NewMessage(f"{cid[:-4]}{pos:02d}{cid[-2:]}", role, text, created)
                for pos, (role, text) in enumerate(turns)
            ]
            conversations.append(
                NewConversation(
                    id=cid,
                    created=created,
                    updated=created,
                    name=name,
                    messages=messages,
                    annotations=[NewAnnotation(f"{cid[:-4]}a0{cid[-2:]}", "SUMMARY", summary)],
                )
            )
        db.insert_conversations(conversations)
    finally:
        db.close()
    return path
