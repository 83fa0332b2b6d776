"""Cookie scenarios for the ``redirects`` check: cookies Chromium refuses, adjusts or
sends in its own way.

One scenario per refusal reason (Chrome DevTools' label in each description),
the SameSite=Strict cookie Chromium still sends after a detour through another
site (Firefox does not), and look-alikes that must pass (a nameless cookie,
a Max-Age of 400 digits, clamped like any long lifetime).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, LabRun, scenario
from diagnose.lab.scenarios._redirects_lab import (
    APP,
    AUTH,
    IDP,
    IDP_DOMAIN,
    NAMES,
    SECURE,
    lab_run,
    lab_url,
    redirect_to,
    router,
    signin_page,
    start_servers,
)
from diagnose.lab.servers import Handler, LabRequest, LabResponse
from diagnose.model import Status


@scenario(
    "redirects-cookie-secure-over-http",
    "An http sign-in sets its session cookie Secure: browsers drop it and the sign-in loops.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.cookie_secure_over_http", "redirects.loop"],
    area="redirects",
)
async def secure_over_http(lab: Lab) -> AsyncIterator[LabRun]:
    def login(request: LabRequest) -> LabResponse:
        if request.cookies.get("sess"):
            return signin_page()
        return redirect_to("/sso", "sess=s3ss10n; Secure; HttpOnly; Path=/")

    plain = await lab.http(router({SIGNIN_PATH: login, "/sso": lambda r: redirect_to(SIGNIN_PATH)}))
    dns = await lab.dns({name: ["127.0.0.1"] for name in NAMES})
    url = plain.url(SIGNIN_PATH, host=APP)
    profile = lab.profile_for(url, redirects={"identity_providers": [IDP_DOMAIN]})
    yield lab.run(url, dns=dns, profile=profile, only=("redirects",))


def _one_page(*cookies: str) -> Handler:
    return router({SIGNIN_PATH: lambda r: signin_page(*cookies)})


@scenario(
    "redirects-cookie-samesite-none-insecure",
    "A cookie with SameSite=None but no Secure: current browsers reject it.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_samesite_none_insecure"],
    area="redirects",
)
async def samesite_none_insecure(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await start_servers(lab, _one_page("xsrf_state=st4te; Path=/; SameSite=None", f"__Host-session=s; {SECURE}"))
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-invalid-prefix",
    "__Host- with a Domain attribute and __Secure- without Secure: both rejected.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_invalid_prefix"],
    area="redirects",
)
async def invalid_prefix(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await start_servers(lab, _one_page(
        f"__Host-sid=1; Secure; Path=/; Domain={LAB_DOMAIN}", "__Secure-pref=1; Path=/; SameSite=Lax",
    ))
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-too-large",
    "A 4100-byte session cookie: over the 4096-byte limit, browsers drop it.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_too_large"],
    area="redirects",
)
async def cookie_too_large(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await start_servers(lab, _one_page(f"sid={'v' * 4100}; {SECURE}"))
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-invalid-domain",
    "Cookies for another site's domain and for a public suffix (Domain=test): both rejected.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_invalid_domain"],
    area="redirects",
)
async def invalid_domain(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await start_servers(lab, _one_page(
        f"other=1; Domain=other-lab.test; {SECURE}", f"wide=1; Domain=test; {SECURE}", f"good=1; Domain={LAB_DOMAIN}; {SECURE}",
    ))
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-domain-mismatch",
    "auth.atera-lab.test sets a host-only session cookie that app.atera-lab.test needs: the sign-in loops.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.cookie_domain_mismatch", "redirects.loop"],
    area="redirects",
)
async def domain_mismatch(lab: Lab) -> AsyncIterator[LabRun]:
    def app_login(request: LabRequest) -> LabResponse:
        return signin_page() if request.cookies.get("sid") else redirect_to(lab_url(request, "/login", AUTH))

    def auth_login(request: LabRequest) -> LabResponse:
        return redirect_to(lab_url(request, SIGNIN_PATH, APP), f"sid=s1d; {SECURE}")

    handler = router({}, hosts={APP: {SIGNIN_PATH: app_login}, AUTH: {"/login": auth_login}})
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-path-mismatch",
    "/auth/callback sets the session cookie with Path=/auth, but /users/login needs it: the sign-in loops.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.cookie_path_mismatch", "redirects.loop"],
    area="redirects",
)
async def path_mismatch(lab: Lab) -> AsyncIterator[LabRun]:
    handler = router({
        SIGNIN_PATH: lambda r: signin_page() if r.cookies.get("sid") else redirect_to("/auth/callback"),
        "/auth/callback": lambda r: redirect_to(SIGNIN_PATH, "sid=s1d; Secure; HttpOnly; Path=/auth; SameSite=Lax"),
    })
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-disallowed-character",
    "A cookie value with a TAB inside: Chromium refuses control characters in names and values.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_disallowed_character"],
    area="redirects",
)
async def disallowed_character(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await start_servers(lab, _one_page(f"layout=wide\tdark; {SECURE}"))
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-too-many",
    "The sign-in sets 200 cookies on one site: browsers keep 180 and delete the oldest.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_too_many"],
    area="redirects",
)
async def too_many_cookies(lab: Lab) -> AsyncIterator[LabRun]:
    cookies = [f"c{i:03d}={i}; Secure; Path=/; SameSite=Lax" for i in range(200)]
    handler = router({SIGNIN_PATH: lambda r: redirect_to("/home", *cookies), "/home": lambda r: signin_page()})
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-overwrite-secure",
    "An http step tries to overwrite the Secure session cookie: browsers refuse (Leave Secure Cookies Alone).",
    expect={"redirects": Status.FAIL},
    codes=["redirects.cookie_rejected", "redirects.downgrade"],
    area="redirects",
)
async def overwrite_secure(lab: Lab) -> AsyncIterator[LabRun]:
    def insecure(request: LabRequest) -> LabResponse:
        back = f"https://{APP}:{https_port[0]}/home"
        return redirect_to(back, "sid=plain; Path=/")

    https_port = [0]
    plain = await lab.http(router({"/insecure": insecure}))
    handler = router({
        SIGNIN_PATH: lambda r: redirect_to(lab_url(r, "/insecure", scheme="http", port=plain.port), f"sid=s3cure; {SECURE}"),
        "/home": lambda r: signin_page(),
    })
    server, dns = await start_servers(lab, handler)
    https_port[0] = server.port
    yield lab_run(lab, server, dns)



@scenario(
    "redirects-cookie-samesite-strict-round-trip",
    "The app sets a SameSite=Strict cookie, detours through the identity provider and needs it back: "
    "Chrome still sends it (WARN_CROSS_SITE_REDIRECT_DOWNGRADE_CHANGES_INCLUSION); Firefox does not.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_samesite_redirect"],
    area="redirects",
)
async def samesite_strict_round_trip(lab: Lab) -> AsyncIterator[LabRun]:
    def login(request: LabRequest) -> LabResponse:
        return redirect_to(lab_url(request, "/authorize", IDP), "nonce=n0nc3; Secure; HttpOnly; Path=/; SameSite=Strict")

    def callback(request: LabRequest) -> LabResponse:
        if not request.cookies.get("nonce"):
            return LabResponse.html("<h1>Sign-in failed: no nonce</h1>", status=400)
        return signin_page(f"__Host-session=s3ss10n; {SECURE}")

    handler = router({}, hosts={
        APP: {SIGNIN_PATH: login, "/callback": callback},
        IDP: {"/authorize": lambda r: redirect_to(lab_url(r, "/callback", APP))},
    })
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-double-dot-domain",
    "Domain=..atera-lab.test: browsers strip one dot, so it matches no host (InvalidDomain).",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_invalid_domain"],
    area="redirects",
)
async def double_dot_domain(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await start_servers(lab, _one_page(f"dd=1; Domain=..{LAB_DOMAIN}; {SECURE}",
                                                     f"d1=1; Domain=.{LAB_DOMAIN}; {SECURE}"))
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-trailing-dot-domain",
    "Domain=atera-lab.test. (a trailing dot): Chromium refuses it (DomainMismatch and InvalidDomain).",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_invalid_domain"],
    area="redirects",
)
async def trailing_dot_domain(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await start_servers(lab, _one_page(f"td=1; Domain={LAB_DOMAIN}.; {SECURE}"))
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-tab-in-attribute",
    "SameSite=Str<TAB>ict: Chromium refuses a cookie with a TAB inside any attribute (DisallowedCharacter).",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_disallowed_character"],
    area="redirects",
)
async def tab_in_attribute(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await start_servers(lab, _one_page("pref=1; Secure; Path=/; SameSite=Str\tict",
                                                     f"ok=1; {SECURE}\t"))
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-huge-max-age",
    "Max-Age of 400 digits (and one of -400 digits): browsers clamp the first to 400 days and delete the second.",
    expect={"redirects": Status.PASS},
    codes=["redirects.cookie_lifetime_clamped"],
    area="redirects",
)
async def huge_max_age(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await start_servers(lab, _one_page(f"remember=1; Max-Age={'9' * 400}; {SECURE}",
                                                     f"gone=1; Max-Age=-{'9' * 400}; {SECURE}"))
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-cookie-nameless",
    "A nameless cookie (Set-Cookie: t0k3n): browsers keep it under an empty name (6265bis), as Chromium does.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def nameless(lab: Lab) -> AsyncIterator[LabRun]:
    def home(request: LabRequest) -> LabResponse:
        return signin_page() if "t0k3nv4lu3" in (request.header("cookie") or "") else redirect_to(SIGNIN_PATH)

    handler = router({SIGNIN_PATH: lambda r: redirect_to("/home", f"t0k3nv4lu3; {SECURE}"), "/home": home})
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)
