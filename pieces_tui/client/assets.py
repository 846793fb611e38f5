"""Pydantic models of what a conversation refers to: annotations, assets (saved snippets with
their formats) and websites. The same conventions as `pieces_tui.client.models`, whose shared
pieces (timestamps, references, the tolerant annotation type) they use."""

from __future__ import annotations

from pieces_tui.client.models import (
    FragmentFormat,
    GroupedTimestamp,
    ReferencedConversation,
    TolerantAnnotationType,
    WireModel,
)

__all__ = ["Annotation", "Asset", "Assets", "Website"]


class Annotation(WireModel):
    id: str
    created: GroupedTimestamp
    updated: GroupedTimestamp
    type: TolerantAnnotationType
    text: str
    conversation: ReferencedConversation | None = None
    deleted: GroupedTimestamp | None = None


class FlattenedFormat(WireModel):
    id: str | None = None
    fragment: FragmentFormat | None = None


class ReferencedFormat(WireModel):
    id: str
    reference: FlattenedFormat | None = None


class Preview(WireModel):
    base: ReferencedFormat
    overlay: ReferencedFormat | None = None


class Format(WireModel):
    id: str
    fragment: FragmentFormat | None = None


class Formats(WireModel):
    iterable: list[Format]


class Asset(WireModel):
    """A saved snippet. The SDK also requires `creator`, `mechanism`, `original`, `preview` and
    `formats`; emulators keep a subset, so only `id`, `created` and `updated` are required here."""

    id: str
    created: GroupedTimestamp
    updated: GroupedTimestamp
    name: str | None = None
    original: ReferencedFormat | None = None
    preview: Preview | None = None
    formats: Formats | None = None

    def _fragments(self) -> list[FragmentFormat]:
        found: list[FragmentFormat] = []
        refs: list[ReferencedFormat | None] = [self.original]
        if self.preview is not None:
            refs += [self.preview.base, self.preview.overlay]
        for ref in refs:
            if ref is not None and ref.reference is not None and ref.reference.fragment:
                found.append(ref.reference.fragment)
        if self.formats is not None:
            found += [f.fragment for f in self.formats.iterable if f.fragment is not None]
        return found

    @property
    def text(self) -> str | None:
        """The snippet text: the first fragment with a raw string (original, preview, formats)."""
        for fragment in self._fragments():
            if fragment.text is not None:
                return fragment.text
        return None

    @property
    def language(self) -> str | None:
        """The language extension (`py`, `ts`, ...) of the first fragment that names one."""
        for fragment in self._fragments():
            if fragment.metadata is not None and fragment.metadata.ext:
                return fragment.metadata.ext
        return None


class Assets(WireModel):
    iterable: list[Asset]
    indices: dict[str, int] | None = None


class Website(WireModel):
    id: str
    url: str | None = None
    name: str | None = None
    created: GroupedTimestamp | None = None
    updated: GroupedTimestamp | None = None
