"""The pane's header as content: title, metadata, annotations and links of one conversation.

Every text here came from the server: it is cleaned (`clean_line`) and never parsed as markup."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label

from pieces_tui.labels import UNTITLED
from pieces_tui.sanitize import clean_line
from pieces_tui.timefmt import absolute_time, relative_time, zone_of
from pieces_tui.widgets.detail.blocks import markdown_blocks
from pieces_tui.widgets.detail.views import ConversationView

__all__ = ["annotation_widgets", "deleted_title", "links", "metadata", "title"]


def title(view: ConversationView) -> Content:
    content = Content(clean_line(view.name or UNTITLED))
    return content if view.name else content.stylize("italic dim")


def deleted_title(shown: str) -> Content:
    """The title as shown (`shown`), struck through and marked deleted."""
    return Content.assemble((clean_line(shown), "strike"), "  ", ("deleted", "bold reverse"))


def metadata(view: ConversationView, now: datetime) -> Content:
    def when(moment: datetime) -> str:
        return f"{absolute_time(moment, zone_of(now))} ({relative_time(moment, now)})"

    rows = [
        ("id", view.id),
        ("type", view.type),
        ("created", when(view.created)),
        ("updated", when(view.updated)),
        ("model", view.model or "—"),
        ("messages", f"{len(view.all_message_ids):,}"),
    ]
    return Content("\n").join(
        Content.assemble((f"{key:<9}", "dim"), clean_line(value)) for key, value in rows
    )


def annotation_widgets(view: ConversationView) -> Iterator[Vertical]:
    """The summary first, then the other annotations, each as a titled Markdown section."""
    ordered = sorted(view.annotations, key=lambda item: item[0] != "SUMMARY")
    for kind, text in ordered:
        yield Vertical(
            Label(Content(kind.replace("_", " ").title()), classes="section-title"),
            *markdown_blocks(text),
            classes="annotation",
        )


def links(view: ConversationView) -> Content:
    """Linked assets and websites ("" when there are none)."""
    lines: list[Content] = []
    if view.assets:
        lines.append(Content.assemble(("Assets    ", "dim"), clean_line(", ".join(view.assets))))
    lines.extend(
        Content.assemble(("Website   " if n == 0 else "          ", "dim"), clean_line(url))
        for n, url in enumerate(view.websites)
    )
    return Content("\n").join(lines)
