"""pieces-tui: browse Pieces OS Copilot conversations from a terminal."""

__version__ = "0.1.0"
