"""The stream's frame reader agrees with the pydantic `StreamedIdentifiers` model it replaces."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pieces_tui.client.stream import FrameError, frame_items

from .helpers import StreamedIdentifiers

ids = st.text(min_size=1, max_size=12)
reference = st.fixed_dictionaries({"id": ids}, optional={"reference": st.just({"x": 1})})
item = st.fixed_dictionaries(
    {},
    optional={
        "conversation": st.none() | reference,
        "deleted": st.none() | st.booleans(),
        "asset": reference,
        "annotation": reference,
        "unknownField": st.integers(),
    },
)
frames = st.fixed_dictionaries({"iterable": st.lists(item, max_size=8)})


def by_model(payload: Any) -> list[tuple[str, bool]]:
    parsed = StreamedIdentifiers.model_validate(payload)
    return [
        (entry.conversation.id, bool(entry.deleted))
        for entry in parsed.iterable
        if entry.conversation is not None
    ]


# No deadline or too_slow check: on a fresh machine Hypothesis builds its Unicode tables on the
# first text draw, which takes seconds once and is not what this test is about.
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames)
def test_well_formed_frames_read_as_the_model_reads_them(payload: dict[str, Any]) -> None:
    assert frame_items(payload) == by_model(payload)


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "frame",
        {},
        {"iterable": None},
        {"iterable": {"conversation": {"id": "a"}}},
        {"iterable": ["a"]},
        {"iterable": [{"conversation": "a"}]},
        {"iterable": [{"conversation": {}}]},
        {"iterable": [{"conversation": {"id": 7}}]},
        {"iterable": [{"conversation": {"id": "a"}, "deleted": "sometimes"}]},
    ],
)
def test_frames_the_model_refuses_are_refused(payload: Any) -> None:
    with pytest.raises(ValidationError):
        by_model(payload)
    with pytest.raises(FrameError):
        frame_items(payload)
