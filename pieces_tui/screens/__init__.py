"""Screens and modal dialogs, one per file."""
