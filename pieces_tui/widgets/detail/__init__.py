"""The detail pane: `ConversationDetail` (pane.py), the message window's arithmetic
(`MessageWindow`, window.py, no Textual), the paging (paging.py), the message cursor (cursor.py),
what is copied (copying.py) and the code block picker, message blocks (blocks.py) and the data it
shows (views.py)."""

from typing import TYPE_CHECKING, Any

from pieces_tui.widgets.detail.blocks import MessageBlock, message_blocks
from pieces_tui.widgets.detail.pane import ConversationDetail
from pieces_tui.widgets.detail.views import ConversationView, MessageFetcher, MessageView
from pieces_tui.widgets.detail.window import (
    FETCH_BATCH,
    MAX_CACHED,
    MAX_MOUNTED,
    MESSAGE_BATCH,
    MessageWindow,
)

__all__ = [
    "FETCH_BATCH",
    "MAX_CACHED",
    "MAX_MOUNTED",
    "MESSAGE_BATCH",
    "CodePicker",
    "ConversationDetail",
    "ConversationView",
    "MessageBlock",
    "MessageFetcher",
    "MessageView",
    "MessageWindow",
    "message_blocks",
]

if TYPE_CHECKING:
    from pieces_tui.widgets.detail.code_picker import CodePicker


def __getattr__(name: str) -> Any:
    """`CodePicker` loads when first asked for (the first frame does not show it)."""
    if name == "CodePicker":
        from pieces_tui.widgets.detail.code_picker import CodePicker

        return CodePicker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
