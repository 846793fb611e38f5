"""Textual widgets for pieces-tui (one file per widget)."""

from pieces_tui.widgets.conversation_list import ConversationList, ConversationRowLike

__all__ = ["ConversationList", "ConversationRowLike"]
