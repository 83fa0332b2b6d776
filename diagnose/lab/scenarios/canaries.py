"""Servers that plant a secret in every field they control (issue 20, issue 15 item 5).

The sign-in service answers each request of its flow with canaries: distinct
made-up secrets, each in one server-controlled field and in the shape a
secret takes there. The canary test (``tests/reports/test_canary_servers.py``)
runs the whole program against it and searches every output for them, whole
and in 12-character pieces. A second server is a proxy that wants credentials
(the proxy's URL in the environment carries a user name and password).

The flow: ``/users/login`` (302, a reason phrase of its own, every header
planted, cookies) → an absolute ``Location`` with user info, a path
parameter, a query and a fragment → ``/step2`` (302) → a scheme-relative
``Location`` with user info and SAML parameters → ``/step3`` (302) → a
relative ``Location`` with a JWT in the path, a JWT in the query and a token in
a single-page-app fragment → ``/final`` (500, ``access_token=…`` as its reason
phrase, a body full of canaries).

Some of what a server sends is *shown*, on purpose, because it is the
diagnosis and not a secret: cookie names, host names (certificate SAN
entries), the ``Server`` product and a certificate's organisation. The
scenario plants :data:`SHOWN` markers there; the test checks that they do
appear, which proves the run met those fields (docs/redaction.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, LabRun, scenario
from diagnose.lab.servers import LabRequest, LabResponse
from diagnose.model import Status

APP = f"app.{LAB_DOMAIN}"

CANARIES: dict[str, str] = {
    "reason_phrase": "zqRsnPhrsVx83Kw",
    "reason_phrase_token": "zqRsnTknMw27Pd",
    "server_token": "zqSrvTknHr46Lb",
    "www_authenticate": "zqWwwAuthNb59Tc",
    "x_debug_header": "zqXDbgHdrKs72Fv",
    "date_header": "zqDtHdrRw38Gm",
    "age_header": "zqAgeHdrPn64Jx",
    "body": "zqBdyTxtWv91Hs",
    "body_token": "zqBdyTknLm25Rq",
    "location_user": "zqLocUsrNm48Vt",
    "location_password": "zqLocPwdKq37Wz",
    "location_path_param": "zqLocJsidTp62Xs",
    "location_code": "zqLocCdeRb83Mn",
    "location_state": "zqLocSttGv29Hk",
    "location_fragment": "zqLocFrgDw56Ps",
    "scheme_relative_password": "zqSrlPwdMz47Bn",
    "scheme_relative_saml": "zqSrlSmlTk38Wr",
    "scheme_relative_relay": "zqSrlRlyHp92Ds",
    "relative_path_jwt": "zqRelJwtPthVs64Kn",
    "relative_query_jwt": "zqRelJwtQryWm27Tb",
    "relative_spa_fragment": "zqRelSpaFrgNx83Hv",
    "cookie_value": "zqCkiValBr59Mw",
    "cookie_other_value": "zqCkiOthKt46Dp",
    "cookie_unknown_attribute": "zqCkiAttrXv72Rn",
    "cookie_expires": "zqCkiExpKw38Tn",
    "cookie_max_age": "zqCkiMaxVn64Rb",
    "certificate_subject": "zqCrtSbjPm38Gw",
    "proxy_user": "zqPrxUsrHt53Vn",
    "proxy_password": "zqPrxPwdWb94Ks",
    "proxy_reason_phrase": "zqPrxRsnMv26Tz",
    "proxy_authenticate": "zqPrxAthKn71Bp",
}
"""Secrets, by the field that carries them: none may appear in any output, nor any 12-character piece."""

SHOWN: dict[str, str] = {
    "cookie_name": "zqCookieNameMarker",
    "server_product": "zqServerProductMarker",
    "certificate_san": "zqsanhostmarker",
    "certificate_organization": "zqOrgNameMarker",
}
"""Markers in fields that are shown on purpose (names, host names, the server's own name)."""

SAN_HOST = f"{SHOWN['certificate_san']}.{LAB_DOMAIN}"
LOW_ENTROPY_COOKIE = "admin=1"
"""Set at two steps: within one report both have one hash, and another report's differs."""


def _jwt(signature: str) -> str:
    return f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjYW5hcnkifQ.{signature}"


def _planted() -> list[tuple[str, str]]:
    """Headers every answer carries: each value holds a canary in a secret's shape."""
    c = CANARIES
    return [
        ("Server", f"gw-{SHOWN['server_product']}/1.0 (token={c['server_token']})"),
        ("WWW-Authenticate", f'Bearer realm="lab", error_description="{c["www_authenticate"]}"'),
        ("X-Debug", c["x_debug_header"]),
        ("Date", c["date_header"]),
        ("Age", c["age_header"]),
        ("Content-Type", "text/html; charset=utf-8"),
    ]


def _cookies() -> list[tuple[str, str]]:
    c = CANARIES
    return [
        ("Set-Cookie", f"sid={c['cookie_value']}; Path=/; Secure; HttpOnly; SameSite=Lax"),
        ("Set-Cookie", f"pref={c['cookie_other_value']}; Path=/; Secure; X-Odd={c['cookie_unknown_attribute']}"),
        ("Set-Cookie", f"{SHOWN['cookie_name']}=on; Path=/; Secure"),
        ("Set-Cookie", f"ttl=on; Path=/; Secure; Expires={c['cookie_expires']}; Max-Age={c['cookie_max_age']}"),
        ("Set-Cookie", f"{LOW_ENTROPY_COOKIE}; Path=/; Secure"),
    ]


def _body() -> bytes:
    c = CANARIES
    return (f"<html><body><p>{c['body']}</p><script>var t = {{\"access_token\": \"{c['body_token']}\"}}</script>"
            "</body></html>").encode()


def canary_site(request: LabRequest) -> LabResponse:
    """The sign-in service: each step of the flow, every answer planted."""
    c = CANARIES
    here = f"{APP}:{request.server_port}"
    if request.path == SIGNIN_PATH:
        location = (f"https://{c['location_user']}:{c['location_password']}@{here}/step2;jsessionid="
                    f"{c['location_path_param']}?code={c['location_code']}&state={c['location_state']}"
                    f"#access_token={c['location_fragment']}")
        headers = [("Location", location), *_planted(), *_cookies()]
        return LabResponse(302, headers, _body(), reason=c["reason_phrase"])
    if request.path.startswith("/step2"):
        location = (f"//u:{c['scheme_relative_password']}@{here}/step3?SAMLResponse={c['scheme_relative_saml']}"
                    f"&RelayState={c['scheme_relative_relay']}")
        return LabResponse(302, [("Location", location), *_planted(), *_cookies()], _body())
    if request.path == "/step3":
        location = (f"cb/{_jwt(c['relative_path_jwt'])}/final?id_token_hint={_jwt(c['relative_query_jwt'])}"
                    f"#/callback?access_token={c['relative_spa_fragment']}")
        return LabResponse(302, [("Location", location), *_planted()], _body())
    if request.path.endswith("/final"):
        return LabResponse(500, _planted(), _body(), reason=f"access_token={c['reason_phrase_token']}")
    return LabResponse(404, _planted(), _body(), reason="Not Found")


def canary_proxy(request: LabRequest) -> LabResponse:
    """A proxy that wants credentials, and says so in its own words."""
    c = CANARIES
    return LabResponse(407, [("Proxy-Authenticate", f'Basic realm="{c["proxy_authenticate"]}"')],
                       reason=c["proxy_reason_phrase"])


def proxy_url(port: int) -> str:
    """The proxy as the environment names it, credentials included."""
    return f"http://{CANARIES['proxy_user']}:{CANARIES['proxy_password']}@127.0.0.1:{port}"


@scenario(
    "server-canaries",
    "Every field the sign-in service controls carries a secret: none may reach any output.",
    expect={"connectivity": Status.PASS, "certificate": Status.PASS},
    area="redaction",
    demo=False,
)
async def server_canaries(lab: Lab) -> AsyncIterator[LabRun]:
    issued = lab.issue([APP, SAN_HOST], organization=f"{SHOWN['certificate_organization']} "
                                                     f"token={CANARIES['certificate_subject']}")
    site = await lab.https(canary_site, names=[APP, SAN_HOST], issued=issued)
    proxy = await lab.http(canary_proxy)
    dns = await lab.dns({APP: ["127.0.0.1"], SAN_HOST: ["127.0.0.1"], LAB_DOMAIN: ["127.0.0.1"]})
    run = lab.run(f"https://{APP}:{site.port}{SIGNIN_PATH}", dns=dns)
    run.observed.update(site=site, proxy=proxy, dns=dns, proxy_url=proxy_url(proxy.port))
    yield run
