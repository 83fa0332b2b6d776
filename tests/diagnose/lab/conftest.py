"""Fixtures of the lab tests: every scenario diagnosed once per session."""

from __future__ import annotations

import asyncio

import pytest

from diagnose.lab.scenario import DiagnosedScenario, all_scenarios
from diagnose.model import Report
from tests.diagnose.lab.checklist_rows import diagnose_all


@pytest.fixture(scope="session")
def lab_diagnosed() -> dict[str, DiagnosedScenario]:
    """Every lab scenario diagnosed (concurrently, once for the whole session)."""
    return asyncio.run(diagnose_all(sorted(all_scenarios())))


@pytest.fixture(scope="session")
def lab_reports(lab_diagnosed: dict[str, DiagnosedScenario]) -> dict[str, Report]:
    """The report of every lab scenario."""
    return {name: d.report for name, d in lab_diagnosed.items()}
