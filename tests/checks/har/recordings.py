"""Real browser recordings of lab scenarios: the recipes behind ``tests/checks/har/fixtures/*.har``.

Each :class:`Recipe` names a lab scenario, the fault it was built with, how a
real browser records it, and what ``login-doctor har`` must say about the
recording. The same recipes serve two users:

* ``tests/checks/har/test_real_recordings.py`` records them live (Chromium 156
  over the DevTools protocol with :class:`tests.browsers.har.HarRecorder`,
  Firefox ESR's own HAR export under Xvfb) and checks each report names the
  fault; the kept fixtures are checked too, without a browser;
* ``tools/record_har_fixtures.py`` writes the fixtures (and
  ``fixtures/recordings.json``, which says which browser made each and when).

Everything stays on loopback: the lab serves ``*.atera-lab.test`` on ephemeral
ports, the browsers map every name to 127.0.0.1, and the harness's guard checks
their sockets. Cookie values and tokens in these files are the lab's own
canaries, never a person's.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PAGE
from diagnose.lab.servers import LabRequest, LabResponse
from tests.browsers.chromium import Chromium, ChromiumOptions
from tests.browsers.extensions import content_blocker
from tests.browsers.firefox import Firefox, FirefoxOptions
from tests.browsers.har import HarRecorder
from tests.browsers.lab import LabScenarios
from tests.browsers.page import Page

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROFILE = FIXTURES / "atera-lab.toml"
"""The lab vendor's profile (official domain ``atera-lab.test``) to diagnose these recordings with."""
HOST = f"app.{LAB_DOMAIN}"
IDP = f"idp.{LAB_DOMAIN}"

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Expect:
    """What the report on a recording must say."""

    codes: tuple[str, ...] = ()
    """Finding codes that must be there (the fault, in the report's words)."""
    failing: tuple[str, ...] = ()
    """Checks (ids) that must fail."""
    passing: tuple[str, ...] = ()
    """Checks (ids) that must pass."""
    absent: tuple[str, ...] = ()
    """Finding codes that must not be there (what a wrong reading would say)."""
    exit_code: int | None = None


@dataclass
class Recorded:
    """One recording: the HAR document, and the canaries planted in it (the canary flow only)."""

    har: JsonObject
    canaries: dict[str, str] = field(default_factory=dict)
    browser_version: str = ""


class Session:
    """The browsers and lab a run of recipes shares: one Chromium (with the content-blocker
    extension, which acts in its default context only), a Firefox per Firefox recipe."""

    def __init__(self, lab: LabScenarios, workdir: Path, *,
                 launch_chromium: Callable[[ChromiumOptions], Chromium],
                 launch_firefox: Callable[[FirefoxOptions], Firefox]) -> None:
        self.lab = lab
        self.workdir = workdir
        self._launch_chromium = launch_chromium
        self.launch_firefox = launch_firefox
        self._chromium: Chromium | None = None

    def chromium(self) -> Chromium:
        if self._chromium is None:
            blocker = content_blocker(self.workdir / "blocker", ["captcha.js"])
            self._chromium = self._launch_chromium(ChromiumOptions(extension_dirs=(blocker,)))
        return self._chromium

    @property
    def chromium_version(self) -> str:
        return self.chromium().version


@dataclass(frozen=True)
class Recipe:
    name: str
    """The fixture's file stem: ``<browser>-<what>``."""
    browser: str
    scenario: str
    """The lab scenario (``diagnose/lab/scenarios``), or ``custom:<what>`` for a page built here."""
    fault: str
    """The fault the scenario was built with, in plain words."""
    expect: Expect
    record: Callable[[Session], Recorded] = field(repr=False)


# ----------------------------------------------------------------------------- recording helpers


