"""Issue 13's property: no Set-Cookie, Location or address string makes the jar, the flow walker
or the address judge raise (a few hundred examples each here; ``python benchmarks/bench_properties.py``
runs 20,000 and more per target)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.properties.targets import (
    Answer,
    FuzzServer,
    addresses,
    answers,
    jar_never_raises,
    judge_never_raises,
    set_cookie_lines,
    walker_never_raises,
)

CI = settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[FuzzServer]:
    server = FuzzServer()
    try:
        yield server
    finally:
        server.close()


@CI
@given(st.lists(set_cookie_lines(), min_size=1, max_size=6))
def test_no_set_cookie_line_makes_the_jar_raise(lines: list[str]) -> None:
    jar_never_raises(lines)


@CI
@given(addresses)
def test_no_address_makes_the_judge_raise(text: str) -> None:
    judge_never_raises(text)


@settings(CI, max_examples=150)
@given(answers)
def test_no_location_or_set_cookie_makes_the_walk_or_its_findings_raise(fuzz_server: FuzzServer,
                                                                      answer: Answer) -> None:
    walker_never_raises(fuzz_server, answer)
