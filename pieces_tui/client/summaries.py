"""The lean parser that reads the bulk `GET /conversations` body into `ConversationSummary` rows
without building full models (the summary and the sort key themselves live in
`pieces_tui.client.summary`, which the first frame imports without this parser's msgspec; they
are re-exported here).

The fast path needs no pydantic: the bulk load at start runs before pydantic and our models are
imported (they cost ~0.15 s, and nothing on the way to the first list needs them). Only the
general path, for a body of an unusual shape, imports them."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import msgspec

from pieces_tui.client.summary import ConversationSummary, SortKey, sort_key
from pieces_tui.client.wire_values import ConversationType
from pieces_tui.client.wire_values import as_utc as _as_utc

__all__ = [
    "ConversationSummary",
    "Known",
    "SortKey",
    "SummaryList",
    "conversation_summaries_json",
    "sort_key",
]

log = logging.getLogger(__name__)

_CONVERSATION_TYPES = frozenset(member.value for member in ConversationType)


def _lean_time(value: Any) -> datetime:
    if not isinstance(value, dict):
        raise TypeError("timestamp is not an object")
    text = value["value"]
    if not isinstance(text, str):
        raise TypeError("timestamp value is not a string")
    return _as_utc(datetime.fromisoformat(text))


def _lean_message_count(messages: Any) -> int:
    """`len(Conversation.message_ids())` without building the models."""
    if not isinstance(messages, dict):
        raise TypeError("messages is not an object")
    iterable = messages["iterable"]
    indices = messages.get("indices")
    if not isinstance(iterable, list) or not (indices is None or isinstance(indices, dict)):
        raise TypeError("messages has the wrong shape")
    ids = [ref["id"] for ref in iterable]
    if not all(isinstance(ref_id, str) for ref_id in ids):
        raise TypeError("message id is not a string")
    if not indices:
        return len(ids)
    count = 0
    for ref_id in dict.fromkeys(ids):
        index = indices.get(ref_id)
        if index is None:
            count += 1
        elif not isinstance(index, int) or isinstance(index, bool):
            raise TypeError("message index is not an integer")
        elif index >= 0:
            count += 1
    return count


def _lean_summary(item: Any) -> ConversationSummary:
    """One summary straight from the decoded JSON; anything unusual goes through pydantic."""
    try:
        conversation_id = item["id"]
        name = item.get("name")
        kind = item.get("type")
        favorited = item.get("favorited")
        if (
            isinstance(conversation_id, str)
            and (name is None or isinstance(name, str))
            and kind in _CONVERSATION_TYPES
            and (favorited is None or isinstance(favorited, bool))
        ):
            return ConversationSummary(
                id=conversation_id,
                name=name,
                created=_lean_time(item["created"]),
                updated=_lean_time(item["updated"]),
                message_count=_lean_message_count(item["messages"]),
                type=kind,
                favorited=bool(favorited),
            )
    except (KeyError, TypeError, ValueError, AttributeError):
        pass
    from pieces_tui.client.models import Conversation

    return ConversationSummary.of(Conversation.model_validate(item))


Known = Callable[[str], ConversationSummary | None]


class SummaryList(list[ConversationSummary]):
    """The summaries read from a bulk body; `skipped` counts the items left out as unreadable."""

    skipped: int = 0


# -- the fast path: msgspec decodes only the fields a summary needs -------------------------------
# Chosen by measurement against orjson and json.loads (benchmarks/bulk_parse.py, RESULTS.md): a
# typed decoder skips every other field without building Python objects for it, so the 35.6 MB
# body of 50,000 conversations is read in a fraction of the time and memory of a full decode.


class _Timestamp(msgspec.Struct, gc=False):
    value: str


class _Reference(msgspec.Struct, gc=False):
    id: str


class _References(msgspec.Struct, gc=False):
    iterable: list[_Reference]
    indices: dict[str, int] | None = None


class _Item(msgspec.Struct, gc=False):
    id: str
    created: _Timestamp
    updated: _Timestamp
    messages: _References
    name: str | None = None
    type: str | None = None
    favorited: bool | None = None


class _Body(msgspec.Struct, gc=False):
    # Each item is kept undecoded (a view of the body) and decoded on its own just before its
    # summary is built, so at most one item's decoded fields exist at a time: decoding them all
    # at once held about 46 MB more at the peak for 50,000 conversations, in the same time.
    iterable: list[msgspec.Raw]


_DECODER = msgspec.json.Decoder(_Body)
_ITEM_DECODER = msgspec.json.Decoder(_Item)
_TYPES = {member.value: member.value for member in ConversationType}
"""The type names, each one str object: a summary points at it instead of at its own copy."""


class _Unusual(Exception):
    """An item the fast path does not read exactly as pydantic would: take the general path."""


def _fast_message_count(messages: _References) -> int:
    """`_lean_message_count` on the decoded references: without indices every reference, with
    them the distinct ids less those indexed below 0."""
    indices = messages.indices
    if not indices:
        return len(messages.iterable)
    ids = {ref.id for ref in messages.iterable}
    if min(indices.values()) < 0:
        ids.difference_update([ref_id for ref_id, index in indices.items() if index < 0])
    return len(ids)


def _fast_time(value: _Timestamp) -> datetime:
    moment = datetime.fromisoformat(value.value)
    return moment if moment.tzinfo is UTC else _as_utc(moment)


def _fast_summaries(data: bytes | bytearray | str, known: Known | None = None) -> SummaryList:
    """Raises msgspec's errors or `_Unusual` for anything but the plain shape."""
    summaries = SummaryList()
    append = summaries.append
    decode = _ITEM_DECODER.decode
    for raw in _DECODER.decode(data).iterable:
        item = decode(raw)
        kind = _TYPES.get(item.type) if item.type is not None else None
        if kind is None:
            raise _Unusual(item.type)
        summary = ConversationSummary(
            item.id,
            item.name,
            _fast_time(item.created),
            _fast_time(item.updated),
            _fast_message_count(item.messages),
            kind,
            bool(item.favorited),
        )
        if known is not None:
            old = known(item.id)
            if old is not None and old == summary:
                summary = old  # the new one goes at once: one copy of an unchanged row
        append(summary)
    return summaries


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while tens of thousands of acyclic objects are built: the
    collector would walk them again and again (about a third of the parse time at 50,000)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- the general path: every decoded item, through pydantic where it is unusual --------------------


