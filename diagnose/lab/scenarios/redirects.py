"""Redirect and cookie scenarios for the ``redirects`` check.

One HTTPS lab server answers for several names (the official
``app.atera-lab.test`` and ``auth.atera-lab.test``, an identity provider
``login.idp-lab.test``, and a stranger ``evil-lab.test``), all resolving to
127.0.0.1 through the lab DNS; a plain-HTTP server joins where a scenario
needs http. Each handler routes on the ``Host`` header and path, the way one
site behind one load balancer would.

Scenarios come in two kinds: faults, one per finding code, and look-alikes
that must *not* be reported (five redirects then success, a counter cookie on
the same URL, a relative ``Location``, an invalid ``Max-Age``, a lifetime
over 400 days, a healthy page, an identity-provider round trip).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping

from diagnose.lab.dns import LabDns
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PAGE, SIGNIN_PATH, Lab, LabRun, scenario
from diagnose.lab.servers import Handler, LabRequest, LabResponse, LabServer
from diagnose.model import Status

APP = f"app.{LAB_DOMAIN}"
AUTH = f"auth.{LAB_DOMAIN}"
IDP_DOMAIN = "idp-lab.test"
IDP = f"login.{IDP_DOMAIN}"
EVIL = "evil-lab.test"
GONE = f"gone.{LAB_DOMAIN}"
NAMES = (APP, AUTH, LAB_DOMAIN, IDP, EVIL)

CANARY = "lbdcanary7Q2xV9kZ4mW"
"""A secret-looking value the identity-provider scenario puts in cookies (and in
the ``state`` query that must match one); a test asserts it appears in no report format."""
CODE_CANARY = "lbdcodeR8tN3pL6vY1s"
"""An authorization code in a ``Location`` query and in no cookie: only URL redaction keeps it out."""

NGINX_494_PAGE = (
    "<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n"
    "<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
"""nginx's ``http_error_494_page`` (``ngx_http_special_response.c``)."""

SECURE = "Secure; HttpOnly; Path=/; SameSite=Lax"
"""The attributes of a well-made session cookie."""

Route = Callable[[LabRequest], LabResponse]


def _router(routes: Mapping[str, Route], hosts: Mapping[str, Mapping[str, Route]] | None = None) -> Route:
    """Dispatch on (host, path), then on path alone; anything else is a 404."""

    def handle(request: LabRequest) -> LabResponse:
        route = (hosts or {}).get(request.host, {}).get(request.path) or routes.get(request.path)
        if route is None:
            return LabResponse.html("<h1>Not found</h1>", status=404)
        return route(request)

    return handle


def _url(request: LabRequest, path: str, host: str | None = None, *, scheme: str | None = None,
         port: int | None = None) -> str:
    """An absolute URL on this lab server (or another one, given ``scheme`` and ``port``)."""
    return f"{scheme or request.scheme}://{host or request.host}:{port or request.server_port}{path}"


def _page(*cookies: str) -> LabResponse:
    return LabResponse.html(SIGNIN_PAGE, headers=[("Set-Cookie", c) for c in cookies])


def _redirect(location: str, *cookies: str, status: int = 302) -> LabResponse:
    return LabResponse.redirect(location, status, headers=[("Set-Cookie", c) for c in cookies])


async def _start(lab: Lab, handler: Handler) -> tuple[LabServer, LabDns]:
    server = await lab.https(handler, names=NAMES)
    dns = await lab.dns({name: ["127.0.0.1"] for name in NAMES})
    return server, dns


def _run(lab: Lab, server: LabServer, dns: LabDns, path: str = SIGNIN_PATH, host: str = APP) -> LabRun:
    profile = lab.profile(redirects={"identity_providers": [IDP_DOMAIN]})
    return lab.run(server.url(path, host=host), dns=dns, profile=profile, only=("redirects",))


# --------------------------------------------------------------------- no finding


@scenario(
    "redirects-healthy",
    "A healthy sign-in page: one redirect to the page, well-formed Secure session cookies.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def healthy(lab: Lab) -> AsyncIterator[LabRun]:
    handler = _router({
        "/": lambda r: _redirect(SIGNIN_PATH),
        SIGNIN_PATH: lambda r: _page(f"__Host-session=s3ss10n; {SECURE}", "csrf=c5rf; Secure; Path=/; SameSite=Strict"),
    })
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns, "/")


