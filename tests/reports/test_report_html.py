"""The HTML report: valid HTML (html5lib's strict parser), self-contained, escaped, summary first."""

from __future__ import annotations

import re
from typing import Any

import html5lib
import pytest

from reports.html import render
from tests.reports.make_fixtures import BUILDERS, HOSTILE, load_fixture

NS = "{http://www.w3.org/1999/xhtml}"

FETCHING_ELEMENTS = {"script", "link", "img", "iframe", "object", "embed", "video", "audio", "source",
                     "track", "frame", "frameset", "applet", "base", "form", "input", "svg", "math", "picture"}
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "data", "poster", "background", "ping", "xlink:href"}


def parse_strict(document: str) -> Any:
    """Parse with html5lib in strict mode: any HTML parse error raises."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(document)


@pytest.fixture(params=sorted(BUILDERS))
def rendered(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param, render(load_fixture(request.param))


def test_html_passes_the_strict_html5_parser(rendered: tuple[str, str]) -> None:
    _name, document = rendered
    assert document.startswith("<!DOCTYPE html>")
    parse_strict(document)


def test_the_strict_parser_does_reject_broken_html() -> None:
    # The validator is real: it fails on what a careless template would produce.
    with pytest.raises(html5lib.html5parser.ParseError):
        parse_strict("<!DOCTYPE html><html><head><title>x</title></head><body><p>a</b></body></html>")


def test_html_loads_nothing_from_outside_the_file(rendered: tuple[str, str]) -> None:
    _name, document = rendered
    tree = parse_strict(document)
    tags = {el.tag.removeprefix(NS) for el in tree.iter() if isinstance(el.tag, str)}
    assert not tags & FETCHING_ELEMENTS, tags & FETCHING_ELEMENTS
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        assert not set(el.attrib) & URL_ATTRIBUTES, (el.tag, el.attrib)
        assert not any(name.lower().startswith("on") for name in el.attrib), (el.tag, el.attrib)
        assert "url(" not in el.attrib.get("style", "")
    styles = [el.text or "" for el in tree.iter(f"{NS}style")]
    assert len(styles) == 1
    assert "url(" not in styles[0] and "@import" not in styles[0] and "http" not in styles[0]
    csp = [el for el in tree.iter(f"{NS}meta") if el.attrib.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0].attrib["content"]


def test_html_summary_comes_first_and_details_fold(rendered: tuple[str, str]) -> None:
    name, document = rendered
    data = load_fixture(name)
    tree = parse_strict(document)
    body = tree.find(f"{NS}body")
    assert body is not None
    first = next(iter(body))
    assert first.tag == f"{NS}header"
    header_text = "".join(first.itertext())
    assert data["target"]["host"] in header_text
    assert data.get("report_id", "") in header_text
    headings = ["".join(h.itertext()) for h in body.iter(f"{NS}h2")]
    assert headings[0] == "Safe sign-in checklist"
    assert headings[-1] == "Technical details"
    folded = [d for d in body.iter(f"{NS}details") if (d.attrib.get("id") or "").startswith("check-")]
    assert [d.attrib["id"] for d in folded] == [f"check-{c['id']}" for c in data["checks"]]
    assert all(d.find(f"{NS}summary") is not None and "open" not in d.attrib for d in folded)


def test_html_escapes_hostile_strings() -> None:
    document = render(load_fixture("plugin"))
    tree = parse_strict(document)
    text = "".join(tree.itertext())
    # The hostile markup is shown as text, not interpreted.
    assert "<script>alert('x')</script>" in text
    assert "<script>" not in document and "<img" not in document
    assert "&lt;script&gt;" in document
    # Control and bidi characters are shown as escapes, never emitted raw.
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]", document)
    assert "\\x1b[31mred" in text
    assert "\\u202e" in text
    assert HOSTILE["unicode"] in text


def test_html_marks_an_interrupted_run_at_the_top() -> None:
    tree = parse_strict(render(load_fixture("errors_skips")))
    header = tree.find(f"{NS}body/{NS}header")
    assert header is not None
    alerts = [el for el in header.iter() if el.attrib.get("role") == "alert"]
    assert alerts and "interrupted" in "".join(alerts[0].itertext()).lower()


def test_html_renders_a_minimal_schema_v1_report() -> None:
    # Optional fields (note, warnings, redactions, steps, source) may be absent in schema version 1.
    data = load_fixture("all_pass")
    for key in ("note", "warnings", "redactions", "interrupted", "report_id"):
        data.pop(key)
    for check in data["checks"]:
        check.pop("source"), check.pop("version")
    for item in data["checklist"]:
        item.pop("steps")
    parse_strict(render(data))


def test_html_has_no_raw_ampersand() -> None:
    # Stricter than HTML needs: every & in the document starts an entity.
    document = render(load_fixture("plugin"))
    assert not re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", document)
