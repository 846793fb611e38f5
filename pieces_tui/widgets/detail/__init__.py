"""The detail pane: `ConversationDetail` (pane.py), the message window's arithmetic
(`MessageWindow`, window.py, no Textual), message blocks (blocks.py) and the data it shows
(views.py)."""

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
    "ConversationDetail",
    "ConversationView",
    "MessageBlock",
    "MessageFetcher",
    "MessageView",
    "MessageWindow",
    "message_blocks",
]