@scenario(
    "redirects-five-hops",
    "Five redirects in a row, then the sign-in page: well within every browser's limit, not a loop.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def five_hops(lab: Lab) -> AsyncIterator[LabRun]:
    def hop(request: LabRequest) -> LabResponse:
        n = int(request.path.rsplit("/", 1)[1])
        return _redirect(f"/hop/{n + 1}") if n < 5 else _page()

    server, dns = await _start(lab, lambda r: hop(r) if r.path.startswith("/hop/") else _page())
    yield _run(lab, server, dns, "/hop/0")


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
            return _redirect(SIGNIN_PATH, f"attempt={n + 1}; Secure; Path=/; SameSite=Lax")
        return _page()

    server, dns = await _start(lab, _router({SIGNIN_PATH: login}))
    yield _run(lab, server, dns)


@scenario(
    "redirects-relative-location",
    "A redirect with a relative Location (../users/login), resolved as RFC 3986 says.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def relative_location(lab: Lab) -> AsyncIterator[LabRun]:
    handler = _router({
        "/app/start": lambda r: _redirect("../users/login?from=relative"),
        SIGNIN_PATH: lambda r: _page(),
    })
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns, "/app/start")


@scenario(
    "redirects-meta-refresh",
    "The first page moves on with a meta refresh, then a redirect reaches the sign-in page.",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def meta_refresh(lab: Lab) -> AsyncIterator[LabRun]:
    refresh = '<!doctype html><html><head><meta http-equiv="Refresh" content="0; URL=\'/sso/start\'"></head></html>'
    handler = _router({
        "/app": lambda r: LabResponse.html(refresh),
        "/sso/start": lambda r: _redirect(SIGNIN_PATH),
        SIGNIN_PATH: lambda r: _page(),
    })
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns, "/app")


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
        return _page() if request.cookies.get("prefs") else _redirect(SIGNIN_PATH)

    handler = _router({
        SIGNIN_PATH: lambda r: _redirect("/home", "prefs=compact; Max-Age=abc; Secure; Path=/; SameSite=Lax"),
        "/home": home,
    })
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


@scenario(
    "redirects-lifetime-clamped",
    "A cookie asking for a 31-year lifetime: browsers clamp it to 400 days (information only).",
    expect={"redirects": Status.PASS},
    codes=["redirects.cookie_lifetime_clamped"],
    area="redirects",
)
async def lifetime_clamped(lab: Lab) -> AsyncIterator[LabRun]:
    handler = _router({SIGNIN_PATH: lambda r: _page(f"remember=1; Max-Age=999999999; {SECURE}")})
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


@scenario(
    "redirects-identity-provider",
    "A round trip through a known identity provider with state and session cookies (canary values).",
    expect={"redirects": Status.PASS},
    area="redirects",
)
async def identity_provider(lab: Lab) -> AsyncIterator[LabRun]:
    def login(request: LabRequest) -> LabResponse:
        if request.cookies.get("__Host-session") == CANARY + "-session":
            return _page()
        authorize = _url(request, f"/authorize?client_id=atera-lab&state={CANARY}", IDP)
        return _redirect(authorize, f"oidc_state={CANARY}; {SECURE}")

    def authorize(request: LabRequest) -> LabResponse:
        back = _url(request, f"/callback?code={CODE_CANARY}&state={request.query.get('state', '')}", APP)
        return _redirect(back, f"idp_session={CANARY}-idp; Secure; HttpOnly; Path=/; SameSite=None")

    def callback(request: LabRequest) -> LabResponse:
        if request.cookies.get("oidc_state") != request.query.get("state"):
            return LabResponse.html("<h1>Correlation failed</h1>", status=400)
        return _redirect(SIGNIN_PATH, f"__Host-session={CANARY}-session; {SECURE}", "oidc_state=; Max-Age=0; Secure; Path=/")

    handler = _router({}, hosts={APP: {SIGNIN_PATH: login, "/callback": callback}, IDP: {"/authorize": authorize}})
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


# --------------------------------------------------------------------- the flow


@scenario(
    "redirects-loop",
    "/users/login redirects to /sso, which redirects back: the same URLs with the same cookies, forever.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.loop"],
    area="redirects",
)
async def loop(lab: Lab) -> AsyncIterator[LabRun]:
    handler = _router({SIGNIN_PATH: lambda r: _redirect("/sso"), "/sso": lambda r: _redirect(SIGNIN_PATH)})
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


def _chain(limit: int | None) -> Route:
    def step(request: LabRequest) -> LabResponse:
        n = int(request.path.rsplit("/", 1)[1])
        return _redirect(f"/r/{n + 1}") if limit is None or n < limit else _page()

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
    server, dns = await _start(lab, lambda r: chain(r) if r.path.startswith("/r/") else _page())
    yield _run(lab, server, dns, "/r/0")


