"""Measure the current checks against the vendored public suites (tests/suites/data/).

A measurement, not a test: it prints, per suite and per code path, how many cases agree with the
suite's expectation, how many disagree, and how many crash (by exception type), with a few typical
disagreements. Rerun it after a fix to see the figures move:

    python tools/suite_baseline.py                    # every suite
    python tools/suite_baseline.py limbo cookies      # some: limbo, http-state, cookies, url, idna
    python tools/suite_baseline.py --examples 10 --json baseline.json

What runs where:

* ``limbo``: each x509-limbo SERVER case through the whole ``certificate`` check
  (tests/checks/limbo.py: the case's chain as the server would send it, its trust anchors as
  ``--ca-file``, the device clock at the case's validation time, no network). Verdict: ``fail`` =
  rejected; ``pass``/``warn`` = accepted (a FAILURE case accepted with an advice finding agrees:
  Chromium accepts it); ``error`` = undecided. tests/checks/test_certificate_limbo.py is the test.
* ``http-state`` and ``cookies``: :class:`checks._redirects.cookies.CookieJar` receives the lines
  on the request URL, then builds the cookie string for the URL the suite reads them from, at the
  suite's reference time (the tables carry fixed dates).
* ``url``: urltestdata.json through both parsers: the address judgement
  (:func:`checks._url.parse.parse`, which takes no base: only cases without one) and the
  ``Location`` resolution (:func:`checks._redirects.flow._resolve`, with the case's base).
* ``idna``: IdnaTestV2.json as WPT runs it (``https://{input}/x``) through both parsers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Tally:
    """Agreement figures for one suite through one code path."""

    suite: str
    path: str
    cases: int = 0
    agree: int = 0
    disagree: int = 0
    not_applicable: int = 0
    crashes: Counter[str] = field(default_factory=Counter)
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    crash_examples: list[dict[str, Any]] = field(default_factory=list)
    categories: Counter[str] = field(default_factory=Counter)

    def record(self, ok: bool, example: dict[str, Any], category: str = "") -> None:
        self.cases += 1
        if ok:
            self.agree += 1
            return
        self.disagree += 1
        if category:
            self.categories[category] += 1
        self.disagreements.append(example)

    def crash(self, exc: BaseException, example: dict[str, Any]) -> None:
        self.cases += 1
        name = type(exc).__name__
        self.crashes[name] += 1
        self.crash_examples.append({**example, "exception": f"{name}: {str(exc)[:200]}", "where": _where(exc)})

    def skip(self) -> None:
        self.not_applicable += 1

    def summary(self) -> dict[str, Any]:
        crashed = sum(self.crashes.values())
        rate = self.agree / self.cases if self.cases else 0.0
        return {"suite": self.suite, "path": self.path, "cases": self.cases, "agree": self.agree,
                "disagree": self.disagree, "crash": crashed, "crash_types": dict(self.crashes),
                "not_applicable": self.not_applicable, "agreement": round(rate, 4),
                "disagreement_categories": dict(self.categories)}


def _where(exc: BaseException) -> str:
    """The innermost project frame (checks/ or diagnose/) the exception came through."""
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if ROOT in path.parents and path.parts[len(ROOT.parts)] in ("checks", "diagnose"):
            where = f"{path.relative_to(ROOT)}:{frame.lineno} ({frame.name})"
    return where


# ---------------------------------------------------------------- x509-limbo


def run_limbo() -> list[Tally]:
    from tests.checks.limbo import judge_case
    from tests.suites.x509_limbo import load_limbo_cases, load_rustls_webpki_deviations

    tally = Tally("x509-limbo (webpki::, rfc5280:: SERVER)", "certificate check (whole run, chain injected)")
    deviations = load_rustls_webpki_deviations()
    with tempfile.TemporaryDirectory() as tmp:
        for case in load_limbo_cases():
            example: dict[str, Any] = {"id": case.id, "expected": case.expected_result}
            try:
                result = asyncio.run(judge_case(case, Path(tmp)))
            except Exception as exc:
                tally.crash(exc, example)
                continue
            accepted = result.verdict == "SUCCESS"
            example.update(status=result.status, findings=[f.code for f in result.findings],
                           advice=sorted(result.advice()))
            if case.id in deviations:
                example["rustls_webpki_also_differs"] = deviations[case.id].reason
            if result.status == "error":
                tally.record(False, example, "check ended in error (undecided)")
                continue
            if not case.expects_success and accepted and result.advice():
                tally.record(True, example)  # Chromium accepts it; the advice names the broken rule
                continue
            category = ("accepts a chain limbo rejects" if accepted else "rejects a chain limbo accepts")
            tally.record(accepted == case.expects_success, example, category)
    return [tally]


# ---------------------------------------------------------------- cookies


def _cookie_url(url: str) -> Any:
    from checks._redirects.rules import CookieUrl

    parts = urlsplit(url)
    return CookieUrl(scheme=parts.scheme, host=parts.hostname or "", path=parts.path or "/")


def _cookie_string(jar: Any, url: str, now: float, *, same_site: bool, dom: bool, names: Iterable[str] = ()) -> str:
    wanted = set(names)
    sent = jar.retrieve(_cookie_url(url), now, same_site=same_site).sent
    return "; ".join(c.pair for c in sent if not (dom and c.http_only) and (not wanted or c.name in wanted))


def run_http_state() -> list[Tally]:
    from checks._redirects.cookies import CookieJar
    from tests.suites.http_state import HTTP_STATE_REFERENCE_TIME, load_http_state_cases

    tally = Tally("http-state parser tests", "CookieJar")
    now = HTTP_STATE_REFERENCE_TIME.timestamp()
    for case in load_http_state_cases():
        example: dict[str, Any] = {"name": case.name, "set_cookie": list(case.set_cookie),
                                   "expected": case.expected_cookie}
        try:
            jar = CookieJar()
            for line in case.set_cookie:
                jar.receive(line, _cookie_url(case.request_url), now)
            got = _cookie_string(jar, case.location, now, same_site=True, dom=False)
        except Exception as exc:
            tally.crash(exc, example)
            continue
        expected = case.expected_cookie or ""
        example["got"] = got
        tally.record(got == expected, example, f"group {case.group}{' (disabled upstream)' if case.disabled else ''}")
    return [tally]


def run_wpt_cookies() -> list[Tally]:
    from checks._redirects.cookies import CookieJar
    from tests.suites.wpt_cookies import WPT_COOKIE_REFERENCE_TIME, load_wpt_cookie_cases

    tally = Tally("WPT cookie tables", "CookieJar")
    now = WPT_COOKIE_REFERENCE_TIME.timestamp()
    for case in load_wpt_cookie_cases():
        example: dict[str, Any] = {"file": case.file, "line": case.line, "name": case.name,
                                   "set_cookie": [s[:120] for s in case.set_cookie], "expected": case.expected[:120]}
        try:
            jar = CookieJar()
            for line in case.set_cookie:
                jar.receive(line, _cookie_url(case.set_url), now)
            got = _cookie_string(jar, case.get_url, now, same_site=case.context == "same-site",
                                 dom=case.read_via == "document.cookie", names=case.names)
        except Exception as exc:
            tally.crash(exc, example)
            continue
        example["got"] = got[:120]
        tally.record(got == case.expected, example, case.file)
    return [tally]


# ---------------------------------------------------------------- URLs


def _address(text: str) -> tuple[bool, str]:
    from checks._url.parse import Rejection, parse

    result = parse(text)
    if isinstance(result, Rejection):
        return False, result.reason
    return True, result.href


def _location(text: str, base: str | None) -> tuple[bool, str]:
    from checks._redirects.flow import _resolve

    href, problem = _resolve(text, base)  # type: ignore[arg-type]  # WPT's null base
    return (True, href) if href is not None else (False, problem or "")


def _judge(tally: Tally, parse: Callable[[], tuple[bool, str]], expected: str | None, example: dict[str, Any],
           *, web_only: bool) -> None:
    try:
        ok, got = parse()
    except Exception as exc:
        tally.crash(exc, example)
        return
    example["got"] = got if ok else f"rejected: {got}"
    if expected is None:
        tally.record(not ok, example, "accepts what the URL Standard rejects")
        return
    if web_only and not expected.lower().startswith(("http://", "https://")):
        tally.skip()  # a Location to ftp:, data:, file: ... is refused on purpose (browsers refuse it too)
        return
    if not ok:
        tally.record(False, example, f"rejects a valid URL ({got})")
        return
    tally.record(got == expected, example, "different href")


def run_url() -> list[Tally]:
    from tests.suites.wpt_url import load_url_cases

    address = Tally("WPT urltestdata.json", "address judgement checks._url.parse.parse (no base: base-less cases)")
    location = Tally("WPT urltestdata.json",
                     "Location resolution checks._redirects.flow._resolve (the case's base; none when it has none)")
    for case in load_url_cases():
        expected = None if case.failure else case.href
        example = {"index": case.index, "input": case.input, "base": case.base, "expected": expected}
        if case.base is None:
            _judge(address, partial(_address, case.input), expected, dict(example), web_only=False)
        else:
            address.skip()
        _judge(location, partial(_location, case.input, case.base), expected, dict(example), web_only=True)
    return [address, location]


def run_idna() -> list[Tally]:
    from tests.suites.wpt_url import load_idna_cases

    address = Tally("WPT IdnaTestV2.json", "address judgement (https://{input}/x)")
    location = Tally("WPT IdnaTestV2.json", "Location resolution (https://{input}/x)")
    for case in load_idna_cases():
        if not case.input:  # WPT skips it too: an empty host cannot be written into a URL
            address.skip()
            location.skip()
            continue
        text = f"https://{case.input}/x"
        expected = None if case.output is None else f"https://{case.output}/x"
        example = {"index": case.index, "input": case.input, "expected": expected, "comment": case.comment}
        _judge(address, partial(_address, text), expected, dict(example), web_only=False)
        _judge(location, partial(_location, text, None), expected, dict(example), web_only=True)
    return [address, location]


SUITES: dict[str, Callable[[], list[Tally]]] = {
    "limbo": run_limbo, "http-state": run_http_state, "cookies": run_wpt_cookies, "url": run_url, "idna": run_idna,
}


def _show(tally: Tally, examples: int) -> None:
    s = tally.summary()
    print(f"\n== {tally.suite} -- {tally.path}")
    print(f"   cases {s['cases']}  agree {s['agree']}  disagree {s['disagree']}  crash {s['crash']}"
          f"  ({s['agreement']:.1%} agreement; {s['not_applicable']} not applicable)")
    if tally.crashes:
        print(f"   crashes: {dict(tally.crashes)}")
        for example in tally.crash_examples[:examples]:
            print(f"     ! {json.dumps(example, ensure_ascii=False)[:400]}")
    if tally.categories:
        print(f"   disagreements by kind: {dict(tally.categories.most_common(12))}")
    for example in tally.disagreements[:examples]:
        print(f"     - {json.dumps(example, ensure_ascii=False)[:400]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("suites", nargs="*", help=f"suites to run: {', '.join(SUITES)} (default: all)")
    parser.add_argument("--examples", type=int, default=5, help="disagreements shown per suite")
    parser.add_argument("--json", type=Path, help="write every figure and every disagreement here")
    args = parser.parse_args(argv)
    # limbo's negative-serial cases make cryptography warn on every load; the figures are what matter
    warnings.filterwarnings("ignore", message="Parsed a serial number which wasn't positive")
    chosen = args.suites or list(SUITES)
    unknown = [name for name in chosen if name not in SUITES]
    if unknown:
        parser.error(f"unknown suite {unknown[0]!r}; choose from {', '.join(SUITES)}")
    tallies: list[Tally] = []
    for name in chosen:
        for tally in SUITES[name]():
            tallies.append(tally)
            _show(tally, args.examples)
    if args.json:
        doc = [{**t.summary(), "disagreements": t.disagreements, "crash_examples": t.crash_examples}
               for t in tallies]
        args.json.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
