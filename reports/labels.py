"""Status words and symbols shared by the renderers (and the TUI).

Every status has a word, so a report reads the same without colour or symbols
(printed in black and white, read by a screen reader, pasted into a ticket).
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

STATUS_WORD = {
    "pass": "passed",
    "warn": "with warnings",
    "fail": "failed",
    "skip": "skipped",
    "error": "not decided",
    "manual": "to check yourself",
}
"""How a count of checks in one status reads in a sentence ("2 failed")."""

OVERALL_SENTENCE = {
    "pass": "No problem found on the checked items.",
    "warn": "Sign-in should work, but something needs attention.",
    "fail": "A problem was found that can stop the sign-in.",
    "error": "The diagnosis could not decide everything (a check errored or ran out of time).",
    "skip": "Nothing was decided: every check was skipped (each check says why).",
}

NOT_DECIDED_ADVICE = (
    "This check could not decide. Run login-doctor again; if it happens again, attach this report "
    "to your ticket: its technical details help the helpdesk."
)
"""What to do about a check that errored (it has no findings, so no remediation of its own)."""

INTERRUPTED_SENTENCE = "The run was interrupted; only the checks that finished are reported."

STATUS_ORDER = ("fail", "error", "warn", "pass", "skip", "manual")
"""Worst first: the order problems are listed in and counts are spelled out in."""


def label(status: str) -> str:
    """``✘ FAIL``: symbol and word, so the status survives without colour."""
    return f"{STATUS_SYMBOL.get(status, '?')} {STATUS_LABEL.get(status, status.upper())}"


def status_rank(status: str) -> int:
    """Position of ``status`` in :data:`STATUS_ORDER` (unknown statuses last)."""
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)