@scenario(
    "redirects-too-many-safari",
    "17 redirects, then the page: fine in Chrome, Edge and Firefox (20), too many for Safari (16).",
    expect={"redirects": Status.WARN},
    codes=["redirects.too_many"],
    area="redirects",
)
async def too_many_safari(lab: Lab) -> AsyncIterator[LabRun]:
    chain = _chain(17)
    server, dns = await _start(lab, lambda r: chain(r) if r.path.startswith("/r/") else _page())
    yield _run(lab, server, dns, "/r/0")


@scenario(
    "redirects-downgrade",
    "A proxy that forgot X-Forwarded-Proto: the https sign-in redirects to http://…/callback.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.downgrade"],
    area="redirects",
)
async def downgrade(lab: Lab) -> AsyncIterator[LabRun]:
    plain = await lab.http(_router({"/callback": lambda r: _page()}))
    handler = _router({
        SIGNIN_PATH: lambda r: _redirect(
            _url(r, "/callback", scheme="http", port=plain.port), f"__Host-session=s3ss10n; {SECURE}"
        )
    })
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


@scenario(
    "redirects-offsite",
    "The sign-in redirects to evil-lab.test: neither the vendor's domain nor a known identity provider.",
    expect={"redirects": Status.WARN},
    codes=["redirects.offsite"],
    area="redirects",
)
async def offsite(lab: Lab) -> AsyncIterator[LabRun]:
    handler = _router({}, hosts={
        APP: {SIGNIN_PATH: lambda r: _redirect(_url(r, "/login?next=%2Fusers%2Flogin", EVIL))},
        EVIL: {"/login": lambda r: _page()},
    })
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


@scenario(
    "redirects-broken-location",
    "A 302 without a Location header: the browser has nowhere to go.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.broken_location"],
    area="redirects",
)
async def broken_location(lab: Lab) -> AsyncIterator[LabRun]:
    handler = _router({SIGNIN_PATH: lambda r: LabResponse(302, [("Content-Type", "text/html")], b"Moved")})
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


@scenario(
    "redirects-invalid-location",
    "A 301 whose Location is not a valid address (a space in the host name).",
    expect={"redirects": Status.FAIL},
    codes=["redirects.broken_location"],
    area="redirects",
)
async def invalid_location(lab: Lab) -> AsyncIterator[LabRun]:
    handler = _router({SIGNIN_PATH: lambda r: _redirect("https://app atera-lab.test/users/login", status=301)})
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


@scenario(
    "redirects-step-unreachable",
    "The sign-in redirects to a host whose name does not exist.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.request_failed"],
    area="redirects",
)
async def step_unreachable(lab: Lab) -> AsyncIterator[LabRun]:
    handler = _router({SIGNIN_PATH: lambda r: _redirect(_url(r, "/users/login", GONE))})
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


def _grow(step: str, nxt: str, size: int) -> Route:
    return lambda r: _redirect(nxt, f"{step}={'x' * size}; Secure; Path=/; SameSite=Lax")


def _header_limited(limit: int, refuse: Callable[[], LabResponse], routes: Mapping[str, Route]) -> Handler:
    """A server that refuses requests whose Cookie header line exceeds ``limit`` bytes."""
    inner = _router(routes)

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
            "/home": lambda r: _page(),
        },
    )
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


@scenario(
    "redirects-header-too-large-431",
    "Cookies grow past 16 KiB and the (Node-like) server answers 431 with an empty body.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.header_too_large"],
    area="redirects",
)
async def header_too_large_431(lab: Lab) -> AsyncIterator[LabRun]:
    routes: dict[str, Route] = {f"/step/{i}": _grow(f"chunk{i}", f"/step/{i + 1}", 3500) for i in range(8)}
    routes["/step/8"] = lambda r: _page()
    handler = _header_limited(16384, lambda: LabResponse(431, [("Connection", "close")], b""), routes)
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns, "/step/0")


# --------------------------------------------------------------------- cookies


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
            return _page()
        return _redirect("/sso", "sess=s3ss10n; Secure; HttpOnly; Path=/")

    plain = await lab.http(_router({SIGNIN_PATH: login, "/sso": lambda r: _redirect(SIGNIN_PATH)}))
    dns = await lab.dns({name: ["127.0.0.1"] for name in NAMES})
    profile = lab.profile(redirects={"identity_providers": [IDP_DOMAIN]})
    yield lab.run(plain.url(SIGNIN_PATH, host=APP), dns=dns, profile=profile, only=("redirects",))


def _one_page(*cookies: str) -> Handler:
    return _router({SIGNIN_PATH: lambda r: _page(*cookies)})


