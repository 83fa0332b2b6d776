"""Status words and symbols shared by the renderers (and the TUI).

Every status has a word, so a report reads the same without colour or symbols.
"""

from __future__ import annotations

STATUS_LABEL = {
    "pass": "PASS",
    "warn": "WARN",
    "fail": "FAIL",
    "skip": "SKIPPED",
    "error": "NOT DECIDED",
    "manual": "CHECK YOURSELF",
}

STATUS_SYMBOL = {
    "pass": "✔",
    "warn": "▲",
    "fail": "✘",
    "skip": "–",
    "error": "?",
    "manual": "☐",
}

OVERALL_SENTENCE = {
    "pass": "No problem found on the checked items.",
    "warn": "Sign-in should work, but something needs attention.",
    "fail": "A problem was found that can stop the sign-in.",
    "error": "The diagnosis could not decide everything (a check errored or ran out of time).",
}

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


def label(status: str) -> str:
    return f"{STATUS_SYMBOL.get(status, '?')} {STATUS_LABEL.get(status, status.upper())}"
