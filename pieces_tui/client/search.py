"""Models of the search endpoints (`SearchInput` out, `Searched*` in), as in `pieces_os_client`
5.0.1, plus the `snippet` the embedded server adds to each searched message and annotation.

Everything a server sends here is untrusted: snippet text is data (the UI must render it without
markup), and snippet offsets are checked against the text (bad ones are dropped, never trusted).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import field_validator, model_validator

from pieces_tui.client.assets import Annotation
from pieces_tui.client.models import Conversation, ConversationMessage, WireModel

__all__ = [
    "SearchSnippet",
    "SearchedAnnotation",
    "SearchedAnnotations",
    "SearchedConversation",
    "SearchedConversationMessage",
    "SearchedConversationMessages",
    "SearchedConversations",
    "search_input",
]


def search_input(query: str, *, exact: bool = False, similarity: float | None = None) -> Any:
    """The JSON of a `SearchInput` with one `full_text` engine."""
    options: dict[str, Any] = {"exact": exact}
    if similarity is not None:
        if not (math.isfinite(similarity) and 0 <= similarity <= 1):
            raise ValueError(f"similarity must be between 0 and 1, got {similarity!r}")
        options["similarity"] = similarity
    return {"engines": {"iterable": [{"query": query, "full_text": options}]}}


class SearchSnippet(WireModel):
    """The text around the first match and the [start, end) character offsets of the matching
    words in it. Offsets outside the text, empty or overlapping ones are dropped."""

    text: str
    matches: list[tuple[int, int]] = []

    @model_validator(mode="after")
    def _sane_offsets(self) -> SearchSnippet:
        kept: list[tuple[int, int]] = []
        last = 0
        for start, end in sorted(self.matches):
            if 0 <= start < end <= len(self.text) and start >= last:
                kept.append((start, end))
                last = end
        self.matches = kept
        return self


class _Searched(WireModel):
    identifier: str
    exact: bool
    similarity: float
    temporal: bool | None = None
    snippet: SearchSnippet | None = None

    @field_validator("similarity")
    @classmethod
    def _finite(cls, value: float) -> float:
        return value if math.isfinite(value) else 0.0


class SearchedConversationMessage(_Searched):
    """`identifier` is the message id; `message` only when asked with transferables."""

    message: ConversationMessage | None = None


class SearchedConversationMessages(WireModel):
    iterable: list[SearchedConversationMessage]


class SearchedAnnotation(_Searched):
    """`identifier` is the annotation id; `annotation` only when asked with transferables."""

    annotation: Annotation | None = None


class SearchedAnnotations(WireModel):
    iterable: list[SearchedAnnotation]


class SearchedConversation(WireModel):
    """One matching conversation (`identifier` is its id), best matching items first;
    `conversation` only when asked with transferables."""

    identifier: str
    exact: bool
    similarity: float
    temporal: bool | None = None
    conversation: Conversation | None = None
    messages: SearchedConversationMessages | None = None
    annotations: SearchedAnnotations | None = None

    @field_validator("similarity")
    @classmethod
    def _finite(cls, value: float) -> float:
        return value if math.isfinite(value) else 0.0

    @property
    def message_hits(self) -> list[SearchedConversationMessage]:
        return self.messages.iterable if self.messages is not None else []

    @property
    def annotation_hits(self) -> list[SearchedAnnotation]:
        return self.annotations.iterable if self.annotations is not None else []

    @property
    def best_snippet(self) -> SearchSnippet | None:
        """The snippet of the best matching message, else of the best annotation."""
        for hit in (*self.message_hits, *self.annotation_hits):
            if hit.snippet is not None:
                return hit.snippet
        return None


class SearchedConversations(WireModel):
    iterable: list[SearchedConversation]
