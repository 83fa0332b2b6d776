"""Scenarios of the sign-in flow for the ``redirects`` check: hops, loops, limits, detours.

Faults, one per finding code, and look-alikes that must *not* be reported
(five redirects then success, a counter cookie on the same URL, a relative
``Location``, a meta refresh, a healthy page, an identity-provider round trip).
``Location`` headers a browser reads its own way are in ``redirects_locations``,
cookies in ``redirects_cookies``; the shared lab is ``_redirects_lab``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping

from diagnose.lab.scenario import SIGNIN_PATH, Lab, LabRun, scenario
from diagnose.lab.scenarios._redirects_lab import (
    APP,
    CANARY,
    CODE_CANARY,
    EVIL,
    GONE,
    IDP,
    NAMES,
    NGINX_494_PAGE,
    OTHER_VENDOR,
    SECURE,
    Route,
    lab_run,
    lab_url,
    redirect_to,
    router,
    signin_page,
    start_servers,
)
from diagnose.lab.servers import Handler, LabRequest, LabResponse
from diagnose.model import Status

__all__ = ["APP", "CANARY", "CODE_CANARY", "IDP", "NAMES"]


# --------------------------------------------------------------------- no finding


@scenario(
    "redirects-healthy",
    "A healthy sign-in page: one redirect to the page, well-formed Secure session cookies.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def healthy(lab: Lab) -> AsyncIterator[LabRun]:
    handler = router({
        "/": lambda r: redirect_to(SIGNIN_PATH),
        SIGNIN_PATH: lambda r: signin_page(f"__Host-session=s3ss10n; {SECURE}", "csrf=c5rf; Secure; Path=/; SameSite=Strict"),
    })
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns, "/")


@scenario(
    "redirects-five-hops",
    "Five redirects in a row, then the sign-in page: well within every browser's limit, not a loop.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def five_hops(lab: Lab) -> AsyncIterator[LabRun]:
    def hop(request: LabRequest) -> LabResponse:
        n = int(request.path.rsplit("/", 1)[1])
        return redirect_to(f"/hop/{n + 1}") if n < 5 else signin_page()

    server, dns = await start_servers(lab, lambda r: hop(r) if r.path.startswith("/hop/") else signin_page())
    yield lab_run(lab, server, dns, "/hop/0")


@scenario(
    "redirects-counter-cookie",
    "The same URL redirects to itself five times while a counter cookie goes up: progress, not a loop.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def counter_cookie(lab: Lab) -> AsyncIterator[LabRun]:
    def login(request: LabRequest) -> LabResponse:
        n = int(request.cookies.get("attempt", "0") or 0)
        if n < 5:
            return redirect_to(SIGNIN_PATH, f"attempt={n + 1}; Secure; Path=/; SameSite=Lax")
        return signin_page()

    server, dns = await start_servers(lab, router({SIGNIN_PATH: login}))
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-relative-location",
    "A redirect with a relative Location (../users/login), resolved as RFC 3986 says.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def relative_location(lab: Lab) -> AsyncIterator[LabRun]:
    handler = router({
        "/app/start": lambda r: redirect_to("../users/login?from=relative"),
        SIGNIN_PATH: lambda r: signin_page(),
    })
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns, "/app/start")


@scenario(
    "redirects-meta-refresh",
    "The first page moves on with a meta refresh, then a redirect reaches the sign-in page.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def meta_refresh(lab: Lab) -> AsyncIterator[LabRun]:
    refresh = '<!doctype html><html><head><meta http-equiv="Refresh" content="0; URL=\'/sso/start\'"></head></html>'
    handler = router({
        "/app": lambda r: LabResponse.html(refresh),
        "/sso/start": lambda r: redirect_to(SIGNIN_PATH),
        SIGNIN_PATH: lambda r: signin_page(),
    })
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns, "/app")


@scenario(
    "redirects-invalid-max-age",
    "A cookie with Max-Age=abc: browsers ignore the attribute and keep a session cookie (Python's jar drops it).",
    expect={"redirects": Status.PASS},
    codes=["redirects.cookie_max_age_invalid"],
    area="redirects",
)
async def invalid_max_age(lab: Lab) -> AsyncIterator[LabRun]:
    def home(request: LabRequest) -> LabResponse:
        # Only a client that kept the cookie gets the page; one that dropped it loops.
        return signin_page() if request.cookies.get("prefs") else redirect_to(SIGNIN_PATH)

    handler = router({
        SIGNIN_PATH: lambda r: redirect_to("/home", "prefs=compact; Max-Age=abc; Secure; Path=/; SameSite=Lax"),
        "/home": home,
    })
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-lifetime-clamped",
    "A cookie asking for a 31-year lifetime: browsers clamp it to 400 days (information only).",
    expect={"redirects": Status.PASS},
    codes=["redirects.cookie_lifetime_clamped"],
    area="redirects",
)
async def lifetime_clamped(lab: Lab) -> AsyncIterator[LabRun]:
    handler = router({SIGNIN_PATH: lambda r: signin_page(f"remember=1; Max-Age=999999999; {SECURE}")})
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-identity-provider",
    "A round trip through a known identity provider with state and session cookies (canary values).",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def identity_provider(lab: Lab) -> AsyncIterator[LabRun]:
    def login(request: LabRequest) -> LabResponse:
        if request.cookies.get("__Host-session") == CANARY + "-session":
            return signin_page()
        authorize = lab_url(request, f"/authorize?client_id=atera-lab&state={CANARY}", IDP)
        return redirect_to(authorize, f"oidc_state={CANARY}; {SECURE}")

    def authorize(request: LabRequest) -> LabResponse:
        back = lab_url(request, f"/callback?code={CODE_CANARY}&state={request.query.get('state', '')}", APP)
        return redirect_to(back, f"idp_session={CANARY}-idp; Secure; HttpOnly; Path=/; SameSite=None")

    def callback(request: LabRequest) -> LabResponse:
        if request.cookies.get("oidc_state") != request.query.get("state"):
            return LabResponse.html("<h1>Correlation failed</h1>", status=400)
        return redirect_to(SIGNIN_PATH, f"__Host-session={CANARY}-session; {SECURE}", "oidc_state=; Max-Age=0; Secure; Path=/")

    handler = router({}, hosts={APP: {SIGNIN_PATH: login, "/callback": callback}, IDP: {"/authorize": authorize}})
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


# --------------------------------------------------------------------- the flow


@scenario(
    "redirects-loop",
    "/users/login redirects to /sso, which redirects back: the same URLs with the same cookies, forever.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.loop"],
    area="redirects",
)
async def loop(lab: Lab) -> AsyncIterator[LabRun]:
    handler = router({SIGNIN_PATH: lambda r: redirect_to("/sso"), "/sso": lambda r: redirect_to(SIGNIN_PATH)})
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


def _chain(limit: int | None) -> Route:
    def step(request: LabRequest) -> LabResponse:
        n = int(request.path.rsplit("/", 1)[1])
        return redirect_to(f"/r/{n + 1}") if limit is None or n < limit else signin_page()

    return step


@scenario(
    "redirects-too-many",
    "/r/n redirects to /r/n+1 without end: no URL repeats, yet every browser gives up.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.too_many"],
    area="redirects",
)
async def too_many(lab: Lab) -> AsyncIterator[LabRun]:
    chain = _chain(None)
    server, dns = await start_servers(lab, lambda r: chain(r) if r.path.startswith("/r/") else signin_page())
    yield lab_run(lab, server, dns, "/r/0")


@scenario(
    "redirects-too-many-safari",
    "17 redirects, then the page: fine in Chrome and Edge (19) and Firefox (20), too many for Safari (16).",
    expect={"redirects": Status.WARN},
    codes=["redirects.too_many"],
    area="redirects",
)
async def too_many_safari(lab: Lab) -> AsyncIterator[LabRun]:
    chain = _chain(17)
    server, dns = await start_servers(lab, lambda r: chain(r) if r.path.startswith("/r/") else signin_page())
    yield lab_run(lab, server, dns, "/r/0")


@scenario(
    "redirects-nineteen",
    "19 redirects, then the page: Chrome's and Edge's last one (they fail the 20th); too many for Safari.",
    expect={"redirects": Status.WARN},
    codes=["redirects.too_many"],
    area="redirects",
)
async def nineteen(lab: Lab) -> AsyncIterator[LabRun]:
    chain = _chain(19)
    server, dns = await start_servers(lab, lambda r: chain(r) if r.path.startswith("/r/") else signin_page())
    yield lab_run(lab, server, dns, "/r/0")


@scenario(
    "redirects-twenty",
    "20 redirects, then the page: Chrome and Edge stop at the 20th (ERR_TOO_MANY_REDIRECTS); Firefox still gets there.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.too_many"],
    area="redirects",
)
async def twenty(lab: Lab) -> AsyncIterator[LabRun]:
    chain = _chain(20)
    server, dns = await start_servers(lab, lambda r: chain(r) if r.path.startswith("/r/") else signin_page())
    yield lab_run(lab, server, dns, "/r/0")


@scenario(
    "redirects-downgrade",
    "A proxy that forgot X-Forwarded-Proto: the https sign-in redirects to http://…/callback.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.downgrade"],
    area="redirects",
)
async def downgrade(lab: Lab) -> AsyncIterator[LabRun]:
    plain = await lab.http(router({"/callback": lambda r: signin_page()}))
    handler = router({
        SIGNIN_PATH: lambda r: redirect_to(
            lab_url(r, "/callback", scheme="http", port=plain.port), f"__Host-session=s3ss10n; {SECURE}"
        )
    })
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-offsite",
    "The sign-in redirects to evil-lab.test: neither the vendor's domain nor a known identity provider.",
    expect={"redirects": Status.WARN},
    codes=["redirects.offsite"],
    area="redirects",
)
async def offsite(lab: Lab) -> AsyncIterator[LabRun]:
    handler = router({}, hosts={
        APP: {SIGNIN_PATH: lambda r: redirect_to(lab_url(r, "/login?next=%2Fusers%2Flogin", EVIL))},
        EVIL: {"/login": lambda r: signin_page()},
    })
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-step-unreachable",
    "The sign-in redirects to a host whose name does not exist.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.request_failed"],
    area="redirects",
)
async def step_unreachable(lab: Lab) -> AsyncIterator[LabRun]:
    handler = router({SIGNIN_PATH: lambda r: redirect_to(lab_url(r, "/users/login", GONE))})
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


def _grow(step: str, nxt: str, size: int) -> Route:
    return lambda r: redirect_to(nxt, f"{step}={'x' * size}; Secure; Path=/; SameSite=Lax")


def _header_limited(limit: int, refuse: Callable[[], LabResponse], routes: Mapping[str, Route]) -> Handler:
    """A server that refuses requests whose Cookie header line exceeds ``limit`` bytes."""
    inner = router(routes)

    def handle(request: LabRequest) -> LabResponse:
        if len("Cookie: " + (request.header("cookie") or "")) > limit:
            return refuse()
        return inner(request)

    return handle


@scenario(
    "redirects-header-too-large",
    "Each hop adds a 3000-byte cookie; past 8 KB the (nginx-like) server answers 400 "
    "\"Request Header Or Cookie Too Large\".",
    expect={"redirects": Status.FAIL},
    codes=["redirects.header_too_large"],
    area="redirects",
)
async def header_too_large(lab: Lab) -> AsyncIterator[LabRun]:
    handler = _header_limited(
        8190,
        lambda: LabResponse(400, [("Content-Type", "text/html"), ("Server", "nginx")], NGINX_494_PAGE.encode()),
        {
            SIGNIN_PATH: _grow("ESTSAUTH1", "/step/2", 3000),
            "/step/2": _grow("ESTSAUTH2", "/step/3", 3000),
            "/step/3": _grow("ESTSAUTH3", "/home", 3000),
            "/home": lambda r: signin_page(),
        },
    )
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns)


@scenario(
    "redirects-header-too-large-431",
    "Cookies grow past 16 KiB and the (Node-like) server answers 431 with an empty body.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.header_too_large"],
    area="redirects",
)
async def header_too_large_431(lab: Lab) -> AsyncIterator[LabRun]:
    routes: dict[str, Route] = {f"/step/{i}": _grow(f"chunk{i}", f"/step/{i + 1}", 3500) for i in range(8)}
    routes["/step/8"] = lambda r: signin_page()
    handler = _header_limited(16384, lambda: LabResponse(431, [("Connection", "close")], b""), routes)
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns, "/step/0")




@scenario(
    "redirects-offsite-other-vendor",
    "Another vendor's sign-in (not in the profile) detours through evil-lab.test: judged against its own site.",
    expect={"redirects": Status.WARN},
    codes=["redirects.offsite"],
    area="redirects",
)
async def offsite_other_vendor(lab: Lab) -> AsyncIterator[LabRun]:
    handler = router({}, hosts={
        OTHER_VENDOR: {
            "/login": lambda r: redirect_to(lab_url(r, "/track?to=%2Fhome", EVIL)),
            "/home": lambda r: signin_page(),
        },
        EVIL: {"/track": lambda r: redirect_to(lab_url(r, "/home", OTHER_VENDOR))},
    })
    server, dns = await start_servers(lab, handler)
    yield lab_run(lab, server, dns, "/login", host=OTHER_VENDOR)
