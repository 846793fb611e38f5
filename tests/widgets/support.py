"""A tiny host app and row type for exercising ConversationList in isolation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from pieces_tui.client.summaries import sort_key
from pieces_tui.widgets import ConversationList

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    id: str
    name: str | None
    updated: datetime
    message_count: int = 0
    favorited: bool = False

    @property
    def sort_key(self) -> tuple[int, str]:
        return sort_key(self.updated, self.id)


def make_rows(
    count: int, *, start: datetime = NOW, step: timedelta = timedelta(minutes=1)
) -> list[Row]:
    """`count` rows in store order: c00000 newest, each next one `step` older."""
    return [
        Row(
            id=f"c{i:05d}", name=f"Conversation {i}", updated=start - step * i, message_count=i % 50
        )
        for i in range(count)
    ]


class ListApp(App[None]):
    """The sidebar at a fixed width beside a `1fr` detail pane, as in the real app."""

    CSS = """
    #sidebar { width: 40; }
    #detail { width: 1fr; }
    """

    def __init__(self, rows: Sequence[Row] = (), *, filter_text: str = "") -> None:
        super().__init__()
        self._rows = list(rows)
        self._filter_text = filter_text
        self.highlighted: list[str | None] = []
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield ConversationList(self._rows, now=lambda: NOW, id="sidebar")
            yield Static("detail", id="detail")

    def on_mount(self) -> None:
        sidebar = self.query_one(ConversationList)
        sidebar.filter_text = self._filter_text
        sidebar.focus()

    def on_conversation_list_highlighted(self, message: ConversationList.Highlighted) -> None:
        self.highlighted.append(message.conversation_id)

    def on_conversation_list_selected(self, message: ConversationList.Selected) -> None:
        self.selected.append(message.conversation_id)


def screen_lines(widget: ConversationList) -> list[str]:
    """The text of every line the widget currently shows."""
    return [widget.render_line(y).text for y in range(widget.scrollable_content_region.height)]
