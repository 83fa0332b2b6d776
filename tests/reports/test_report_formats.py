"""Markdown, text and JUnit: structure, escaping and the status mapping, from the fixed reports."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest

from diagnose.cli import run
from diagnose.environment import Environment
from reports import junit, markdown, text
from tests.reports.make_fixtures import BUILDERS, load_fixture

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


# ---------------------------------------------------------------------- Markdown


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_markdown_reads_checklist_then_problems_then_details(name: str) -> None:
    doc = markdown.render(load_fixture(name))
    order = [doc.index(h) for h in ("## Safe sign-in checklist", "## All checks", "## Technical details")]
    assert order == sorted(order)
    if "## What needs attention" in doc:
        assert order[0] < doc.index("## What needs attention") < order[1]
    assert doc.count("<details>") == doc.count("</details>") == len(load_fixture(name)["checks"])


def test_markdown_lists_failures_before_warnings_and_one_advice_line_per_item() -> None:
    data = load_fixture("failures")
    doc = markdown.render(data)
    checklist = doc.split("## Safe sign-in checklist", 1)[1].split("##", 1)[0]
    items = [line for line in checklist.splitlines() if line.startswith("- **")]
    assert len(items) == len(data["checklist"])
    attention = doc.split("## What needs attention", 1)[1].split("## All checks", 1)[0]
    assert all(f"`{c['id']}`" in attention for c in data["checks"])
    assert attention.count("What to do:") >= 5


def test_markdown_escapes_hostile_strings() -> None:
    doc = markdown.render(load_fixture("plugin"))
    assert not CONTROL.search(doc)
    outside_code = re.sub(r"(?s)(`{3,})json\n.*?\n\1", "", doc)
    outside_code = re.sub(r"</?(details|summary)>", "", outside_code)
    assert not re.search(r"(?<!\\)<", outside_code)  # no raw HTML
    assert not re.search(r"(?<!\\)\]\(", outside_code)  # no live link or image
    assert "\\<script\\>" in outside_code
    # A fence inside a value cannot close the JSON block early.
    blocks = re.findall(r"(?m)^(`{3,})json$", doc)
    assert blocks and all(len(b) >= 4 for b in blocks[1:2])


# ---------------------------------------------------------------------- text


def test_text_has_no_colour_unless_asked_and_no_raw_control_characters() -> None:
    data = load_fixture("plugin")
    plain = text.render(data)
    assert "\x1b" not in plain
    assert not CONTROL.search(plain)
    coloured = text.render(data, color=True)
    assert "\x1b[" in coloured
    # The only escape sequences are the renderer's own colours.
    assert not CONTROL.search(re.sub(r"\x1b\[[0-9;]*m", "", coloured))


@pytest.mark.parametrize(("isatty", "no_color", "coloured"), [(True, "", True), (False, "", False), (True, "1", False)])
def test_render_command_colours_text_only_on_a_tty_without_no_color(
    isatty: bool, no_color: str, coloured: bool
) -> None:
    from tests.reports.make_fixtures import FIXTURES

    out = io.StringIO()
    env = Environment(stdout=out, stderr=io.StringIO(), stdout_isatty=isatty,
                      environ={"NO_COLOR": no_color} if no_color else {})
    assert run(["render", str(FIXTURES / "failures.json"), "--format", "text"], env) == 0
    assert ("\x1b[" in out.getvalue()) is coloured


# ---------------------------------------------------------------------- JUnit


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_junit_has_one_test_case_per_check_with_the_status_mapping(name: str) -> None:
    data = load_fixture(name)
    root = ET.fromstring(junit.render(data))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == [f"login-doctor.{c['id']}" for c in data["checks"]]
    expected = {"fail": "failure", "error": "error", "skip": "skipped", "manual": "skipped"}
    for case, check in zip(cases, data["checks"], strict=True):
        outcome = {child.tag for child in case} - {"system-out"}
        assert outcome == ({expected[check["status"]]} if check["status"] in expected else set()), check["id"]
        assert float(case.get("time", "x")) == pytest.approx(check["duration_ms"] / 1000)
    statuses = [c["status"] for c in data["checks"]]
    assert suite.get("tests") == str(len(statuses))
    assert suite.get("failures") == str(statuses.count("fail"))
    assert suite.get("errors") == str(statuses.count("error"))
    assert suite.get("skipped") == str(statuses.count("skip") + statuses.count("manual"))
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["report_id"] == data["report_id"] and props["status"] == data["status"]
    assert "hostname" not in suite.attrib


def test_junit_failure_names_the_worst_finding() -> None:
    root = ET.fromstring(junit.render(load_fixture("failures")))
    failure = root.find("testsuite/testcase[@classname='login-doctor.connectivity']/failure")
    assert failure is not None
    assert failure.get("type") == "connectivity.http_captive_portal"
    assert "What to do:" in (failure.text or "")


def test_junit_is_well_formed_xml_with_hostile_strings() -> None:
    document = junit.render(load_fixture("plugin"))
    root = ET.fromstring(document)  # raises on control characters or bad escaping
    assert not CONTROL.search(document)
    out = root.find("testsuite/testcase[@classname='login-doctor.vpn_split']/system-out")
    assert out is not None and "<script>" in (out.text or "")


def test_non_html_formats_load_neither_jinja2_nor_textual() -> None:
    # The headless path stays light: Jinja2 loads for HTML only, Textual never.
    import subprocess
    import sys
    from pathlib import Path

    from tests.reports.make_fixtures import FIXTURES

    root = Path(__file__).resolve().parents[2]
    code = (
        "import json, sys\n"
        "from reports.render import render\n"
        f"data = json.load(open({str(FIXTURES / 'plugin.json')!r}))\n"
        "for fmt in ('json', 'markdown', 'text', 'junit'): render(data, fmt)\n"
        "assert 'jinja2' not in sys.modules and 'textual' not in sys.modules, 'heavy import'\n"
        "render(data, 'html')\n"
        "assert 'jinja2' in sys.modules and 'textual' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=root, env={"PYTHONPATH": str(root)}, check=True, timeout=60)
