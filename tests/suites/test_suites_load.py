"""Each vendored suite loads whole: a truncated or partly copied vendor tree fails here.

These tests only load data; they judge nothing (tools/suite_baseline.py measures agreement)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.suites import DATA
from tests.suites.http_state import HTTP_STATE_CASE_COUNT, load_http_state_cases
from tests.suites.wpt_cookies import WPT_COOKIE_CASE_COUNTS, load_wpt_cookie_cases
from tests.suites.wpt_url import IDNA_CASE_COUNT, URL_CASE_COUNT, load_idna_cases, load_url_cases
from tests.suites.x509_limbo import LIMBO_SERVER_CASE_COUNT, load_limbo_cases, load_rustls_webpki_deviations


@pytest.mark.parametrize("suite", ["x509-limbo", "http-state", "wpt-url", "wpt-cookies"])
def test_every_suite_carries_its_licence_and_provenance(suite: str) -> None:
    folder = DATA / suite
    assert (folder / "UPSTREAM.md").is_file()
    licences = [p for p in folder.iterdir() if p.name.upper().startswith(("LICENSE", "LICENCE", "COPYING"))]
    assert licences, f"{suite} has no licence file"
    assert all(p.stat().st_size > 100 for p in licences)


def test_x509_limbo_server_cases() -> None:
    cases = load_limbo_cases()
    assert len(cases) == LIMBO_SERVER_CASE_COUNT
    assert len({c.id for c in cases}) == len(cases)
    assert Counter(c.namespace for c in cases) == {"rfc5280": 92, "webpki": 56}
    assert Counter(c.expected_result for c in cases) == {"FAILURE": 119, "SUCCESS": 29}
    assert {c.validation_kind for c in cases} == {"SERVER"}
    for case in cases:
        assert case.peer_certificate.startswith("-----BEGIN CERTIFICATE-----"), case.id
        assert case.trusted_certs, case.id
    assert sum(c.validation_time is not None for c in cases) == 16
    assert sum(c.expected_peer_name is None for c in cases) == 1  # rfc5280::nc::permitted-dn-match


def test_rustls_webpki_deviations_name_known_cases() -> None:
    deviations = load_rustls_webpki_deviations()
    assert len(deviations) == 57
    ours = {c.id for c in load_limbo_cases()}
    in_subset = [d for d in deviations if d in ours]
    assert len(in_subset) == 51
    assert all(d.expected != d.actual and d.reason for d in deviations.values())


def test_http_state_parser_cases() -> None:
    cases = load_http_state_cases()
    assert len(cases) == HTTP_STATE_CASE_COUNT
    assert sum(c.disabled for c in cases) == 4
    assert all(c.set_cookie for c in cases)
    first = next(c for c in cases if c.name == "0001")
    assert first.set_cookie == ("foo=bar",)
    assert first.location == "http://home.example.org:8888/cookie-parser-result?0001"
    assert first.expected_cookie == "foo=bar"
    assert sum(c.expected_cookie is None for c in cases) == 87
    ordering = next(c for c in cases if c.name == "ordering0001")
    assert ordering.location == "http://home.example.org:8888/cookie-parser-result/foo/baz?ordering0001"


def test_wpt_url_data() -> None:
    urls = load_url_cases()
    assert len(urls) == URL_CASE_COUNT
    assert sum(c.failure for c in urls) == 267
    assert sum(c.base is None for c in urls) == 555
    idna = load_idna_cases()
    assert len(idna) == IDNA_CASE_COUNT
    assert sum(c.output is None for c in idna) == 1117


def test_wpt_cookie_tables() -> None:
    cases = load_wpt_cookie_cases()
    assert Counter(c.file for c in cases) == WPT_COOKIE_CASE_COUNTS
    assert len(cases) == sum(WPT_COOKIE_CASE_COUNTS.values()) == 779
    assert all(c.set_url.startswith(("http://", "https://")) for c in cases)
    assert all(c.line is None or c.line > 0 for c in cases)
    names_per_file = Counter((c.file, c.name) for c in cases)
    assert max(names_per_file.values()) == 1
