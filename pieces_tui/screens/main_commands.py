"""The main screen's command palette entries and its help sections (what `ctrl+p` and `?` list)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from pieces_tui.screens.help import binding_rows
from pieces_tui.screens.layout_keys import LayoutScreen
from pieces_tui.screens.main_find import FindScreen
from pieces_tui.widgets.conversation_list import ConversationList
from pieces_tui.widgets.detail import ConversationDetail

if TYPE_CHECKING:
    from pieces_tui.screens.main import MainScreen

__all__ = ["help_sections", "main_commands"]


def main_commands(screen: MainScreen) -> Iterable[SystemCommand]:
    """The palette's commands for the main screen, each naming its key."""
    for title, help_text, action in (
        ("New conversation", "Create a conversation · n", screen.action_new_conversation),
        (
            "Rename conversation",
            "Rename the highlighted conversation · r",
            screen.action_rename_conversation,
        ),
        (
            "Delete conversation",
            "Delete the marked conversations (or the highlighted one) · d",
            screen.action_delete_conversation,
        ),
        ("Mark all visible", "Mark every listed row", screen.bulk.mark_all),
        ("Clear marks", "Unmark every conversation", screen.bulk.clear),
        ("Undo delete", "Bring back the last delete · u", screen.action_undo_delete),
        ("Export", "Save as Markdown or JSON · e", screen.action_export),
        ("Filter conversations", "Filter the list by name · /", screen.action_start_filter),
        ("Show keys", "List every key binding · ?", screen.action_help),
    ):
        yield SystemCommand(title, help_text, action)
    yield from screen.find_commands()


def help_sections(screen: MainScreen) -> list[tuple[str, list[tuple[str, str]]]]:
    """The sections of the keys screen (`?`)."""
    return [
        (
            "Everywhere",
            [
                *binding_rows(screen.BINDINGS),
                *binding_rows(LayoutScreen.BINDINGS),
                ("tab", "Next pane"),
                ("^p", "Commands"),
            ],
        ),
        ("Conversation list", binding_rows(ConversationList.BINDINGS)),
        ("Detail pane", binding_rows(ConversationDetail.BINDINGS)),
        ("Search and favorites", binding_rows(FindScreen.BINDINGS)),
    ]
