"""Golden-file tests: each fixed report renders exactly as reviewed, in every format.

Fixtures (``fixtures/*.json``) and golden outputs (``golden/``) are made by
``tests/reports/make_fixtures.py``; after a deliberate renderer change, review
the diff and run ``python tests/reports/make_fixtures.py --update-golden``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from diagnose.cli import run
from diagnose.environment import Environment
from reports.render import FORMATS
from reports.schema import validation_errors
from tests.reports.make_fixtures import BUILDERS, FIXTURES, GOLDEN, golden_cases, load_fixture, render_case

CASES = golden_cases()


def test_every_fixture_and_format_has_a_golden_file() -> None:
    fixtures = {p.stem for p in FIXTURES.glob("*.json")}
    assert fixtures == set(BUILDERS)
    covered = {(fixture, fmt) for fixture, fmt, _color, _path in CASES}
    assert covered == {(fixture, fmt) for fixture in fixtures for fmt in FORMATS}
    assert all(path.is_file() for *_rest, path in CASES)
    assert {p.name for p in GOLDEN.iterdir()} == {path.name for *_rest, path in CASES}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_fixture_validates_against_the_schema(name: str) -> None:
    assert validation_errors(load_fixture(name)) == []


@pytest.mark.parametrize(("fixture", "fmt", "color", "path"), CASES, ids=[p.name for *_r, p in CASES])
def test_render_matches_golden(fixture: str, fmt: str, color: bool, path: Path) -> None:
    expected = path.read_bytes().decode("utf-8")
    assert render_case(fixture, fmt, color) == expected, (
        f"{path.name} changed; review, then: python tests/reports/make_fixtures.py --update-golden"
    )


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_json_output_is_the_fixture_and_validates(name: str) -> None:
    rendered = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    assert validation_errors(rendered) == []
    assert rendered == load_fixture(name)


@pytest.mark.parametrize(("fixture", "fmt", "color", "path"), [c for c in CASES if not c[2]],
                         ids=[p.name for *_r, p in CASES if not _r[2]])
def test_render_command_reproduces_golden(fixture: str, fmt: str, color: bool, path: Path, tmp_path: Path) -> None:
    # Given a saved JSON report, When `login-doctor render` writes it as FMT, Then it is the golden output.
    out = tmp_path / f"out.{path.name.split('.', 1)[1]}"
    stderr = io.StringIO()
    env = Environment(stdout=io.StringIO(), stderr=stderr, stdout_isatty=False, environ={})
    assert run(["render", str(FIXTURES / f"{fixture}.json"), "--format", fmt, "-o", str(out)], env) == 0, stderr.getvalue()
    assert out.read_bytes() == path.read_bytes()


def test_coloured_text_differs_only_by_escape_sequences() -> None:
    import re

    plain = render_case("failures", "text", False)
    coloured = render_case("failures", "text", True)
    assert coloured != plain
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