def _settle(page: Page, seconds: float = 0.6) -> None:
    """Let late requests (favicon, script fetches) finish before the recording stops."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)
    page.evaluate("1")


def _chromium_scenario(name: str, *, trust: bool = True) -> Callable[[Session], Recorded]:
    def record(session: Session) -> Recorded:
        browser = session.chromium()
        with session.lab.start(name) as started:
            if trust:
                browser.trust_root(started.ca_file)
            with browser.new_context() as context:
                page = context.new_page()
                with HarRecorder(page, creator_version=_webkit(browser)) as recorder:
                    page.navigate(started.url)
                    _settle(page)
                har = recorder.har()
        return Recorded(har, browser_version=browser.version)

    return record


def _webkit(browser: Chromium) -> str:
    """``creator.version`` as DevTools writes it: the AppleWebKit version of the user agent."""
    agent = str(browser.cdp.send("Browser.getVersion").get("userAgent", ""))
    _, _, rest = agent.partition("AppleWebKit/")
    return rest.split(" ", 1)[0] or "537.36"


def _blocked_script(session: Session) -> Recorded:
    page_html = SIGNIN_PAGE.replace(
        "</body>", '<script src="/captcha.js"></script><script src="/app.js"></script></body>')

    def app(request: LabRequest) -> LabResponse:
        if request.path.endswith(".js"):
            return LabResponse(200, [("Content-Type", "text/javascript")], b"window.loaded = true;")
        return LabResponse.html(page_html)

    browser = session.chromium()
    with session.lab.lab() as lab:
        server = session.lab.run(lab.https(app))
        browser.trust_root(lab.ca_file)
        page = browser.default_context().new_page()  # the extension acts in the default context only
        try:
            with HarRecorder(page, creator_version=_webkit(browser)) as recorder:
                page.navigate(server.url("/users/login", host=HOST))
                _settle(page)
            har = recorder.har()
        finally:
            page.close()
    return Recorded(har, browser_version=browser.version)


def _mixed_content(session: Session) -> Recorded:
    def scripts(request: LabRequest) -> LabResponse:
        return LabResponse(200, [("Content-Type", "text/javascript")], b"window.widget = true;")

    browser = session.chromium()
    with session.lab.lab() as lab:
        plain = session.lab.run(lab.http(scripts))
        widget = plain.url("/widget.js", host=HOST)
        page_html = SIGNIN_PAGE.replace("</body>", f'<script src="{widget}"></script></body>')
        server = session.lab.run(lab.https(lambda request: LabResponse.html(page_html)))
        browser.trust_root(lab.ca_file)
        with browser.new_context() as context:
            page = context.new_page()
            with HarRecorder(page, creator_version=_webkit(browser)) as recorder:
                page.navigate(server.url("/users/login", host=HOST))
                _settle(page)
            har = recorder.har()
    return Recorded(har, browser_version=browser.version)


def _firefox_scenario(name: str) -> Callable[[Session], Recorded]:
    def record(session: Session) -> Recorded:
        har_dir = session.workdir / f"firefox-har-{name}"
        with session.lab.start(name) as started:
            firefox = session.launch_firefox(FirefoxOptions(trusted_roots=(started.ca_file,), har_dir=har_dir))
            try:
                firefox.navigate(started.url)
                har = _wait_for_export(har_dir)
            finally:
                firefox.quit()
            firefox.assert_loopback_only()
        return Recorded(har, browser_version=str(har["log"].get("browser", {}).get("version", "")))

    return record


def _wait_for_export(har_dir: Path, timeout: float = 20.0) -> JsonObject:
    """Firefox writes its HAR ``pageLoadedTimeout`` after the page's last request: wait for a
    complete file that stops changing."""
    deadline = time.monotonic() + timeout
    last: tuple[Path, int] | None = None
    while time.monotonic() < deadline:
        found = sorted(har_dir.glob("*.har"), key=lambda p: p.stat().st_mtime)
        if found:
            current = (found[-1], found[-1].stat().st_size)
            if current == last:
                try:
                    return dict(json.loads(current[0].read_text("utf-8")))
                except ValueError:
                    pass
            last = current
        time.sleep(0.5)
    raise AssertionError(f"Firefox wrote no complete HAR into {har_dir} within {timeout:.0f} s")


# ----------------------------------------------------------------------------- the canary flow


def canary(tag: str) -> str:
    return f"{tag}{secrets.token_hex(10)}"


def _b64url(data: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(claim: str) -> str:
    """A JWT-shaped token (the signature is a canary too; nothing verifies it)."""
    header = _b64url({"alg": "HS256", "typ": "JWT"})
    return f"{header}.{_b64url({'sub': claim, 'email': claim + '@x.test'})}.{canary('sig')}"


def _saml_request(value: str) -> str:
    """A SAMLRequest as the redirect binding carries it: deflated, base64, URL-encoded."""
    xml = f'<samlp:AuthnRequest ID="{value}" Version="2.0"/>'.encode()
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(raw.compress(xml) + raw.flush()).decode()


def canary_values() -> dict[str, str]:
    """Distinct canaries for every place a HAR holds a secret (issue 16, item 3)."""
    c = {name: canary(name[:5]) for name in (
        "idp_cookie", "app_cookie", "remember_cookie", "state", "nonce", "relay", "csrf_hidden", "username", "password",
        "remember_field", "saml_id", "saml_response", "code", "code_verifier", "client_secret", "refresh_form",
        "basic_pw", "access_json", "refresh_json", "bearer_opaque", "meta_csrf", "api_key", "access_query",
        "proxy_pw")}
    c["id_token"] = jwt(canary("idtok"))
    c["bearer_jwt"] = jwt(canary("bjwt"))
    c["id_token_json"] = jwt(canary("idjson"))
    return c


class CanaryFlow:
    """A sign-in through a SAML identity provider and an OAuth/OIDC code flow, with a canary in
    every place a person's HAR would hold a secret. The browser walks it: a redirect carrying
    SAMLRequest, state and nonce; the IdP's form with a hidden CSRF token; the test types a
    username and password and submits (the test's browser, not login-doctor); the IdP's
    auto-posting form with SAMLResponse; the callback with code and id_token; the app's
    script exchanges the code (code_verifier, client_secret, HTTP Basic) and calls an API
    with a bearer JWT and an access_token in the URL; the answers carry tokens in JSON."""

    def __init__(self, values: Mapping[str, str], port_of: Callable[[], int]) -> None:
        self.c = dict(values)
        self.port_of = port_of

    def origin(self, host: str = HOST) -> str:
        return f"https://{host}:{self.port_of()}"

    def __call__(self, request: LabRequest) -> LabResponse:  # one branch per step of the flow
        c = self.c
        path = urlsplit(request.target).path
        if path == "/":
            saml = quote(_saml_request(c["saml_id"]), safe="")
            return LabResponse.redirect(
                f"{self.origin(IDP)}/sso?SAMLRequest={saml}&RelayState={c['relay']}&state={c['state']}&nonce={c['nonce']}",
                headers=[("Set-Cookie", f"pre={c['app_cookie']}; Path=/; Secure; HttpOnly; SameSite=Lax")])
        if path == "/sso":
            return LabResponse.html(
                f'<!doctype html><html><head><meta name="csrf-token" content="{c["meta_csrf"]}"><title>IdP</title></head>'
                f'<body><form id="f" method="post" action="/login">'
                f'<input type="hidden" name="csrf" value="{c["csrf_hidden"]}">'
                '<input name="username"><input name="password" type="password">'
                '<input name="remember" type="checkbox" value="">'
                "<button>Sign in</button></form></body></html>",
                headers=[("Set-Cookie", f"idp_session={c['idp_cookie']}; Path=/; Secure; HttpOnly; SameSite=None")])
        if path == "/login":  # the IdP's auto-posting form (the test submits it once the body is recorded)
            return LabResponse.html(
                f'<!doctype html><html><head><title>posting</title></head><body>'
                f'<form method="post" action="{self.origin()}/acs">'
                f'<input type="hidden" name="SAMLResponse" value="{c["saml_response"]}">'
                f'<input type="hidden" name="RelayState" value="{c["relay"]}"></form></body></html>',
                headers=[("Set-Cookie", f"idp_remember={c['remember_cookie']}; Path=/; Secure; HttpOnly; SameSite=None; "
                                        "Max-Age=3600")])
        if path == "/acs":
            return LabResponse.redirect(
                f"/callback?code={c['code']}&state={c['state']}&id_token={c['id_token']}", status=303)
        if path == "/callback":
            basic = base64.b64encode(f"client:{c['basic_pw']}".encode()).decode()
            script = (
                "fetch('/token', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded', "
                f"'Authorization': 'Basic {basic}'}}, body: 'grant_type=authorization_code&code={c['code']}"
                f"&code_verifier={c['code_verifier']}&client_secret={c['client_secret']}&refresh_token={c['refresh_form']}'}})"
                ".then(r => r.json()).then(() => fetch('/api/me?access_token="
                f"{c['access_query']}', {{headers: {{'Authorization': 'Bearer {c['bearer_jwt']}', "
                f"'X-Api-Key': '{c['api_key']}'}}}}))"
                ".then(r => r.json()).then(() => fetch('/api/ping', {headers: {'Authorization': "
                f"'Bearer {c['bearer_opaque']}'}}}})).then(() => {{ document.title = 'done'; }});"
            )
            return LabResponse.html(
                f"<!doctype html><html><head><title>App</title></head><body><h1>Welcome</h1>"
                f"<script>{script}</script></body></html>",
                headers=[("Set-Cookie", f"session={c['app_cookie']}; Path=/; Secure; HttpOnly; SameSite=Lax")])
        if path == "/token":
            return _json({"access_token": c["access_json"], "refresh_token": c["refresh_json"],
                          "id_token": c["id_token_json"], "token_type": "Bearer", "expires_in": 3600})
        if path.startswith("/api/"):
            return _json({"user": "lab", "ok": True})
        return LabResponse(404, [("Content-Type", "text/plain")], b"not found")


def _json(data: Mapping[str, Any]) -> LabResponse:
    return LabResponse(200, [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                       json.dumps(data).encode())


def _canary_flow(session: Session) -> Recorded:
    values = canary_values()
    browser = session.chromium()
    with session.lab.lab() as lab:
        ports: list[int] = []
        flow = CanaryFlow(values, lambda: ports[0])
        server = session.lab.run(lab.https(flow, (HOST, IDP)))
        ports.append(server.port)
        browser.trust_root(lab.ca_file)
        with browser.new_context() as context:
            page = context.new_page()
            with HarRecorder(page, creator_version=_webkit(browser)) as recorder:
                page.navigate(server.url("/", host=HOST))
                recorder.collect()  # the IdP's page, with its hidden and meta CSRF tokens
                page.evaluate(
                    f"document.querySelector('[name=username]').value = {json.dumps(values['username'])};"
                    f"document.querySelector('[name=password]').value = {json.dumps(values['password'])};"
                    f"document.querySelector('[name=remember]').value = {json.dumps(values['remember_field'])};"
                    "document.querySelector('[name=remember]').checked = true; document.forms[0].submit(); 1")
                _wait_title(page, "posting")
                recorder.collect()  # the auto-posting form, with SAMLResponse in a hidden input
                page.evaluate("document.forms[0].submit(); 1")
                _wait_title(page, "done")
                _settle(page, 0.3)
            har = recorder.har()
    add_proxy_credentials(har, values["proxy_pw"])
    return Recorded(har, canaries=values, browser_version=browser.version)


def _wait_title(page: Page, title: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate("document.title") == title:
                return
        except Exception:  # the page is between documents
            pass
        time.sleep(0.1)
    raise AssertionError(f"the canary flow did not finish (title {title!r} not reached in {timeout:.0f} s)")


def add_proxy_credentials(har: JsonObject, password: str) -> None:
    """Add a ``Proxy-Authorization`` header to the first entry, as a HAR made behind an
    authenticating proxy holds it. Built in because a page cannot set that header and the lab
    has no authenticating proxy for the browser; everything else in the canary HAR is Chromium's."""
    entry = har["log"]["entries"][0]
    token = base64.b64encode(f"alice:{password}".encode()).decode()
    entry["request"]["headers"].append({"name": "Proxy-Authorization", "value": f"Basic {token}"})
    entry["comment"] = "Proxy-Authorization added by tests/checks/har/recordings.py (see add_proxy_credentials)"


# ----------------------------------------------------------------------------- the recipes


RECIPES: tuple[Recipe, ...] = (
    Recipe("chromium-healthy", "chromium", "redirects-healthy",
           "none: one redirect to the sign-in page, well-formed Secure session cookies",
           Expect(passing=("redirects", "har_tls", "har_network", "har_blocked"), exit_code=0),
           _chromium_scenario("redirects-healthy")),
    Recipe("chromium-loop", "chromium", "redirects-loop",
           "/users/login redirects to /sso, which redirects back, with the same cookies, forever",
           Expect(codes=("redirects.loop",), failing=("redirects",)),
           _chromium_scenario("redirects-loop")),
    Recipe("chromium-too-many", "chromium", "redirects-too-many",
           "/r/n redirects to /r/n+1 without end: no URL repeats, yet the browser gives up",
           Expect(codes=("redirects.too_many",), failing=("redirects",), absent=("redirects.loop",)),
           _chromium_scenario("redirects-too-many")),
    Recipe("chromium-rejected-cookie", "chromium", "redirects-cookie-secure-over-http",
           "an http sign-in sets its session cookie Secure: the browser drops it and the sign-in loops",
           Expect(codes=("redirects.cookie_secure_over_http",), failing=("redirects",)),
           _chromium_scenario("redirects-cookie-secure-over-http")),
    Recipe("chromium-blocked-script", "chromium", "custom:blocked-script",
           "a content-blocker extension blocks the sign-in page's captcha.js (net::ERR_BLOCKED_BY_CLIENT)",
           Expect(codes=("har.blocked_by_client",), failing=("har_blocked",), passing=("har_tls", "har_network")),
           _blocked_script),
    Recipe("chromium-certificate-error", "chromium", "certificate-expired",
           "the site's certificate expired yesterday (net::ERR_CERT_DATE_INVALID)",
           Expect(codes=("har.certificate_error",), failing=("har_tls",)),
           _chromium_scenario("certificate-expired")),
    Recipe("chromium-431", "chromium", "redirects-header-too-large-431",
           "cookies grow past 16 KiB and the server answers 431 with an empty body",
           Expect(codes=("redirects.header_too_large",), failing=("redirects",)),
           _chromium_scenario("redirects-header-too-large-431")),
    Recipe("chromium-mixed-content", "chromium", "custom:mixed-content",
           "the https sign-in page loads a script over http: the browser blocks it as mixed content",
           Expect(codes=("har.mixed_content",), failing=("har_blocked",)),
           _mixed_content),
    Recipe("firefox-loop", "firefox", "redirects-loop",
           "/users/login redirects to /sso, which redirects back, with the same cookies, forever",
           Expect(codes=("redirects.loop",), failing=("redirects",)),
           _firefox_scenario("redirects-loop")),
    Recipe("chromium-canary", "chromium", "custom:canary-flow",
           "none: a SAML + OIDC sign-in with a canary secret in every place a HAR holds one",
           Expect(),
           _canary_flow),
)


def recipe(name: str) -> Recipe:
    return next(r for r in RECIPES if r.name == name)


def fixture_path(name: str) -> Path:
    return FIXTURES / f"{name}.har"


def manifest() -> dict[str, Any]:
    path = FIXTURES / "recordings.json"
    return dict(json.loads(path.read_text("utf-8"))) if path.exists() else {}


def iter_fixtures() -> Iterator[tuple[Recipe, Path]]:
    for r in RECIPES:
        path = fixture_path(r.name)
        if path.exists():
            yield r, path
