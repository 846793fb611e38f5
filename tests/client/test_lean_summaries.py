"""The lean bulk parse gives exactly the summaries of the full pydantic models."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pieces_tui.client.models import Conversations
from pieces_tui.client.summaries import (
    ConversationSummary,
    conversation_summaries_json,
    summaries_of_decoded,
)

OFFSETS = [timedelta(hours=2), timedelta(hours=-5, minutes=-30), timedelta(0)]


def conversation(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schema": {"major": 0, "minor": 0},
        "id": "c1",
        "name": "First",
        "type": "COPILOT",
        "created": {"value": "2026-01-02T03:04:05.123456Z"},
        "updated": {"value": "2026-01-02T05:04:05+02:00"},
        "messages": {"iterable": [{"id": "m1"}, {"id": "m2"}, {"id": "m3"}]},
    }
    body.update(overrides)
    return body


CASES = [
    conversation(),
    conversation(name=None),
    conversation(type="SOMETHING_NEW"),
    conversation(updated={"value": "2026-01-02T05:04:05"}),  # naive: taken as UTC
    conversation(updated={"value": 1767322800}),  # not a string: pydantic's path
    conversation(messages={"iterable": [{"id": "m1"}, {"id": "m1"}]}),
    conversation(
        messages={
            "iterable": [{"id": "m1"}, {"id": "m2"}, {"id": "m3"}, {"id": "m2"}],
            "indices": {"m1": 0, "m2": -1},
        }
    ),
]


@pytest.mark.parametrize("item", CASES)
def test_lean_equals_pydantic(item: dict[str, Any]) -> None:
    body = json.dumps({"iterable": [item]})
    expected = [ConversationSummary.of(c) for c in Conversations.model_validate_json(body).iterable]
    assert conversation_summaries_json(body) == expected


@pytest.mark.parametrize(
    "body",
    ['{"iterable": [{"id": "c1"}]}', '{"items": []}', "[]", '{"iterable": [{"id": 5}]}'],
)
def test_invalid_bodies_raise_like_pydantic(body: str) -> None:
    with pytest.raises(ValueError):
        conversation_summaries_json(body)


# -- the msgspec fast path agrees with pydantic (and with the per-item path) on any shape ----------

_IDS = st.sampled_from(["m1", "m2", "m3", "m4"])


@st.composite
def timestamps(draw: st.DrawFn) -> Any:
    moment = draw(
        st.datetimes(
            min_value=datetime(1971, 1, 1),
            max_value=datetime(2100, 1, 1),
            timezones=st.none() | st.just(UTC) | st.builds(timezone, st.sampled_from(OFFSETS)),
        )
    )
    text = moment.isoformat(timespec=draw(st.sampled_from(["seconds", "milliseconds", "auto"])))
    if draw(st.booleans()):
        text = text.replace("+00:00", "Z")
    value: Any = draw(st.sampled_from([text, text, text, 1767322800, None]))
    stamp: dict[str, Any] = {"value": value}
    if draw(st.booleans()):
        stamp["readable"] = "a readable text"
    return stamp


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    refs = draw(st.lists(_IDS, max_size=5))
    messages: dict[str, Any] = {"iterable": [{"id": ref} for ref in refs]}
    if draw(st.booleans()):
        messages["indices"] = draw(
            st.dictionaries(_IDS, st.integers(min_value=-2, max_value=6), max_size=4)
        )
    item: dict[str, Any] = {
        "id": draw(st.sampled_from(["c1", "c2", "c3"])),
        "type": draw(st.sampled_from(["COPILOT", "UNKNOWN", "SOMETHING_NEW"])),
        "created": draw(timestamps()),
        "updated": draw(timestamps()),
        "messages": messages,
    }
    name = draw(st.sampled_from(["absent", None, "A name", "Ünïcode ✓"]))
    if name != "absent":
        item["name"] = name
    if draw(st.booleans()):
        item["favorited"] = draw(st.booleans())
        item["annotations"] = {"iterable": [{"id": "a1"}], "indices": {"a1": 0}}
    return item


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items(), min_size=1, max_size=4))
def test_property_fast_path_agrees_with_pydantic(conversations: list[dict[str, Any]]) -> None:
    body = json.dumps({"iterable": conversations})
    try:
        models = Conversations.model_validate_json(body).iterable
    except ValueError:
        models = None
    if models is not None:
        assert conversation_summaries_json(body) == [ConversationSummary.of(c) for c in models]
    # Whatever pydantic says, the fast path and the per-item path read the same summaries.
    try:
        expected = summaries_of_decoded(json.loads(body))
    except ValueError:
        with pytest.raises(ValueError):
            conversation_summaries_json(body)
        return
    got = conversation_summaries_json(body)
    assert got == expected
    assert got.skipped == expected.skipped


def test_rows_equal_to_the_known_ones_come_back_as_those_objects() -> None:
    body = json.dumps(
        {"iterable": [conversation(id="same"), conversation(id="renamed"), conversation(id="new")]}
    )
    held = {s.id: s for s in conversation_summaries_json(body)}
    held["renamed"] = ConversationSummary(**{**vars_of(held["renamed"]), "name": "Before"})
    del held["new"]
    got = conversation_summaries_json(body, held.get)
    assert got == conversation_summaries_json(body)
    assert got[0] is held["same"]
    assert got[1] is not held["renamed"] and got[1].name == "First"
    assert got[2].id == "new"


def vars_of(summary: ConversationSummary) -> dict[str, Any]:
    return {name: getattr(summary, name) for name in summary.__slots__}
