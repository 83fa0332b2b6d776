"""Widgets of the TUI, one job each: checklist rows, address field, reference clock, item details."""
