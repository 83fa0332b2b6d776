"""Lab scenarios: a named, reproducible situation on loopback, and what a correct diagnosis says about it.

A scenario is an async context manager function that starts the servers it
needs through a :class:`Lab` and yields a :class:`LabRun` (the address to
diagnose, the profile, settings and the network factory pointed at loopback).
Tests and ``login-doctor demo`` share them: the demo shows what tests assert.

Scenario modules live in :mod:`diagnose.lab.scenarios` (one per area) and
register with :func:`scenario`. The lab never lets a packet leave loopback: the
"system" resolver is the lab's DNS server and environment proxies are ignored.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diagnose.check import Clock, SystemClock
from diagnose.lab.dns import Answer, LabDns
from diagnose.lab.pki import CertificateAuthority, Issued
from diagnose.lab.servers import Handler, LabResponse, LabServer, server_context
from diagnose.model import Status
from diagnose.net import DnsServerResolver, Net
from diagnose.profiles import Profile, profile_from_mapping
from diagnose.settings import Endpoint, Pin, Settings

if TYPE_CHECKING:
    from diagnose.session import Diagnosis

LAB_DOMAIN = "atera-lab.test"
"""The lab vendor's official domain (``.test`` is reserved: it never exists on the internet)."""

SIGNIN_PATH = "/users/login"

SIGNIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>
<body><h1>Sign in</h1><form method="post" action="/users/login">
<label>Email <input name="email" type="email"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form></body></html>
"""


@dataclass
class LabRun:
    """What to diagnose for one scenario, all pointing at loopback."""

    url: str
    profile: Profile
    settings: Settings
    net: Net
    clock: Clock | None = None
    only: tuple[str, ...] = ()
    """Checks the scenario is about (empty: all)."""
    observed: dict[str, Any] = field(default_factory=dict)
    """What the scenario's servers saw (live objects such as request lists), read after the
    run by tests: the server's side of the story, e.g. that nothing connected to a trap."""


ScenarioFactory = Callable[["Lab"], contextlib.AbstractAsyncContextManager[LabRun]]


@dataclass(frozen=True)
class Scenario:
    """A registered scenario and its expected diagnosis."""

    name: str
    description: str
    factory: ScenarioFactory
    expect: Mapping[str, Status]
    """Expected status per check id."""
    codes: tuple[str, ...] = ()
    """Finding codes a correct diagnosis must report."""
    area: str = ""
    demo: bool = True
    """Shown by ``login-doctor demo`` when run without a scenario name."""


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str,
    description: str,
    *,
    expect: Mapping[str, Status],
    codes: Sequence[str] = (),
    area: str = "",
    demo: bool = True,
) -> Callable[[Callable[[Lab], AsyncIterator[LabRun]]], ScenarioFactory]:
    """Register an async generator function ``(lab) -> LabRun`` as a scenario."""

    def register(fn: Callable[[Lab], AsyncIterator[LabRun]]) -> ScenarioFactory:
        factory = contextlib.asynccontextmanager(fn)
        if name in SCENARIOS:
            raise ValueError(f"duplicate lab scenario {name!r}")
        SCENARIOS[name] = Scenario(name, description, factory, dict(expect), tuple(codes), area, demo)
        return factory

    return register


def all_scenarios() -> dict[str, Scenario]:
    """Every registered scenario (imports the scenario modules on first call)."""
    from diagnose.lab import scenarios as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return SCENARIOS


