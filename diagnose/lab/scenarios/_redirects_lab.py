"""The lab shared by the ``redirects`` scenarios (``redirects``, ``redirects_locations``,
``redirects_cookies``): names, servers and small response builders. It registers no scenario.

One HTTPS lab server answers for several names (the official
``app.atera-lab.test`` and ``auth.atera-lab.test``, an identity provider
``login.idp-lab.test``, a stranger ``evil-lab.test`` and another vendor's
``app.othervendor-lab.test``), all resolving to 127.0.0.1 through the lab DNS;
a plain-HTTP server joins where a scenario needs http. Each handler routes on
the ``Host`` header and path, the way one site behind one load balancer would.
:data:`NAMES` is the whole DNS zone: a browser test resolves exactly these
names (and no other) to loopback, as the lab DNS does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from diagnose.lab.dns import LabDns
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PAGE, SIGNIN_PATH, Lab, LabRun
from diagnose.lab.servers import Handler, LabRequest, LabResponse, LabServer

APP = f"app.{LAB_DOMAIN}"
AUTH = f"auth.{LAB_DOMAIN}"
IDP_DOMAIN = "idp-lab.test"
IDP = f"login.{IDP_DOMAIN}"
EVIL = "evil-lab.test"
GONE = f"gone.{LAB_DOMAIN}"
OTHER_VENDOR = "app.othervendor-lab.test"
NAMES = (APP, AUTH, LAB_DOMAIN, IDP, EVIL, OTHER_VENDOR)

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


def router(routes: Mapping[str, Route], hosts: Mapping[str, Mapping[str, Route]] | None = None) -> Route:
    """Dispatch on (host, path), then on path alone; anything else is a 404."""

    def handle(request: LabRequest) -> LabResponse:
        route = (hosts or {}).get(request.host, {}).get(request.path) or routes.get(request.path)
        if route is None:
            return LabResponse.html("<h1>Not found</h1>", status=404)
        return route(request)

    return handle


def lab_url(request: LabRequest, path: str, host: str | None = None, *, scheme: str | None = None,
         port: int | None = None) -> str:
    """An absolute URL on this lab server (or another one, given ``scheme`` and ``port``)."""
    return f"{scheme or request.scheme}://{host or request.host}:{port or request.server_port}{path}"


def signin_page(*cookies: str) -> LabResponse:
    return LabResponse.html(SIGNIN_PAGE, headers=[("Set-Cookie", c) for c in cookies])


def redirect_to(location: str, *cookies: str, status: int = 302) -> LabResponse:
    return LabResponse.redirect(location, status, headers=[("Set-Cookie", c) for c in cookies])


async def start_servers(lab: Lab, handler: Handler) -> tuple[LabServer, LabDns]:
    server = await lab.https(handler, names=NAMES)
    dns = await lab.dns({name: ["127.0.0.1"] for name in NAMES})
    return server, dns


def lab_run(lab: Lab, server: LabServer, dns: LabDns, path: str = SIGNIN_PATH, host: str = APP) -> LabRun:
    url = server.url(path, host=host)
    # The address on the lab's port is the profile's own sign-in address (as Lab.run makes it by default).
    profile = lab.profile_for(url, redirects={"identity_providers": [IDP_DOMAIN]})
    return lab.run(url, dns=dns, profile=profile, only=("redirects",))


