"""The model's orders: one severity order, used by checks, renderers and the TUI alike."""

from __future__ import annotations

from diagnose.model import Severity


def test_severity_rank_puts_the_most_severe_first() -> None:
    ordered = sorted(Severity, key=lambda s: s.rank)
    assert ordered == [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO]


def test_severity_rank_of_text_agrees_and_puts_unknown_last() -> None:
    for severity in Severity:
        assert Severity.rank_of(severity.value) == severity.rank
    assert Severity.rank_of("catastrophic") > Severity.INFO.rank