@scenario(
    "redirects-cookie-samesite-none-insecure",
    "A cookie with SameSite=None but no Secure: current browsers reject it.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_samesite_none_insecure"],
    area="redirects",
)
async def samesite_none_insecure(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await _start(lab, _one_page("xsrf_state=st4te; Path=/; SameSite=None", f"__Host-session=s; {SECURE}"))
    yield _run(lab, server, dns)


@scenario(
    "redirects-cookie-invalid-prefix",
    "__Host- with a Domain attribute and __Secure- without Secure: both rejected.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_invalid_prefix"],
    area="redirects",
)
async def invalid_prefix(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await _start(lab, _one_page(
        f"__Host-sid=1; Secure; Path=/; Domain={LAB_DOMAIN}", "__Secure-pref=1; Path=/; SameSite=Lax",
    ))
    yield _run(lab, server, dns)


@scenario(
    "redirects-cookie-too-large",
    "A 4100-byte session cookie: over the 4096-byte limit, browsers drop it.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_too_large"],
    area="redirects",
)
async def cookie_too_large(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await _start(lab, _one_page(f"sid={'v' * 4100}; {SECURE}"))
    yield _run(lab, server, dns)


@scenario(
    "redirects-cookie-invalid-domain",
    "Cookies for another site's domain and for a public suffix (Domain=test): both rejected.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_invalid_domain"],
    area="redirects",
)
async def invalid_domain(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await _start(lab, _one_page(
        f"other=1; Domain=other-lab.test; {SECURE}", f"wide=1; Domain=test; {SECURE}", f"good=1; Domain={LAB_DOMAIN}; {SECURE}",
    ))
    yield _run(lab, server, dns)


@scenario(
    "redirects-cookie-domain-mismatch",
    "auth.atera-lab.test sets a host-only session cookie that app.atera-lab.test needs: the sign-in loops.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.cookie_domain_mismatch", "redirects.loop"],
    area="redirects",
)
async def domain_mismatch(lab: Lab) -> AsyncIterator[LabRun]:
    def app_login(request: LabRequest) -> LabResponse:
        return _page() if request.cookies.get("sid") else _redirect(_url(request, "/login", AUTH))

    def auth_login(request: LabRequest) -> LabResponse:
        return _redirect(_url(request, SIGNIN_PATH, APP), f"sid=s1d; {SECURE}")

    handler = _router({}, hosts={APP: {SIGNIN_PATH: app_login}, AUTH: {"/login": auth_login}})
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


@scenario(
    "redirects-cookie-path-mismatch",
    "/auth/callback sets the session cookie with Path=/auth, but /users/login needs it: the sign-in loops.",
    expect={"redirects": Status.FAIL},
    codes=["redirects.cookie_path_mismatch", "redirects.loop"],
    area="redirects",
)
async def path_mismatch(lab: Lab) -> AsyncIterator[LabRun]:
    handler = _router({
        SIGNIN_PATH: lambda r: _page() if r.cookies.get("sid") else _redirect("/auth/callback"),
        "/auth/callback": lambda r: _redirect(SIGNIN_PATH, "sid=s1d; Secure; HttpOnly; Path=/auth; SameSite=Lax"),
    })
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


@scenario(
    "redirects-cookie-disallowed-character",
    "A cookie value with a TAB inside: Chromium refuses control characters in names and values.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_disallowed_character"],
    area="redirects",
)
async def disallowed_character(lab: Lab) -> AsyncIterator[LabRun]:
    server, dns = await _start(lab, _one_page(f"layout=wide\tdark; {SECURE}"))
    yield _run(lab, server, dns)


@scenario(
    "redirects-cookie-too-many",
    "The sign-in sets 200 cookies on one site: browsers keep 180 and delete the oldest.",
    expect={"redirects": Status.WARN},
    codes=["redirects.cookie_too_many"],
    area="redirects",
)
async def too_many_cookies(lab: Lab) -> AsyncIterator[LabRun]:
    cookies = [f"c{i:03d}={i}; Secure; Path=/; SameSite=Lax" for i in range(200)]
    handler = _router({SIGNIN_PATH: lambda r: _redirect("/home", *cookies), "/home": lambda r: _page()})
    server, dns = await _start(lab, handler)
    yield _run(lab, server, dns)


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
        return _redirect(back, "sid=plain; Path=/")

    https_port = [0]
    plain = await lab.http(_router({"/insecure": insecure}))
    handler = _router({
        SIGNIN_PATH: lambda r: _redirect(_url(r, "/insecure", scheme="http", port=plain.port), f"sid=s3cure; {SECURE}"),
        "/home": lambda r: _page(),
    })
    server, dns = await _start(lab, handler)
    https_port[0] = server.port
    yield _run(lab, server, dns)
