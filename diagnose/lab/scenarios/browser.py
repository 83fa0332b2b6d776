"""Sites for the ``browser`` check: what a real browser piles up in its own cookie store.

The ``browser`` check reads a person's browser profile, not a server, so these
scenarios are the sites a real Chromium or Firefox visits (in the tests, in a
throw-away profile) to write its own cookie database; the check then reads that
profile (``--browser-profile``). Diagnosed on their own, they exercise the
``redirects`` check, which walks the flow once with an empty jar: every cookie is
accepted and no request of the flow carries them yet, so it passes. What goes
wrong is what the browser sends on the *next* visit, which only the ``browser``
check sees.

* ``browser-stored-cookies``: a first visit to the sign-in page (a request without
  cookies) sets 40 large cookies (about
  12 KB together: more than nginx and Apache accept in one Cookie header), one
  name on two paths (``/`` and ``/users``: both are sent to ``/users/login``),
  and a cookie that lives :data:`SHORT_MAX_AGE` seconds. Close the browser
  before it expires and the store keeps it after it has expired, until the
  browser next reads the site's cookies: an expired cookie still present. The
  server records every Cookie header it receives (size and names, never values)
  in ``observed["cookie_headers"]``: what the browser really sent on the next visit.

* ``browser-cookies-blocked``: a healthy sign-in site, and in the lab's browser home
  (``Settings.browser_home``) a Chromium profile whose ``Preferences`` block cookies
  for the site: the per-site exception Chrome's Settings > Privacy > Site settings
  writes, which tests/checks/test_browser_real.py shows real Chromium honouring
  (it withholds the site's stored cookies and refuses new ones). The ``browser``
  check reads that profile and fails: the lab's way to show (``login-doctor demo
  browser-cookies-blocked --tui``) what a browser setting that breaks sign-in looks like.

Every value carries :data:`CANARY`, so a test can assert that no report format
holds a cookie value the browser really stored.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PAGE, SIGNIN_PATH, Lab, LabRun, scenario, signin_app
from diagnose.lab.servers import Handler, LabRequest, LabResponse
from diagnose.model import Status

APP = f"app.{LAB_DOMAIN}"

CANARY = "lbdbrowsercanaryK7pQ2wX9"
"""In every cookie value the site sets; must appear in no report."""

BULK_COOKIES = 40
BULK_VALUE_BYTES = 290
"""40 cookies of ``bulkNN=`` + 290 bytes: 11,880 bytes of name=value, 12,000 bytes or so as a Cookie line."""
SHORT_MAX_AGE = 6
"""Seconds the short-lived cookie lives: long enough for a browser on a loaded machine to be shut down
before it expires (a browser deletes an expired cookie when it next reads the site's cookies)."""
SHORT_VALUE_BYTES = 30
DUPLICATE = "session_hint"
SHORT = "short_lived"
ATTRIBUTES = "Secure; SameSite=Lax"


def bulk_names() -> list[str]:
    return [f"bulk{i:02d}" for i in range(BULK_COOKIES)]


def _value(tag: str, size: int) -> str:
    filler = (CANARY + tag) * (size // (len(CANARY) + len(tag)) + 1)
    return filler[:size]


def stored_cookies_site(received: list[dict[str, Any]]) -> Handler:
    """The sign-in page of ``browser-stored-cookies``: sets every cookie when a request brings none (a
    first visit), and records each Cookie header it receives in ``received`` by size and names only."""

    def handle(request: LabRequest) -> LabResponse:
        header = request.header("cookie")
        received.append({
            "path": request.path,
            "bytes": len(header.encode()) if header is not None else 0,
            "names": [pair.split("=", 1)[0].strip() for pair in header.split(";")] if header else [],
        })
        if header is not None or request.path != SIGNIN_PATH:
            return LabResponse.html(SIGNIN_PAGE)
        cookies = [f"{name}={_value(name, BULK_VALUE_BYTES)}; Path=/; Max-Age=86400; {ATTRIBUTES}"
                   for name in bulk_names()]
        cookies += [
            f"{DUPLICATE}={_value('root', 40)}; Path=/; Max-Age=86400; {ATTRIBUTES}",
            f"{DUPLICATE}={_value('users', 40)}; Path=/users; Max-Age=86400; {ATTRIBUTES}",
            f"{SHORT}={_value('short', SHORT_VALUE_BYTES)}; Path=/; Max-Age={SHORT_MAX_AGE}; {ATTRIBUTES}",
        ]
        return LabResponse.html(SIGNIN_PAGE, headers=[("Set-Cookie", c) for c in cookies])

    return handle


@scenario(
    "browser-stored-cookies",
    "A first visit to the sign-in page sets 40 large cookies (about 12 KB), one name on two paths and a "
    "6-second cookie: the site a real browser visits to pile up cookies (the browser check reads its profile).",
    expect={"redirects": Status.PASS},
    area="browser",
    demo=False,
)
async def stored_cookies(lab: Lab) -> AsyncIterator[LabRun]:
    received: list[dict[str, Any]] = []
    server = await lab.https(stored_cookies_site(received), names=[APP])
    dns = await lab.dns({APP: ["127.0.0.1"]})
    run = lab.run(server.url(SIGNIN_PATH, host=APP), dns=dns, only=("redirects",))
    run.observed["cookie_headers"] = received
    yield run


BLOCK_COOKIES = {"profile": {"content_settings": {"exceptions": {"cookies": {
    f"[*.]{LAB_DOMAIN},*": {"last_modified": "13441087139394976", "setting": 2}}}}}}
"""A Chromium ``Preferences`` with one per-site exception: cookies blocked (setting 2) for the
vendor's domain and every name under it."""

CHROMIUM_VERSION = "156.0.8078.129"
"""What the lab's Chromium profile says wrote it (``Last Version``): the Chromium the tests run."""


def chromium_profile(home: Path, preferences: dict[str, Any]) -> Path:
    """A Chromium user-data folder under ``home`` as Chromium on Linux lays it out (``~/.config/chromium``):
    ``Local State`` naming one profile, ``Last Version``, and ``Default/Preferences``. Returns the folder."""
    user_data = home / ".config" / "chromium"
    (user_data / "Default").mkdir(parents=True, exist_ok=True)
    (user_data / "Last Version").write_text(CHROMIUM_VERSION, "utf-8")
    (user_data / "Local State").write_text(json.dumps({"profile": {
        "info_cache": {"Default": {"name": "Person 1", "active_time": 1.0}},
        "last_used": "Default", "profiles_order": ["Default"]}}), "utf-8")
    (user_data / "Default" / "Preferences").write_text(json.dumps(preferences), "utf-8")
    return user_data


@scenario(
    "browser-cookies-blocked",
    "The sign-in site is healthy, but this device's Chromium blocks cookies for it (a per-site setting): "
    "the browser cannot keep the person signed in.",
    expect={"browser": Status.FAIL},
    codes=["browser.site_cookies_blocked"],
    area="browser",
)
async def cookies_blocked(lab: Lab) -> AsyncIterator[LabRun]:
    server = await lab.https(signin_app(), names=[APP])
    dns = await lab.dns({APP: ["127.0.0.1"]})
    run = lab.run(server.url(SIGNIN_PATH, host=APP), dns=dns, only=("browser",))
    assert run.settings.browser_home is not None
    chromium_profile(run.settings.browser_home, BLOCK_COOKIES)
    yield run
