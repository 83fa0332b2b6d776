"""Run the vendored suites' cases through the product's own code paths, and read the deviation lists.

One place for what the suite tests (tests/suites/test_*.py) and the baseline tool
(tools/suite_baseline.py) share:

* cookies: the redirects check's :class:`~checks._redirects.cookies.CookieJar` receives each
  ``Set-Cookie`` on the suite's request URL, then builds the cookie string for the URL the suite
  reads them from; a header cannot carry CR or LF, so what follows one in a suite's header value is
  a new (malformed) header line, as in any HTTP parser (WPT ``value.html`` "ignore value after LF");
* URLs, both parsing paths of the product, each with the suite's base:
  the address judgement (:func:`checks._url.parse.parse` without a base,
  :func:`checks._url.parse.resolve` with one: how the judge resolves a redirect parameter
  against the page) and the ``Location`` resolution of the redirects check
  (:func:`checks._redirects.location.resolve`, Chromium's reading);
* deviations: ``tests/suites/deviations/<suite>.toml``, one file per suite, each entry a case id
  and the reason it is decided differently on purpose.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEVIATIONS = Path(__file__).resolve().parent / "deviations"


# ----------------------------------------------------------------------------- cookies


def cookie_url(url: str) -> Any:
    from checks._redirects.rules import CookieUrl

    parts = urlsplit(url)
    return CookieUrl(scheme=parts.scheme, host=parts.hostname or "", path=parts.path or "/")


def header_value(line: str) -> str:
    """What reaches the jar of a ``Set-Cookie`` header written as ``line``: an HTTP header ends at
    the first CR or LF (the rest is a separate, malformed header line)."""
    for end in ("\r", "\n"):
        line = line.split(end, 1)[0]
    return line


def cookie_string(set_cookie: Iterable[str], set_url: str, get_url: str, now: float, *,
                  same_site: bool = True, dom: bool = False, names: Iterable[str] = (), http: bool = True) -> str:
    """The cookies for ``get_url`` after receiving ``set_cookie`` on ``set_url``, serialised as
    the suites compare them (``dom``: as ``document.cookie`` shows them, HttpOnly left out)."""
    from checks._redirects.cookies import CookieJar

    jar = CookieJar()
    for line in set_cookie:
        jar.receive(header_value(line) if http else line, cookie_url(set_url), now)
    wanted = set(names)
    sent = jar.retrieve(cookie_url(get_url), now, same_site=same_site).sent
    return "; ".join(c.pair for c in sent if not (dom and c.http_only) and (not wanted or c.name in wanted))


# ----------------------------------------------------------------------------- URLs


def address(text: str, base: str | None) -> str | None:
    """The address judgement's href for ``text`` (None: not an address it would open)."""
    from checks._url.parse import Rejection, parse, resolve

    if base is not None:
        return resolve(text, base)
    result = parse(text)
    return None if isinstance(result, Rejection) else result.href


def location(text: str, base: str | None) -> tuple[str | None, str | None]:
    """The redirects check's reading of ``text`` as a ``Location``: (href, problem)."""
    from checks._redirects.location import resolve

    href, problem = resolve(text, base)
    return href, (problem.value if problem is not None else None)


def location_agrees(expected: str | None, href: str | None, problem: str | None) -> bool:
    """A ``Location`` agrees with the URL Standard when it leads to the same http(s) address,
    is refused when the standard fails, and is refused as "not a web page" when the standard
    gives another scheme (browsers do not follow a redirect to ``ftp:``, ``data:``, ...)."""
    if expected is None:
        return href is None and problem == "invalid"
    if expected.lower().startswith(("http:", "https:")):
        return href == expected
    return href is None and problem in ("unsafe_scheme", "unknown_scheme", "not_web")


# ----------------------------------------------------------------------------- deviations


@dataclass(frozen=True)
class Deviation:
    case: str
    reason: str
    path: str = ""


def load_deviations(suite: str) -> dict[tuple[str, str], Deviation]:
    """``tests/suites/deviations/<suite>.toml``: (path, case) → the listed deviation."""
    data = tomllib.loads((DEVIATIONS / f"{suite}.toml").read_text("utf-8"))
    out: dict[tuple[str, str], Deviation] = {}
    for raw in data.get("deviation", []):
        deviation = Deviation(case=str(raw["case"]), reason=str(raw["reason"]), path=str(raw.get("path", "")))
        assert deviation.reason.strip(), f"{suite}: {deviation.case} has no reason"
        key = (deviation.path, deviation.case)
        assert key not in out, f"{suite}: {key} listed twice"
        out[key] = deviation
    return out


def compare(suite: str, failures: dict[tuple[str, str], str]) -> list[str]:
    """Problems with the suite's result against its deviation list: an unlisted failure, or a
    listed case that now passes (the list must be kept true). Empty when all is in order."""
    listed = load_deviations(suite)
    problems = [f"unlisted failure {key}: {detail}" for key, detail in sorted(failures.items()) if key not in listed]
    problems += [f"listed as a deviation but passes {key}: remove it from deviations/{suite}.toml"
                 for key in sorted(listed) if key not in failures]
    return problems
