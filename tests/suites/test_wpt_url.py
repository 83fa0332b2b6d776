"""WPT ``urltestdata.json`` and ``IdnaTestV2.json`` through both of the product's URL paths.

* the address judgement (the ``url`` check): :func:`checks._url.parse.parse` for a case without a
  base, :func:`checks._url.parse.resolve` with the case's base (how the judge resolves a redirect
  parameter against the page);
* the ``Location`` resolution of the ``redirects`` check (:func:`checks._redirects.location.resolve`,
  Chromium's reading), with the case's base: a redirect to a non-web scheme must be refused as
  not a web page, an invalid one as invalid, the rest must land on the standard's address.

IdnaTestV2 runs as WPT runs it: ``https://{input}/x`` without a base. Deviations are listed with
their reasons in ``deviations/wpt-urltestdata.toml`` and ``deviations/wpt-idna.toml``; an unlisted
failure fails, and so does a listed case that passes.
"""

from __future__ import annotations

from tests.suites import drivers
from tests.suites.wpt_url import load_idna_cases, load_url_cases


def url_failures() -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for case in load_url_cases():
        expected = None if case.failure else case.href
        got = drivers.address(case.input, case.base)
        if got != expected:
            found[("address", str(case.index))] = f"{case.input!r} on {case.base!r}: expected {expected!r}, got {got!r}"
        href, problem = drivers.location(case.input, case.base)
        if not drivers.location_agrees(expected, href, problem):
            found[("location", str(case.index))] = (f"{case.input!r} on {case.base!r}: expected {expected!r}, "
                                                   f"got {href!r} ({problem})")
    return found


def idna_failures() -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for case in load_idna_cases():
        if not case.input:  # WPT skips it too: an empty host cannot be written into a URL
            continue
        text = f"https://{case.input}/x"
        expected = None if case.output is None else f"https://{case.output}/x"
        got = drivers.address(text, None)
        if got != expected:
            found[("address", str(case.index))] = f"{case.input!r}: expected {expected!r}, got {got!r}"
        href, problem = drivers.location(text, None)
        if not drivers.location_agrees(expected, href, problem):
            found[("location", str(case.index))] = f"{case.input!r}: expected {expected!r}, got {href!r} ({problem})"
    return found


def test_urltestdata_through_both_paths_passes_or_is_listed() -> None:
    cases = load_url_cases()
    assert len(cases) == 891 and sum(1 for c in cases if c.base is not None) > 300
    assert drivers.compare("wpt-urltestdata", url_failures()) == []


def test_idnatestv2_through_both_paths_passes_or_is_listed() -> None:
    assert len(load_idna_cases()) == 2671
    assert drivers.compare("wpt-idna", idna_failures()) == []


def test_every_listed_url_deviation_names_its_path() -> None:
    for (path, _case), deviation in drivers.load_deviations("wpt-urltestdata").items():
        assert path in ("address", "location") and deviation.reason
