"""Clock scenarios: NTP responders, HTTP ``Date`` servers and an injected local clock, all on loopback.

The local clock is never changed: each scenario injects an
:class:`~diagnose.lab.ntp.OffsetClock` (real time plus an offset) as the
device's clock, and sets the lab's time sources relative to real time. So
"the device is 40 s ahead" is ``local_offset=40`` with honest servers.

Time servers are named ``ntpN.atera-lab.test`` and resolved by the lab's
DNS; fallback web time sources are ``timeN.atera-lab.test`` over HTTPS with
the lab CA. :func:`clock_lab` builds any combination, and tests use it
directly when they need to look at the servers afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from diagnose.lab.dns import Answer, LabDns
from diagnose.lab.ntp import LabNtp, OffsetClock, dated
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, LabRun, scenario, signin_app
from diagnose.lab.servers import LabServer, SynDropper
from diagnose.model import Status
from diagnose.settings import Endpoint

SITE = f"app.{LAB_DOMAIN}"


@dataclass(frozen=True)
class WebTime:
    """A web server used as a time source: its clock offset, a cache ``Age``, or silence."""

    offset: float = 0.0
    age: int | None = None
    silent: bool = False
    date: bool = True


@dataclass
class ClockLab:
    """Everything a clock scenario started, for assertions."""

    run: LabRun
    ntp: list[LabNtp]
    site: LabServer | SynDropper
    web: list[LabServer | SynDropper]
    dns: LabDns
    clock: OffsetClock
    names: dict[str, str] = field(default_factory=dict)


async def _web(lab: Lab, name: str, spec: WebTime) -> LabServer | SynDropper:
    if spec.silent:
        dropper = SynDropper()
        lab.callback(dropper.close)
        return dropper
    app = signin_app() if name == SITE else None
    handler = dated(app, offset=spec.offset, age=spec.age) if spec.date else (app or signin_app())
    return await lab.https(handler, names=[name])


async def clock_lab(
    lab: Lab,
    *,
    local_offset: float = 0.0,
    ntp: Sequence[LabNtp] = (),
    site: WebTime = WebTime(),
    web: Sequence[WebTime] = (),
    resolve: bool = True,
    window: int | None = None,
    timeout: float = 20.0,
) -> ClockLab:
    """Start the time sources and return a run of the ``clock`` check against them.

    ``ntp`` responders are started here (pass them unstarted). With
    ``resolve=False`` no lab name resolves: the machine is "offline".
    """
    servers = [await lab.enter(n) for n in ntp]
    site_server = await _web(lab, SITE, site)
    web_servers = [await _web(lab, f"time{i}.{LAB_DOMAIN}", spec) for i, spec in enumerate(web, 1)]
    names = {f"ntp{i}.{LAB_DOMAIN}": "ntp" for i in range(1, len(servers) + 1)}
    names[SITE] = "site"
    names.update({f"time{i}.{LAB_DOMAIN}": "web" for i in range(1, len(web_servers) + 1)})
    zone: dict[str, Answer] = {name: ["127.0.0.1"] for name in names} if resolve else {}
    dns = await lab.dns(zone)
    clock_section: dict[str, Any] = {
        "ntp_servers": [],
        "http_date_sources": [
            f"https://time{i}.{LAB_DOMAIN}:{s.port}/" for i, s in enumerate(web_servers, 1)
        ],
    }
    if window is not None:
        clock_section["totp_window_steps"] = window
    clock = OffsetClock(local_offset)
    url = f"https://{SITE}:{site_server.port}{SIGNIN_PATH}"
    # The site's own address (on the lab's port) is the profile's sign-in address, as in every other
    # area's scenarios: ``demo NAME --tui`` judges the address it shows, and a warning about the lab's
    # port would be the first thing a person read.
    run = lab.run(
        url,
        dns=dns,
        profile=lab.profile_for(url, clock=clock_section),
        ntp_servers=[Endpoint(f"ntp{i}.{LAB_DOMAIN}", s.port) for i, s in enumerate(servers, 1)],
        clock=clock,
        only=["clock"],
        timeout=timeout,
    )
    run.observed.update(
        ntp_queries=[n.queries for n in servers],
        site_requests=getattr(site_server, "requests", None),
        web_requests=[getattr(w, "requests", None) for w in web_servers],
        dns_queries=dns.queries,
    )
    return ClockLab(run, servers, site_server, web_servers, dns, clock, names)


def _three(*offsets: float) -> list[LabNtp]:
    return [LabNtp(offset=o) for o in offsets]


GOOD = (0.0, 0.002, -0.003)


@scenario(
    "clock-in-sync",
    "Three time servers agree and the device clock is right: authenticator codes will be accepted.",
    expect={"clock": Status.PASS},
    codes=["clock.in_sync"],
    area="clock",
)
async def in_sync(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, ntp=_three(*GOOD))).run


@scenario(
    "clock-ahead-40s",
    "The device clock is 40 s ahead: with a ±1-step window, codes work only some of the time.",
    expect={"clock": Status.WARN},
    codes=["clock.totp_intermittent"],
    area="clock",
)
async def ahead_40s(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, local_offset=40.0, ntp=_three(*GOOD))).run


@scenario(
    "clock-behind-95s",
    "The device clock is 95 s behind: codes are rejected (SAML's usual 3 minutes would still hold).",
    expect={"clock": Status.FAIL},
    codes=["clock.totp_rejected"],
    area="clock",
)
async def behind_95s(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, local_offset=-95.0, ntp=_three(*GOOD))).run


@scenario(
    "clock-ahead-6min",
    "The device clock is 6 minutes ahead: codes are rejected, and Kerberos (5 minutes) would fail too.",
    expect={"clock": Status.FAIL},
    codes=["clock.totp_rejected", "clock.kerberos_skew"],
    area="clock",
)
async def ahead_6min(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, local_offset=360.0, ntp=_three(*GOOD))).run


@scenario(
    "clock-falseticker",
    "One of three time servers is an hour off: the other two outvote it and it is named a falseticker.",
    expect={"clock": Status.PASS},
    codes=["clock.in_sync", "clock.falseticker"],
    area="clock",
)
async def falseticker(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, ntp=_three(0.0, 0.01, 3600.0))).run


def claiming_year(year: int) -> float:
    """The offset from real time of a server whose clock says 1 January of ``year``."""
    import datetime as dt
    import time

    return dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp() - time.time()


@scenario(
    "clock-ntp-1903",
    "One of three time servers says it is 1903 (an unset clock; read in the nearest NTP era, 2039): "
    "the other two agree, so it is named a falseticker and the clock passes.",
    expect={"clock": Status.PASS},
    codes=["clock.in_sync", "clock.falseticker"],
    area="clock",
)
async def ntp_1903(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, ntp=[LabNtp(), LabNtp(offset=0.002), LabNtp(offset=claiming_year(1903))])).run


@scenario(
    "clock-ntp-1903-alone",
    "The only time server says it is 1903, while the sign-in site's and two other web servers' Date "
    "headers agree with this device: one source alone never fails the clock by years; the web clocks "
    "outvote it and it is named a falseticker.",
    expect={"clock": Status.PASS},
    codes=["clock.in_sync", "clock.falseticker"],
    area="clock",
)
async def ntp_1903_alone(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, ntp=[LabNtp(offset=claiming_year(1903))], web=[WebTime(), WebTime()])).run


@scenario(
    "clock-lone-source-hours",
    "NTP is blocked and the sign-in site's Date, the only time source, puts this device 3 hours ahead: "
    "one source alone is not enough for a verdict of hours, so the check says what would settle it.",
    expect={"clock": Status.ERROR},
    codes=["clock.single_source", "clock.ntp_blocked"],
    area="clock",
)
async def lone_source_hours(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, local_offset=3 * 3600.0, ntp=[LabNtp(drop=True)])).run


@scenario(
    "clock-ahead-400d-ntp-blocked",
    "This device's clock runs 400 days ahead and NTP is blocked: the sign-in site's Date is the only time "
    "source (on a real device the wrong clock makes its certificate unverifiable, so it is read "
    "unverified, for the time only), and the certificate's own dates confirm the clock is wrong. The "
    "clock is blamed, not the certificate.",
    expect={"clock": Status.FAIL, "certificate": Status.FAIL},
    codes=["clock.totp_rejected", "clock.ntp_blocked", "certificate.clock_skew"],
    area="clock",
)
async def ahead_400d_ntp_blocked(lab: Lab) -> AsyncIterator[LabRun]:
    world = await clock_lab(lab, local_offset=400 * 86400.0, ntp=[LabNtp(drop=True)])
    world.run.only = ("clock", "certificate")
    yield world.run


@scenario(
    "clock-no-majority",
    "Three time servers at 0, +30 and +60 s: no majority agrees, so the result is inconclusive.",
    expect={"clock": Status.ERROR},
    codes=["clock.sources_disagree"],
    area="clock",
)
async def no_majority(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, ntp=_three(0.0, 30.0, 60.0))).run


@scenario(
    "clock-kiss-of-death",
    "One time server answers Kiss-o'-Death RATE: its answer is ignored (ntplib would use it), the others agree.",
    expect={"clock": Status.PASS},
    codes=["clock.in_sync", "clock.ntp_kiss_of_death"],
    area="clock",
)
async def kiss_of_death(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, ntp=[LabNtp(), LabNtp(offset=0.002), LabNtp(kiss="RATE")])).run


@scenario(
    "clock-leap-unsynchronised",
    "One time server says it is unsynchronised (leap indicator 3) and is an hour off: it is ignored.",
    expect={"clock": Status.PASS},
    codes=["clock.in_sync", "clock.ntp_unsynchronised"],
    area="clock",
)
async def leap_unsynchronised(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, ntp=[LabNtp(), LabNtp(offset=0.002), LabNtp(leap=3, offset=3600.0)])).run


@scenario(
    "clock-spoofed-reply",
    "One reply does not echo the request (a forged answer claiming +1 hour): it is rejected.",
    expect={"clock": Status.PASS},
    codes=["clock.in_sync", "clock.ntp_bad_reply"],
    area="clock",
)
async def spoofed(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, ntp=[LabNtp(), LabNtp(offset=0.002), LabNtp(spoof=True, offset=3600.0)])).run


@scenario(
    "clock-ntp-blocked",
    "UDP 123 is blocked (time servers silent); the device is 7.3 s ahead, measured from HTTP Date headers.",
    expect={"clock": Status.PASS},
    codes=["clock.ntp_blocked", "clock.in_sync"],
    area="clock",
)
async def ntp_blocked(lab: Lab) -> AsyncIterator[LabRun]:
    yield (
        await clock_lab(
            lab, local_offset=7.3, ntp=[LabNtp(drop=True), LabNtp(drop=True)], web=[WebTime(), WebTime()]
        )
    ).run


@scenario(
    "clock-server-clock-off",
    "The device clock is right but the sign-in site's own Date is 4 minutes ahead: a server-side problem.",
    expect={"clock": Status.PASS},
    codes=["clock.in_sync", "clock.server_clock_off"],
    area="clock",
)
async def server_clock_off(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, ntp=_three(*GOOD), site=WebTime(offset=240.0))).run


@scenario(
    "clock-cached-date",
    "NTP is blocked and the sign-in site answers from a cache (Date 5 minutes old, Age: 300): "
    "that Date is discarded; two other web clocks show the device 40 s ahead.",
    expect={"clock": Status.WARN},
    codes=["clock.ntp_blocked", "clock.http_date_cached", "clock.totp_intermittent"],
    area="clock",
)
async def cached_date(lab: Lab) -> AsyncIterator[LabRun]:
    yield (
        await clock_lab(
            lab,
            local_offset=40.0,
            ntp=[LabNtp(drop=True)],
            site=WebTime(age=300),
            web=[WebTime(), WebTime()],
        )
    ).run


@scenario(
    "clock-offline",
    "Nothing resolves (offline): no time source can be asked and none is probed by address; "
    "the check says it could not measure (skip, never pass).",
    expect={"clock": Status.SKIP},
    codes=["clock.no_time_source"],
    area="clock",
)
async def offline(lab: Lab) -> AsyncIterator[LabRun]:
    yield (await clock_lab(lab, ntp=_three(*GOOD), web=[WebTime()], resolve=False)).run


@scenario(
    "clock-only-invalid-ntp",
    "Every time server's answer is invalid (Kiss-o'-Death, unsynchronised, forged) and the site sends "
    "no Date: no validated source, so no verdict.",
    expect={"clock": Status.ERROR},
    codes=[
        "clock.no_time_source",
        "clock.ntp_kiss_of_death",
        "clock.ntp_unsynchronised",
        "clock.ntp_bad_reply",
    ],
    area="clock",
)
async def only_invalid(lab: Lab) -> AsyncIterator[LabRun]:
    yield (
        await clock_lab(
            lab,
            ntp=[LabNtp(kiss="DENY"), LabNtp(leap=3), LabNtp(spoof=True)],
            site=WebTime(date=False),
        )
    ).run


@scenario(
    "clock-all-silent",
    "Every time source is silent (NTP dropped, web servers never answer): the check still ends "
    "within its time limit and says it could not measure.",
    expect={"clock": Status.ERROR},
    codes=["clock.no_time_source", "clock.ntp_blocked"],
    area="clock",
    demo=False,
)
async def all_silent(lab: Lab) -> AsyncIterator[LabRun]:
    yield (
        await clock_lab(
            lab,
            ntp=[LabNtp(drop=True), LabNtp(drop=True)],
            site=WebTime(silent=True),
            web=[WebTime(silent=True)],
        )
    ).run
