"""Screens of the TUI: the main checklist, one item's details, and help."""
