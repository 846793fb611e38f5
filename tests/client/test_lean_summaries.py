"""The lean bulk parse gives exactly the summaries of the full pydantic models."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pieces_tui.client.models import Conversations
from pieces_tui.client.summaries import ConversationSummary, conversation_summaries_json


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
