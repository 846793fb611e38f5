"""Words the UI shows in more than one place."""

UNTITLED = "Untitled conversation"
"""Shown for a conversation without a name (list, detail pane, delete dialog)."""
