"""``Location`` headers a browser reads its own way, for the ``redirects`` check.

Each scenario is one answer Chromium treats differently from a naive client:
no or an empty ``Location`` (the 3xx page is shown), two different ones
(``ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION``), the same one twice (fine), an
invalid target (``ERR_INVALID_REDIRECT``), ``data:`` (``ERR_UNSAFE_REDIRECT``),
``javascript:`` (nothing loads), a space in the host (the browser tries the name
``app%20atera-lab.test``), a host label over 63 characters, and a value that
starts with U+00A0 or U+3000 (a relative path on the same host, not another
host). The rules are in :mod:`checks._redirects.location`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, LabRun, scenario
from diagnose.lab.scenarios._redirects_lab import lab_run, redirect_to, router, signin_page, start_servers
from diagnose.lab.servers import LabRequest, LabResponse
from diagnose.model import Status


def _answer(status: int, *locations: str) -> LabResponse:
    return LabResponse(status, [("Content-Type", "text/html"), *(("Location", v) for v in locations)],
                       b"<h1>Moved</h1>")


def _utf8(text: str) -> str:
    """``text`` as the lab server must write it to send its UTF-8 bytes (it writes Latin-1)."""
    return text.encode("utf-8").decode("latin-1")


async def _one(lab: Lab, status: int, *locations: str) -> LabRun:
    """The sign-in address answers ``status`` with these ``Location`` headers; /home is the page."""
    handler = router({SIGNIN_PATH: lambda r: _answer(status, *locations), "/home": lambda r: signin_page()})
    server, dns = await start_servers(lab, handler)
    return lab_run(lab, server, dns)


@scenario(
    "redirects-broken-location",
    "A 302 without a Location header: the browser shows the 302's own page and goes no further.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.broken_location"],
    area="redirects",
)
async def broken_location(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _one(lab, 302)


@scenario(
    "redirects-location-empty",
    "A 302 with an empty Location: Chromium shows the 302's page (Firefox goes round to the same address).",
    expect={"redirects": Status.FAIL},
    codes=["redirects.broken_location"],
    area="redirects",
)
async def location_empty(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _one(lab, 302, "")


@scenario(
    "redirects-invalid-location",
    "A 301 whose Location is not a valid address (port 99999): ERR_INVALID_REDIRECT.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.broken_location"],
    area="redirects",
)
async def invalid_location(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _one(lab, 301, f"https://app.{LAB_DOMAIN}:99999/home")


@scenario(
    "redirects-location-twice",
    "A 302 with two different Location headers: Chromium refuses it (ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION).",
    expect={"redirects": Status.FAIL},
    codes=["redirects.broken_location"],
    area="redirects",
)
async def location_twice(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _one(lab, 302, "/home", "/elsewhere")


@scenario(
    "redirects-location-repeated",
    "A 302 with the same Location header twice: browsers follow it (only different values are refused).",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def location_repeated(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _one(lab, 302, "/home", "/home")


@scenario(
    "redirects-location-data",
    "A 302 to a data: address: Chromium refuses it (ERR_UNSAFE_REDIRECT); the server is reachable all the same.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.broken_location"],
    area="redirects",
)
async def location_data(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _one(lab, 302, "data:text/html,<h1>Sign in</h1><form><input type=password></form>")


@scenario(
    "redirects-location-javascript",
    "A 302 to a javascript: address: nothing loads (the navigation is aborted).",
    expect={"redirects": Status.FAIL},
    codes=["redirects.broken_location"],
    area="redirects",
)
async def location_javascript(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _one(lab, 302, "javascript:location='/home'")


@scenario(
    "redirects-location-space-in-host",
    "A 301 to https://app atera-lab.test/…: Chromium writes the space as %20 and looks for a host no DNS has.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.impossible_host"],
    area="redirects",
)
async def location_space_in_host(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _one(lab, 301, f"https://app {LAB_DOMAIN}/users/login")


@scenario(
    "redirects-location-long-label",
    "A 302 to a host with a 70-character label: browsers try it, and no DNS can have such a name.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.impossible_host"],
    area="redirects",
)
async def location_long_label(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _one(lab, 302, f"https://{'a' * 70}.{LAB_DOMAIN}/users/login")


async def _relative(lab: Lab, prefix: str) -> LabRun:
    """A Location that starts with a non-ASCII space, then an absolute address: a relative path."""

    def anywhere(request: LabRequest) -> LabResponse:
        if request.path == SIGNIN_PATH:
            return redirect_to(_utf8(f"{prefix}https://evil-lab.test/users/login"))
        return signin_page() if request.path.startswith("/users/%") else LabResponse.html("<h1>Not found</h1>", 404)

    server, dns = await start_servers(lab, anywhere)
    return lab_run(lab, server, dns)


@scenario(
    "redirects-location-nbsp",
    "A Location that starts with U+00A0: a relative path on the same host (/users/%C2%A0https://…), not evil-lab.test.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def location_nbsp(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _relative(lab, "\u00a0")


@scenario(
    "redirects-location-ideographic-space",
    "A Location that starts with U+3000: a relative path on the same host (/users/%E3%80%80https://…).",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def location_ideographic_space(lab: Lab) -> AsyncIterator[LabRun]:
    yield await _relative(lab, "\u3000")
