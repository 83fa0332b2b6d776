"""The canary test (issue 7, "What must hold"): secrets a run saw never reach a report, in any format.

Lab runs through the real CLI see canary secrets in every place of issue 7
item 3:

* the target URL: user info with a password, ``?code=…&state=…`` and a
  ``#access_token=…`` fragment;
* the sign-in page's ``Location`` redirect: ``SAMLResponse``, ``RelayState``
  and a JWT (``id_token_hint``), as the connectivity check records it;
* a JWT in a response header (``Server``, which connectivity records raw and
  the session's safety net redacts);
* ``Set-Cookie`` values, a ``WWW-Authenticate`` challenge, echoed
  ``Authorization``/``Proxy-Authorization`` headers and a JSON body with
  tokens and a JWT, captured by a HAR-like plugin check (no built-in check of
  this branch records cookies; the redirects check will);
* the ``--note`` text;
* an exception message and trace (a crashing plugin);
* proxy settings with credentials (``Net(proxy_env=…)``), in a second run.

Every output is then searched for every canary: the ``-o`` files in all five
formats, stdout, stderr, ``login-doctor render`` of the JSON into every
format, and ``login-doctor summarize`` in every format.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from diagnose.cli import run
from diagnose.environment import Environment
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PAGE, Lab
from diagnose.lab.servers import LabRequest, LabResponse, LabServer, LabThread
from diagnose.net import DnsServerResolver, Net
from diagnose.registry import GROUP
from diagnose.settings import Settings
from reports.render import FORMATS
from reports.schema import validation_errors
from tests.reports.canary_plugins import CAPTURE_PATH, CrashCheck

HOST = f"app.{LAB_DOMAIN}"
IDP = f"idp.{LAB_DOMAIN}"


def _jwt(signature: str) -> str:
    return f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsYWItdXNlciJ9.{signature}"


CANARY = {
    "userinfo_password": "CanaryUserinfoPw7q",
    "query_code": "CanaryQueryCode8w",
    "query_state": "CanaryQueryState9e",
    "fragment_access_token": "CanaryFragmentToken1r",
    "location_saml": "CanarySamlResponse2t",
    "location_relay": "CanaryRelayState3y",
    "location_jwt_sig": "CanaryLocationJwtSignature4u",
    "header_jwt_sig": "CanaryServerHeaderJwtSig5i",
    "cookie_session": "CanaryCookieSession6o",
    "cookie_csrf": "CanaryCookieCsrf7p",
    "www_authenticate": "CanaryChallengeNonce8a",
    "echo_authorization": "CanaryEchoAuthorization8b",
    "echo_proxy_authorization": "CanaryEchoProxyAuthorization8c",
    "body_access_token": "CanaryBodyAccessToken9s",
    "body_jwt_sig": "CanaryBodyJwtSignature0d",
    "note_password": "CanaryNotePassword1f",
    "note_bearer": "CanaryNoteBearer2g",
    "exception_token": "CanaryExceptionToken3h",
    "exception_bearer": "CanaryExceptionBearer4j",
    "exception_userinfo": "CanaryExceptionUserinfo5k",
    "exception_cookie": "CanaryExceptionCookie6l",
    "proxy_password": "CanaryProxyPassword7z",
}


def app(request: LabRequest) -> LabResponse:
    """The lab sign-in app: the sign-in page redirects to the IdP with SAML secrets and sets cookies."""
    cookies = [
        ("Set-Cookie", f"session={CANARY['cookie_session']}; Path=/; Secure; HttpOnly; SameSite=Lax"),
        ("Set-Cookie", f"__Host-csrf={CANARY['cookie_csrf']}; Path=/; Secure"),
    ]
    if request.path == "/users/login":
        location = (f"https://{IDP}/saml/sso?SAMLResponse={CANARY['location_saml']}"
                    f"&RelayState={CANARY['location_relay']}&id_token_hint={_jwt(CANARY['location_jwt_sig'])}")
        return LabResponse.redirect(location, headers=[*cookies, ("Server", f"gw/1.0 {_jwt(CANARY['header_jwt_sig'])}")])
    if request.path == CAPTURE_PATH:
        body = json.dumps({"access_token": CANARY["body_access_token"], "id_token": _jwt(CANARY["body_jwt_sig"]),
                           "token_type": "Bearer"})
        return LabResponse(200, [*cookies, ("Content-Type", "application/json"),
                                 ("WWW-Authenticate", f'Bearer realm="lab", nonce="{CANARY["www_authenticate"]}"'),
                                 # A debugging gateway echoing the request's credentials back.
                                 ("Authorization", f"Bearer {CANARY['echo_authorization']}"),
                                 ("Proxy-Authorization", f"Basic {CANARY['echo_proxy_authorization']}")],
                           body.encode())
    return LabResponse.html(SIGNIN_PAGE)


def proxy(request: LabRequest) -> LabResponse:
    """A corporate proxy that wants credentials (407)."""
    return LabResponse(407, [("Proxy-Authenticate", 'Basic realm="corp"')])


PROFILE = f"""
name = "lab-canary"
vendor = "Lab"
default_url = "https://{HOST}/users/login"
official_domains = ["{LAB_DOMAIN}"]
"""


class LabSite:
    def __init__(self, thread: LabThread) -> None:
        self.thread = thread
        self.lab = Lab()
        thread.run(self.lab.__aenter__())
        self.site: LabServer = thread.run(self.lab.https(app, names=[HOST, IDP]))
        self.proxy: LabServer = thread.run(self.lab.http(proxy))
        self.dns = thread.run(self.lab.dns({HOST: ["127.0.0.1"], IDP: ["127.0.0.1"], LAB_DOMAIN: ["127.0.0.1"]}))

    def close(self) -> None:
        self.thread.run(self.lab.__aexit__(None, None, None))


@pytest.fixture(scope="module")
def lab_site() -> Iterator[LabSite]:
    with LabThread() as thread:
        site = LabSite(thread)
        try:
            yield site
        finally:
            site.close()


def _environment(site: LabSite, proxy_env: dict[str, str]) -> Environment:
    def net_factory(settings: Settings) -> Net:
        resolver = DnsServerResolver(site.dns.host, site.dns.port, label="system (lab dns)", timeout=2.0)
        return Net(settings, system_resolver=resolver, proxy_env=proxy_env)

    return Environment(
        stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), stdin_isatty=False, stdout_isatty=False,
        net_factory=net_factory, environ={},
        extra_checks=(EntryPoint("capture", "tests.reports.canary_plugins:CaptureCheck", GROUP),
                      EntryPoint("crash", "tests.reports.canary_plugins:CrashCheck", GROUP)),
    )


def _diagnose(site: LabSite, tmp: Path, url: str, proxy_env: dict[str, str]) -> dict[str, str]:
    """Run the CLI once; return every output it produced, by name."""
    profile = tmp / "profile.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    files = {fmt: tmp / f"report.{ext}" for fmt, ext in
             (("json", "json"), ("markdown", "md"), ("html", "html"), ("text", "txt"), ("junit", "xml"))}
    env = _environment(site, proxy_env)
    note = f"It fails since Monday; password={CANARY['note_password']} Authorization: Bearer {CANARY['note_bearer']}"
    argv = [url, "--headless", "--profile", str(profile), "--ca-file", str(site.lab.ca_file), "--no-plugins",
            "--note", note, "--format", "json", "--timeout", "30"]
    for path in files.values():
        argv += ["-o", str(path)]
    code = run(argv, env)
    assert code in (0, 1, 3), env.stderr.getvalue()  # type: ignore[attr-defined]
    outputs = {f"-o {path.name}": path.read_text("utf-8") for path in files.values()}
    outputs["stdout"] = env.stdout.getvalue()  # type: ignore[attr-defined]
    outputs["stderr"] = env.stderr.getvalue()  # type: ignore[attr-defined]
    for fmt in FORMATS:
        out_env = Environment(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=False, environ={})
        assert run(["render", str(files["json"]), "--format", fmt], out_env) == 0
        outputs[f"render {fmt}"] = out_env.stdout.getvalue()  # type: ignore[attr-defined]
    for fmt in ("markdown", "csv", "json"):
        out_env = Environment(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=False, environ={})
        assert run(["summarize", str(files["json"]), "--format", fmt], out_env) == 0
        outputs[f"summarize {fmt}"] = out_env.stdout.getvalue()  # type: ignore[attr-defined]
    return outputs


ENCODED = {
    # User info travels as Basic credentials: base64("user:password").
    "userinfo_password (base64)": base64.b64encode(f"alice:{CANARY['userinfo_password']}".encode()).decode(),
    "proxy_password (base64)": base64.b64encode(f"bob:{CANARY['proxy_password']}".encode()).decode(),
}


def _assert_no_canary(outputs: dict[str, str]) -> None:
    needles = {**CANARY, **ENCODED}
    leaks = [(where, name) for where, text in outputs.items() for name, value in needles.items() if value in text]
    assert not leaks, f"secrets reached the report: {leaks}"


@pytest.fixture(scope="module")
def direct_run(lab_site: LabSite, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, Any]]:
    CrashCheck.secret_message = (
        f"upstream said token={CANARY['exception_token']} with Authorization: Bearer {CANARY['exception_bearer']} "
        f"via https://svc:{CANARY['exception_userinfo']}@{HOST}/ and Cookie: sid={CANARY['exception_cookie']}"
    )
    url = (f"https://alice:{CANARY['userinfo_password']}@{HOST}:{lab_site.site.port}/users/login"
           f"?code={CANARY['query_code']}&state={CANARY['query_state']}#access_token={CANARY['fragment_access_token']}")
    outputs = _diagnose(lab_site, tmp_path_factory.mktemp("direct"), url, proxy_env={})
    return outputs, json.loads(outputs["stdout"])


def test_direct_run_saw_the_canaries(direct_run: tuple[dict[str, str], dict[str, Any]], lab_site: LabSite) -> None:
    # The test is only meaningful if the run really met every secret.
    _outputs, report = direct_run
    assert validation_errors(report) == []
    checks = {c["id"]: c for c in report["checks"]}
    http = checks["connectivity"]["details"]["http"]
    assert http["status_code"] == 302
    assert "SAMLResponse=[redacted]&RelayState=[redacted]&id_token_hint=[redacted]" in http["location"]
    assert http["server"].startswith("gw/1.0 eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsYWItdXNlciJ9.")
    assert "[signature redacted]" in http["server"]
    capture = checks["capture"]
    assert capture["status"] == "warn"
    assert capture["findings"][0]["evidence"]["set_cookie"] == [
        "session=[redacted]; Path=/; Secure; HttpOnly; SameSite=Lax", "__Host-csrf=[redacted]; Path=/; Secure"]
    assert '"access_token": "[redacted]"' in capture["details"]["body"]
    # A crashed check's report names the exception's type only (its message and trace only with --debug).
    assert checks["crash"]["status"] == "error" and checks["crash"]["details"]["exception"]
    assert "message" not in checks["crash"]["details"] and "trace" not in checks["crash"]["details"]
    assert report["note"].startswith("It fails since Monday; password=[redacted]")
    assert report["target"]["input"].startswith(f"https://[redacted]@{HOST}:")
    # The lab app received the tokens in the query (the run visited the URL as given) …
    visits = [r for r in lab_site.site.requests if r.path == "/users/login"]
    assert visits and visits[-1].query["code"] == CANARY["query_code"]
    # … but never credentials: login-doctor does not send the user info as Basic auth.
    assert all(r.header("authorization") is None for r in lab_site.site.requests)


def test_direct_run_says_what_was_redacted_by_name(direct_run: tuple[dict[str, str], dict[str, Any]]) -> None:
    _outputs, report = direct_run
    expected = {
        "url:userinfo:password", "query:code", "query:state", "fragment:access_token", "query:SAMLResponse",
        "query:RelayState", "query:id_token_hint", "jwt:signature", "cookie:session", "cookie:__Host-csrf",
        "header:WWW-Authenticate", "header:Authorization", "header:Proxy-Authorization", "param:password",
        "param:access_token",
    }
    # (The crashed check's message, with its token=…, is not in the report at all without --debug.)
    assert expected <= set(report["redactions"]), expected - set(report["redactions"])


def test_direct_run_outputs_hold_no_canary(direct_run: tuple[dict[str, str], dict[str, Any]]) -> None:
    outputs, _report = direct_run
    assert len(outputs) == 5 + 2 + len(FORMATS) + 3
    _assert_no_canary(outputs)


def test_proxy_credentials_never_reach_the_report(lab_site: LabSite, tmp_path: Path) -> None:
    proxy_url = f"http://bob:{CANARY['proxy_password']}@127.0.0.1:{lab_site.proxy.port}"
    CrashCheck.secret_message = f"proxy {proxy_url} refused"
    outputs = _diagnose(lab_site, tmp_path, f"https://{HOST}:{lab_site.site.port}/users/login",
                        proxy_env={"https": proxy_url, "http": proxy_url})
    report = json.loads(outputs["stdout"])
    # The run did go through the proxy and was refused (407) …
    codes = [f["code"] for c in report["checks"] for f in c["findings"]]
    assert "connectivity.http_proxy_auth_required" in codes
    assert report["environment"]["proxy_in_use"] == f"http://[redacted]@127.0.0.1:{lab_site.proxy.port}"
    assert "url:userinfo:password" in report["redactions"]
    # … and its password appears nowhere.
    _assert_no_canary(outputs)