class Lab:
    """Shared resources of the lab: one root CA, a temporary directory, and cleanup.

    Use as an async context manager; servers started through it are closed on exit.
    """

    def __init__(self) -> None:
        self.ca = CertificateAuthority.create("login-doctor Lab Root CA")
        self.intermediate = self.ca.intermediate("login-doctor Lab Issuing CA")
        self._tmp = tempfile.TemporaryDirectory(prefix="login-doctor-lab-")
        self.dir = Path(self._tmp.name)
        self.ca_file = self.ca.write_pem(self.dir / "lab-root-ca.pem")
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Lab:
        await self._stack.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await self._stack.__aexit__(*exc)
        finally:
            self._tmp.cleanup()

    async def enter(self, cm: contextlib.AbstractAsyncContextManager[Any]) -> Any:
        """Start something that must be stopped when the lab closes."""
        return await self._stack.enter_async_context(cm)

    def callback(self, fn: Callable[[], Any]) -> None:
        """Call ``fn`` when the lab closes (for synchronous resources)."""
        self._stack.callback(fn)

    def issue(self, names: Sequence[str], **kwargs: Any) -> Issued:
        """A certificate from the lab's issuing CA (browser-valid unless told otherwise)."""
        return self.intermediate.issue(names, **kwargs)

    async def https(self, handler: Handler, names: Sequence[str] = (f"app.{LAB_DOMAIN}",), *,
                    issued: Issued | None = None, host: str = "127.0.0.1", port: int = 0, **tls: Any) -> LabServer:
        """An HTTPS server for ``names`` with a certificate from the lab CA (on an ephemeral port unless told)."""
        cert = issued or self.issue(names)
        server: LabServer = await self.enter(LabServer(handler, tls=server_context(cert, **tls), host=host,
                                                       port=port))
        return server

    async def http(self, handler: Handler, *, host: str = "127.0.0.1") -> LabServer:
        """A plain-HTTP server."""
        server: LabServer = await self.enter(LabServer(handler, host=host))
        return server

    async def dns(self, zone: Mapping[str, Answer], **kwargs: Any) -> LabDns:
        """The lab's DNS server, answering ``zone``."""
        server: LabDns = await self.enter(LabDns(zone, **kwargs))
        return server

    def profile(self, **overrides: Any) -> Profile:
        """A vendor profile for the lab vendor (official domain ``atera-lab.test``)."""
        data: dict[str, Any] = {
            "name": "atera-lab",
            "vendor": "Atera (lab)",
            "default_url": f"https://app.{LAB_DOMAIN}{SIGNIN_PATH}",
            "official_domains": [LAB_DOMAIN],
            "signin_urls": [f"https://app.{LAB_DOMAIN}{SIGNIN_PATH}", f"https://{LAB_DOMAIN}/app"],
            "support_url": f"https://support.{LAB_DOMAIN}",
            "brand": "atera",
            "facts": {"lockout_attempts": 5, "lockout_minutes": 15},
            "connectivity": {"control_hosts": [LAB_DOMAIN, f"support.{LAB_DOMAIN}"]},
            "clock": {"ntp_servers": [], "totp_window_steps": 1},
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return profile_from_mapping(data, origin="lab")

    def profile_for(self, url: str, **overrides: Any) -> Profile:
        """The lab profile whose sign-in address is ``url`` itself (lab servers listen on
        ephemeral ports, and a vendor's own sign-in port is not unusual); ``overrides`` as
        for :meth:`profile`."""
        base = self.profile()
        return self.profile(default_url=url, signin_urls=[url, *base.signin_urls], **overrides)

    def profile_toml(self, url: str) -> str:
        """:meth:`profile_for` as a TOML file's text, for ``--profile FILE`` in CLI tests."""
        profile = self.profile_for(url)

        def strings(values: Sequence[str]) -> str:
            return "[" + ", ".join(_toml_string(v) for v in values) + "]"

        return "\n".join([
            f"name = {_toml_string(profile.name)}",
            f"vendor = {_toml_string(profile.vendor)}",
            f"default_url = {_toml_string(profile.default_url)}",
            f"official_domains = {strings(profile.official_domains)}",
            f"signin_urls = {strings(profile.signin_urls)}",
            f"support_url = {_toml_string(profile.support_url)}",
            f"brand = {_toml_string(profile.brand)}",
            "[connectivity]",
            f"control_hosts = {strings(profile.section('connectivity').get('control_hosts', []))}",
            "[clock]",
            "ntp_servers = []",
            "",
        ])

    def run(
        self,
        url: str,
        *,
        dns: LabDns,
        profile: Profile | None = None,
        pins: Sequence[Pin] = (),
        dns_servers: Sequence[Endpoint] = (),
        ntp_servers: Sequence[Endpoint] = (),
        timeout: float = 20.0,
        clock: Clock | None = None,
        only: Sequence[str] = (),
        extra: Mapping[str, str] | None = None,
    ) -> LabRun:
        """A :class:`LabRun` whose system resolver is ``dns`` and which trusts the lab CA."""
        (self.dir / "browser-home").mkdir(exist_ok=True)
        settings = Settings(
            pins=tuple(pins),
            ca_files=(self.ca_file,),
            dns_servers=tuple(dns_servers),
            ntp_servers=tuple(ntp_servers),
            timeout=timeout,
            extra=dict(extra or {}),
            # The lab diagnoses its own sites: never the person's browsers.
            browser_home=self.dir / "browser-home",
        )
        return LabRun(
            url=url,
            profile=profile or self.profile_for(url),
            settings=settings,
            net=lab_net(settings, dns),
            clock=clock,
            only=tuple(only),
        )


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lab_net(settings: Settings, dns: LabDns) -> Net:
    """A :class:`Net` that cannot leave loopback: the lab DNS is the system resolver, no proxies."""
    return Net(
        settings,
        system_resolver=DnsServerResolver(dns.host, dns.port, label=f"system (lab dns {dns.port})", timeout=2.0),
        proxy_env={},
    )


def signin_app(extra_routes: Mapping[str, Handler] | None = None) -> Handler:
    """A healthy sign-in app: ``/users/login`` serves the page, ``/`` redirects to it."""
    routes = dict(extra_routes or {})

    def handle(request: Any) -> Any:
        if request.path in routes:
            return routes[request.path](request)
        if request.path in (SIGNIN_PATH, "/app"):
            return LabResponse.html(SIGNIN_PAGE)
        if request.path == "/":
            return LabResponse.redirect(SIGNIN_PATH)
        return LabResponse.html("<h1>Not found</h1>", status=404)

    return handle


@dataclass
class DiagnosedScenario:
    """The result of running one scenario (for tests and the demo)."""

    scenario: Scenario
    report: Any
    extra: dict[str, Any] = field(default_factory=dict)
    profile: Profile | None = None
    """The vendor profile the scenario ran with (what "official" meant)."""


@contextlib.asynccontextmanager
async def scenario_diagnosis(
    name: str, *, only: Sequence[str] | None = None, timeout: float | None = None
) -> AsyncIterator[tuple[Diagnosis, LabRun]]:
    """Start the lab and scenario ``name``; yield the real :class:`~diagnose.session.Diagnosis`
    of it (not yet run) and the scenario's run. The lab stops when the block ends.

    ``timeout`` replaces the scenario's run deadline (``login-doctor demo --timeout``).
    """
    from diagnose.registry import discover
    from diagnose.session import Diagnosis, make_target

    chosen = all_scenarios()[name]
    async with Lab() as lab, chosen.factory(lab) as run:
        if timeout is not None:
            run.settings = replace(run.settings, timeout=timeout)
        registry = discover(plugins=False)
        plan = registry.plan(tuple(only if only is not None else run.only))
        yield Diagnosis(
            target=make_target(run.url, run.profile),
            profile=run.profile,
            plan=plan,
            settings=run.settings,
            net=run.net,
            warnings=registry.warnings,
            clock=run.clock or SystemClock(),
        ), run


async def diagnose_scenario(
    name: str, *, only: Sequence[str] | None = None, timeout: float | None = None
) -> DiagnosedScenario:
    """Start the lab, run scenario ``name`` through a real :class:`~diagnose.session.Diagnosis`.

    ``timeout`` replaces the scenario's run deadline (``login-doctor demo --timeout``).
    """
    async with scenario_diagnosis(name, only=only, timeout=timeout) as (diagnosis, run):
        report = await diagnosis.run()
    return DiagnosedScenario(all_scenarios()[name], report, run.observed, run.profile)