def summaries_of_decoded(raw: Any) -> SummaryList:
    """The summaries of a decoded `Conversations` body (see `conversation_summaries_json`)."""
    from pydantic import ValidationError

    from pieces_tui.client.models import Conversations

    if not isinstance(raw, dict) or not isinstance(raw.get("iterable"), list):
        Conversations.model_validate(raw)  # raises a ValidationError that says what is wrong
        raise ValueError("conversations body is not an object with an iterable")  # unreachable
    summaries = SummaryList()
    failures: list[ValidationError] = []
    for item in raw["iterable"]:
        try:
            summaries.append(_lean_summary(item))
        except ValidationError as exc:
            failures.append(exc)
    if failures and not summaries:
        raise failures[0]
    if failures:
        summaries.skipped = len(failures)
        log.warning(
            "GET /conversations: skipped %d of %d conversations that could not be read; first: %s",
            len(failures),
            len(raw["iterable"]),
            str(failures[0])[:300],
        )
    return summaries


def conversation_summaries_json(
    data: bytes | bytearray | str, known: Known | None = None
) -> SummaryList:
    """The summaries of a `Conversations` body (bulk `GET /conversations`), without building the
    full models.

    A body of the usual shape is read by msgspec into just the summary fields; anything else (an
    unknown type, a timestamp that is not a string, a field of the wrong type, malformed JSON)
    goes through `json.loads` and the per-item path, which reads unusual items with pydantic.
    An item that cannot be read (a required field missing, a wrong type) is left out, counted in
    `SummaryList.skipped` and logged, so one broken conversation does not hide all the others.
    Raises `json.JSONDecodeError` or pydantic's `ValidationError` on a malformed body, and when
    no item at all can be read.

    `known(id)`, when given, is the summary already held for an id (e.g. `ConversationStore.get`):
    a row equal to it is returned as that very object, so reloading a list that hardly changed
    (the saved list painted at start, then the server's) does not keep two copies of every row
    at once, and the store sees at a glance (`is`) which rows did not change."""
    with _gc_paused():
        try:
            return _fast_summaries(data, known)
        except (msgspec.DecodeError, _Unusual, ValueError, TypeError, OverflowError):
            pass
        return summaries_of_decoded(json.loads(data))
