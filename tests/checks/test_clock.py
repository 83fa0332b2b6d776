"""The ``clock`` check against the lab's NTP responders and HTTP Date servers, all on loopback.

The device's clock is injected (real time plus an offset) and the lab's time
sources run on real time (plus their own offsets), so every expected offset
is known exactly; nothing here changes the machine's clock.
"""

from __future__ import annotations

import asyncio
import calendar
import io
import re
import struct
import time
import tokenize
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from checks._clock import ntp
from checks._clock.httpdate import DateSample, HttpDateSource, next_send_time, parse_http_date
from checks._clock.select import select
from checks._clock.timebase import Timebase
from checks._clock.verdict import Band, band_of, duration_text, judge, offset_text
from diagnose.check import SystemClock
from diagnose.lab.ntp import LabNtp, dated
from diagnose.lab.scenario import Lab, LabRun, all_scenarios, diagnose_scenario
from diagnose.lab.scenarios.clock import ClockLab, WebTime, clock_lab
from diagnose.model import CheckResult, Report, Status, report_to_json
from diagnose.net import Net, UdpReply
from diagnose.redact import Redactor
from diagnose.settings import Endpoint
from reports.schema import validation_errors

ROOT = Path(__file__).resolve().parents[2]
CLOCK_SCENARIOS = sorted(name for name in all_scenarios() if name.startswith("clock-"))


# ------------------------------------------------------------------------------ helpers


async def diagnose(run: LabRun) -> Report:
    """Run the clock check of ``run`` through a real Diagnosis (as the CLI and the demo do)."""
    from diagnose.registry import discover
    from diagnose.session import Diagnosis, make_target

    registry = discover(plugins=False)
    diagnosis = Diagnosis(
        target=make_target(run.url, run.profile),
        profile=run.profile,
        plan=registry.plan(("clock",)),
        settings=run.settings,
        net=run.net,
        clock=run.clock or SystemClock(),
    )
    return await diagnosis.run()


def clock_result(report: Report) -> CheckResult:
    assert validation_errors(report_to_json(report)) == []
    return next(c for c in report.checks if c.id == "clock")


def codes(result: CheckResult) -> list[str]:
    return [f.code for f in result.findings]


def source(result: CheckResult, **match: Any) -> dict[str, Any]:
    found = [s for s in result.details["sources"] if all(s.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, result.details["sources"])
    return dict(found[0])


def reply(
    nonce: int,
    t2: float,
    t3: float,
    *,
    first: int = 0x24,
    stratum: int = 2,
    refid: bytes = b"LAB\0",
    reference: float | None = None,
    root_delay: float = 0.0,
    root_dispersion: float = 0.0,
    precision: int = -20,
    origin: int | None = None,
) -> bytes:
    """A server reply built independently of the code under test."""

    def ts(unix: float) -> int:
        value = unix + 2_208_988_800
        return (int(value) << 32) | int((value - int(value)) * 2**32)

    return struct.pack(
        "!BBbbII4sQQQQ",
        first,
        stratum,
        6,
        precision,
        int(root_delay * 65536),
        int(root_dispersion * 65536),
        refid,
        ts(reference if reference is not None else t2 - 10),
        nonce if origin is None else origin,
        ts(t2),
        ts(t3),
    )


# ------------------------------------------------------------------------------ NTP packets


def test_request_is_a_version_4_client_packet_whose_transmit_time_is_the_nonce() -> None:
    nonce = ntp.new_nonce()
    data = ntp.build_request(nonce)
    assert len(data) == 48
    assert data[0] == 0x23  # LI 0, version 4, mode 3 (client)
    assert struct.unpack_from("!Q", data, 40)[0] == nonce
    assert data[1:40] == bytes(39)  # nothing about the local clock leaks


def test_offset_and_delay_follow_rfc_5905_with_local_minus_server_sign() -> None:
    t1, t4 = 1_800_000_000.0, 1_800_000_000.2
    # The server is 5 s behind the local clock; 0.05 s of processing in the middle.
    t2, t3 = t1 + 0.075 - 5, t1 + 0.125 - 5
    result = ntp.evaluate(reply(7, t2, t3, root_delay=0.01, root_dispersion=0.02), 7, t1, t4)
    assert isinstance(result, ntp.Measurement)
    assert result.offset == pytest.approx(5.0, abs=1e-6)
    assert result.delay == pytest.approx(0.15, abs=1e-6)
    assert result.root_distance == pytest.approx((0.01 + 0.15) / 2 + 0.02, abs=1e-4)
    low, high = result.interval
    assert low < 5.0 < high


@pytest.mark.parametrize(
    ("kwargs", "kind", "words"),
    [
        ({"first": 0x23}, ntp.Rejection.BAD_REPLY, "mode 3"),
        ({"origin": 8}, ntp.Rejection.BAD_REPLY, "origin"),
        ({"stratum": 0, "refid": b"RATE"}, ntp.Rejection.KISS_O_DEATH, "RATE"),
        ({"stratum": 0, "refid": b"DENY"}, ntp.Rejection.KISS_O_DEATH, "denied"),
        ({"first": 0xE4}, ntp.Rejection.UNSYNCHRONISED, "leap indicator 3"),
        ({"stratum": 16}, ntp.Rejection.UNSYNCHRONISED, "stratum 16"),
        ({"reference": -2_208_988_800.0}, ntp.Rejection.UNSYNCHRONISED, "never been synchronised"),
        ({"root_dispersion": 2.0}, ntp.Rejection.UNSYNCHRONISED, "root distance"),
        ({"first": 0x3C}, ntp.Rejection.BAD_REPLY, "version 7"),
    ],
)
def test_replies_ntplib_would_accept_are_rejected(kwargs: dict[str, Any], kind: ntp.Rejection, words: str) -> None:
    t1 = 1_800_000_000.0
    result = ntp.evaluate(reply(7, t1 + 0.01, t1 + 0.01, **kwargs), 7, t1, t1 + 0.02)
    assert isinstance(result, ntp.Rejected)
    assert result.kind is kind
    assert words in result.reason


def test_a_forged_kiss_of_death_is_only_a_bad_reply() -> None:
    """The origin is checked first: an off-path attacker cannot make us believe a kiss code."""
    t1 = 1_800_000_000.0
    result = ntp.evaluate(reply(7, t1, t1, stratum=0, refid=b"DENY", origin=9), 7, t1, t1)
    assert isinstance(result, ntp.Rejected) and result.kind is ntp.Rejection.BAD_REPLY


def test_impossible_timestamps_and_short_packets_are_rejected() -> None:
    t1 = 1_800_000_000.0
    backwards = ntp.evaluate(reply(7, t1 + 1, t1 + 0.5), 7, t1, t1 + 0.1)
    assert isinstance(backwards, ntp.Rejected) and "before its receive" in backwards.reason
    short = ntp.evaluate(b"\x24" * 47, 7, t1, t1)
    assert isinstance(short, ntp.Rejected) and short.kind is ntp.Rejection.BAD_REPLY


def test_ntp_timestamps_after_the_2036_era_wrap() -> None:
    after_wrap = 2**32 - 2_208_988_800 + 100.25  # 2036-02-07 plus 100.25 s, in Unix seconds
    raw = int((after_wrap + 2_208_988_800 - 2**32) * 2**32)  # era 1 wraps the seconds field
    assert ntp.to_unix(raw, near=after_wrap - 5) == pytest.approx(after_wrap)
    now = 1_800_000_000.5
    assert ntp.to_unix(int((now + 2_208_988_800) * 2**32), near=now) == pytest.approx(now)


async def test_ntplib_accepts_a_kiss_of_death_and_a_forged_reply_that_the_check_rejects() -> None:
    """Why the packet is validated here: ntplib returns both as normal results."""
    import ntplib

    async with LabNtp(kiss="RATE") as kod, LabNtp(spoof=True, offset=3600) as forged:
        kod_stats = await asyncio.to_thread(ntplib.NTPClient().request, "127.0.0.1", 4, kod.port, 2)
        forged_stats = await asyncio.to_thread(ntplib.NTPClient().request, "127.0.0.1", 4, forged.port, 2)
        assert kod_stats.stratum == 0 and abs(kod_stats.offset) < 1
        # ntplib even takes the forged origin as its T1, so its "offset" is nonsense.
        assert abs(forged_stats.offset) > 1
        net = Net(proxy_env={})
        tb = Timebase(SystemClock())
        ours_kod = await ntp.exchange(net, "127.0.0.1", kod.port, tb.now, 2)
        ours_forged = await ntp.exchange(net, "127.0.0.1", forged.port, tb.now, 2)
    assert isinstance(ours_kod, ntp.Rejected) and ours_kod.kind is ntp.Rejection.KISS_O_DEATH
    assert ours_kod.kiss_code == "RATE"
    assert isinstance(ours_forged, ntp.Rejected) and ours_forged.kind is ntp.Rejection.BAD_REPLY


async def test_lab_responder_offset_is_measured_by_an_independent_client() -> None:
    import ntplib

    async with LabNtp(offset=-95.5) as server:
        stats = await asyncio.to_thread(ntplib.NTPClient().request, "127.0.0.1", 4, server.port, 2)
    assert stats.offset == pytest.approx(-95.5, abs=0.05)  # ntplib's sign: server minus local


# ------------------------------------------------------------------------------ selection


def test_intersection_keeps_agreeing_sources_and_names_the_falseticker() -> None:
    chosen = select([(-0.011, 0.011), (-0.001, 0.021), (3599.99, 3600.01)])
    assert chosen is not None
    assert chosen.truechimers == (0, 1) and chosen.falsetickers == (2,)
    assert (chosen.low, chosen.high) == (-0.001, 0.011)
    assert chosen.offset == pytest.approx(0.005)


def test_intersection_without_a_majority_is_none() -> None:
    assert select([(-0.01, 0.01), (29.99, 30.01), (59.99, 60.01)]) is None
    assert select([(0.0, 1.0), (2.0, 3.0)]) is None  # two that disagree: no majority either
    assert select([]) is None


def test_intersection_of_one_and_of_touching_intervals() -> None:
    one = select([(1.0, 2.0)])
    assert one is not None and (one.low, one.high) == (1.0, 2.0)
    touching = select([(0.0, 1.0), (1.0, 2.0), (1.0, 1.5)])
    assert touching is not None and (touching.low, touching.high) == (1.0, 1.0)
    assert touching.falsetickers == ()


# ------------------------------------------------------------------------------ HTTP Date


def test_http_date_parsing() -> None:
    assert parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") is None  # before 2000: not a live clock
    assert parse_http_date("Sun, 22 Nov 2026 16:06:07 GMT") == calendar.timegm((2026, 11, 22, 16, 6, 7))
    assert parse_http_date("Sunday, 22-Nov-26 16:06:07 GMT") == calendar.timegm((2026, 11, 22, 16, 6, 7))
    assert parse_http_date("yesterday") is None
    assert parse_http_date("") is None


def test_one_date_bounds_the_offset_and_age_marks_a_cached_answer() -> None:
    sample = DateSample(sent=100.3, received=100.4, date=95.0, date_header="", age=None, status_code=200)
    assert sample.bounds == pytest.approx((4.3, 5.4))
    assert not sample.cached
    assert DateSample(1, 2, 0, "", "300", 200).cached
    assert not DateSample(1, 2, 0, "", "0", 200).cached
    assert DateSample(1, 2, 0, "", "soon", 200).cached


@pytest.mark.parametrize("now", [1000.0, 1000.13, 1000.5, 1000.99])
def test_next_request_is_timed_to_cut_the_interval(now: float) -> None:
    low, high, rtt = 6.9, 7.9, 0.04
    send = next_send_time(low, high, rtt, now)
    assert send >= now
    # The server's clock reads a whole second at the assumed arrival time for an offset
    # hypothesis inside the interval: the answer splits it.
    arrival = send + rtt / 2
    hypothesis = arrival - round(arrival - (low + high) / 2)
    assert low < hypothesis < high
    assert send - now < 1.0 + 1e-9


async def test_date_estimate_is_within_half_a_second_and_its_interval_holds_the_truth() -> None:
    async with Lab() as lab:
        server = await lab.http(dated(offset=7.3))
        dns = await lab.dns({})
        run = lab.run(server.url("/"), dns=dns)
        tb = Timebase(SystemClock())
        estimate = HttpDateSource(server.url("/"), "fallback", run.net, tb, Redactor())
        try:
            await estimate.refine(8, tb.mono() + 6)
        finally:
            await estimate.aclose()
        assert all(r.method == "HEAD" and r.header("cache-control") == "no-cache" for r in server.requests)
    interval = estimate.interval
    assert interval is not None
    low, high = interval
    assert low - 1e-3 <= -7.3 <= high + 1e-3  # local − server; rigorous bounds
    assert abs((low + high) / 2 + 7.3) < 0.5
    assert len(estimate.samples) >= 2


# ------------------------------------------------------------------------------ verdict


@pytest.mark.parametrize(
    ("offset", "window", "band"),
    [
        (0.0, 1, Band.IN_SYNC),
        (29.9, 1, Band.IN_SYNC),
        (-30.0, 1, Band.INTERMITTENT),
        (60.0, 1, Band.INTERMITTENT),
        (60.1, 1, Band.REJECTED),
        (-95.0, 1, Band.REJECTED),
        (40.0, 2, Band.IN_SYNC),
        (89.0, 2, Band.INTERMITTENT),
        (0.0, 0, Band.INTERMITTENT),
    ],
)
def test_totp_bands(offset: float, window: int, band: Band) -> None:
    assert band_of(abs(offset), window) is band


def test_uncertainty_is_judged_on_the_worst_case() -> None:
    straddling = judge(29.8, 0.3, 1)
    assert straddling.band is Band.INTERMITTENT and not straddling.certain
    clear = judge(12.0, 0.3, 1)
    assert clear.band is Band.IN_SYNC and clear.certain


def test_offsets_in_plain_words() -> None:
    assert offset_text(40.0) == "40.0 seconds ahead of the correct time"
    assert offset_text(-95.0) == "1 minute 35 seconds behind the correct time"
    assert offset_text(0.001) == "on time"
    assert duration_text(360) == "6 minutes"
    assert duration_text(7322) == "2 hours 2 minutes"


# ------------------------------------------------------------------------------ scenarios

EXPECTED_OFFSET = {
    # scenario: (offset_s, tolerance) — local minus true time.
    "clock-in-sync": (0.0, 0.02),
    "clock-ahead-40s": (40.0, 0.02),
    "clock-behind-95s": (-95.0, 0.02),
    "clock-ahead-6min": (360.0, 0.02),
    "clock-falseticker": (0.0, 0.02),
    "clock-kiss-of-death": (0.0, 0.02),
    "clock-leap-unsynchronised": (0.0, 0.02),
    "clock-spoofed-reply": (0.0, 0.02),
    "clock-ntp-blocked": (7.3, 0.5),
    "clock-server-clock-off": (0.0, 0.02),
    "clock-cached-date": (40.0, 0.5),
}


@pytest.fixture(scope="module")
def scenario_results() -> dict[str, CheckResult]:
    """Every clock scenario, diagnosed once (concurrently, to keep the suite fast)."""

    gate = asyncio.Semaphore(6)  # one event loop: too many TLS handshakes at once starve the timing

    async def one(name: str) -> CheckResult:
        async with gate:
            return clock_result((await diagnose_scenario(name)).report)

    async def all_of_them() -> list[CheckResult]:
        return list(await asyncio.gather(*(one(name) for name in CLOCK_SCENARIOS)))

    return dict(zip(CLOCK_SCENARIOS, asyncio.run(all_of_them()), strict=True))


def test_every_issue_scenario_is_registered() -> None:
    assert set(EXPECTED_OFFSET) | {"clock-no-majority", "clock-offline", "clock-only-invalid-ntp",
                                   "clock-all-silent"} <= set(CLOCK_SCENARIOS)


@pytest.mark.parametrize("name", CLOCK_SCENARIOS)
def test_scenario_status_and_codes(name: str, scenario_results: dict[str, CheckResult]) -> None:
    chosen = all_scenarios()[name]
    result = scenario_results[name]
    assert result.status is chosen.expect["clock"], result.summary
    assert {c for c in chosen.codes if c.startswith("clock.")} <= set(codes(result)), codes(result)
    assert "error" not in result.details  # the check decided by itself; the runner did not cut it off


@pytest.mark.parametrize("name", sorted(EXPECTED_OFFSET))
def test_scenario_offset_within_tolerance_and_uncertainty_is_honest(
    name: str, scenario_results: dict[str, CheckResult]
) -> None:
    expected, tolerance = EXPECTED_OFFSET[name]
    details = scenario_results[name].details
    assert details["offset_s"] == pytest.approx(expected, abs=tolerance)
    # The lab's honest servers sit within 3 ms of real time: the reported bound must cover that.
    assert abs(details["offset_s"] - expected) <= details["uncertainty_s"] + 0.005
    assert details["totp_steps"] == pytest.approx(details["offset_s"] / 30, abs=1e-3)


@pytest.mark.parametrize("name", CLOCK_SCENARIOS)
def test_never_pass_without_a_validated_source(name: str, scenario_results: dict[str, CheckResult]) -> None:
    result = scenario_results[name]
    used = [s for s in result.details["sources"] if s["validated"] and s["result"] == "truechimer"]
    if result.status in (Status.PASS, Status.WARN, Status.FAIL):
        assert used, result.details["sources"]
        assert result.details["offset_s"] is not None
    elif result.details["verdict"] == "unconfirmed":  # one source alone: measured, shown, not a verdict
        assert len(used) == 1 and result.details["offset_s"] is not None
    else:
        assert result.details["offset_s"] is None
        assert result.title == "Your device clock could not be checked"


def test_falseticker_is_named(scenario_results: dict[str, CheckResult]) -> None:
    result = scenario_results["clock-falseticker"]
    assert [name.split(":")[0] for name in result.details["falsetickers"]] == ["ntp3.atera-lab.test"]
    assert source(result, server="ntp3.atera-lab.test")["result"] == "falseticker"
    finding = next(f for f in result.findings if f.code == "clock.falseticker")
    assert "ntp3.atera-lab.test" in finding.message


def test_no_majority_is_inconclusive_not_a_guess(scenario_results: dict[str, CheckResult]) -> None:
    result = scenario_results["clock-no-majority"]
    assert result.details["verdict"] == "inconclusive"
    assert result.details["offset_s"] is None
    assert {s["result"] for s in result.details["sources"] if s["kind"] == "ntp"} == {"candidate"}


@pytest.mark.parametrize(
    ("name", "server", "words"),
    [
        ("clock-kiss-of-death", "ntp3.atera-lab.test", "Kiss-o'-Death 'RATE'"),
        ("clock-leap-unsynchronised", "ntp3.atera-lab.test", "leap indicator 3"),
        ("clock-spoofed-reply", "ntp3.atera-lab.test", "origin timestamp"),
    ],
)
def test_invalid_replies_are_rejected_with_a_reason_not_outvoted(
    name: str, server: str, words: str, scenario_results: dict[str, CheckResult]
) -> None:
    result = scenario_results[name]
    bad = source(result, server=server)
    assert bad["result"] == "rejected" and not bad["validated"]
    assert words in bad["reason"]
    assert result.details["falsetickers"] == []
    assert len(result.details["truechimers"]) == 2


def test_blocked_ntp_falls_back_to_http_dates(scenario_results: dict[str, CheckResult]) -> None:
    result = scenario_results["clock-ntp-blocked"]
    assert result.details["method"] == "http_date"
    assert {s["result"] for s in result.details["sources"] if s["kind"] == "ntp"} == {"no_reply"}
    web = [s for s in result.details["sources"] if s["kind"] == "http_date"]
    assert len(web) == 3 and all(s["result"] == "truechimer" for s in web)
    assert result.details["uncertainty_s"] < 0.5


def test_target_whose_clock_is_off_is_reported_as_server_side(scenario_results: dict[str, CheckResult]) -> None:
    result = scenario_results["clock-server-clock-off"]
    assert result.details["server_date_offset_s"] == pytest.approx(240.0, abs=1.1)
    assert result.details["saml"]["within"] is False
    finding = next(f for f in result.findings if f.code == "clock.server_clock_off")
    assert re.search(r"4 minutes( 1 second)? ahead", finding.message) and "service's side" in finding.message


def test_cached_date_is_discarded_not_outvoted(scenario_results: dict[str, CheckResult]) -> None:
    result = scenario_results["clock-cached-date"]
    site = source(result, role="target")
    assert site["result"] == "rejected" and site["cached_samples"] == 1 and site["last_age_header"] == "300"
    assert result.details["server_date_offset_s"] is None  # a cached Date says nothing about the site's clock
    assert len(result.details["truechimers"]) == 2


def test_kerberos_and_saml_are_reported_as_information(scenario_results: dict[str, CheckResult]) -> None:
    six = scenario_results["clock-ahead-6min"]
    assert six.details["kerberos"]["within"] is False
    assert next(f for f in six.findings if f.code == "clock.kerberos_skew").severity == "info"
    ninety_five = scenario_results["clock-behind-95s"]
    assert ninety_five.details["kerberos"]["within"] is True
    assert "clock.kerberos_skew" not in codes(ninety_five)
    assert ninety_five.details["saml"]["tolerance_s"] == 180


def test_details_give_the_reference_time_and_say_the_phone_matters(
    scenario_results: dict[str, CheckResult],
) -> None:
    result = scenario_results["clock-ahead-40s"]
    details = result.details
    reference = datetime.fromisoformat(details["reference_utc"].replace("Z", "+00:00")).timestamp()
    assert abs(reference - time.time()) < 60  # the true time, not the device's (which is 40 s ahead)
    device = datetime.fromisoformat(details["measured_at_local_utc"].replace("Z", "+00:00")).timestamp()
    assert device - reference == pytest.approx(40.0, abs=0.05)
    finding = next(f for f in result.findings if f.code == "clock.totp_intermittent")
    assert "phone" in finding.message and details["reference_local"] in finding.remediation
    for key in ("offset_s", "uncertainty_s", "totp_steps", "verdict", "sources", "kerberos", "saml",
                "server_date_offset_s", "reference_utc", "method"):
        assert key in details
    in_sync = next(f for f in scenario_results["clock-in-sync"].findings if f.code == "clock.in_sync")
    assert "phone" in in_sync.message


def test_all_silent_sources_end_by_the_checks_own_deadline(scenario_results: dict[str, CheckResult]) -> None:
    """The runner's timeout would leave an error with no findings; the check's own deadline
    ends it first, with what it learnt."""
    result = scenario_results["clock-all-silent"]
    assert result.status is Status.ERROR
    assert "clock.no_time_source" in codes(result) and "clock.ntp_blocked" in codes(result)
    assert "error" not in result.details and result.details["verdict"] == "no_time_source"
    assert {s["result"] for s in result.details["sources"]} == {"no_reply"}


def test_could_not_measure_never_reads_as_passed_on_the_checklist() -> None:
    for name, expected in (("clock-offline", Status.SKIP), ("clock-only-invalid-ntp", Status.ERROR)):
        report = asyncio.run(diagnose_scenario(name)).report
        item = next(i for i in report.checklist if i.id == "clock")
        assert item.status is expected


# ------------------------------------------------------------------------------ direct runs


@dataclass
class RecordingNet(Net):
    """The lab's Net, noting every UDP exchange and every TCP connection it makes."""

    udp: list[tuple[str, int]] = field(default_factory=list)
    tcp: list[tuple[str, int, str]] = field(default_factory=list)

    async def udp_exchange_timed(
        self, host: str, port: int, payload: bytes, timeout: float, now: Callable[[], float]
    ) -> UdpReply:
        self.udp.append((host, port))
        return await super().udp_exchange_timed(host, port, payload, timeout, now)

    def http_client(self, *, on_connect: Callable[[str, int, str], None] | None = None, **kwargs: Any) -> Any:
        return super().http_client(on_connect=lambda h, p, a: self.tcp.append((h, p, a)), **kwargs)


def recording(world: ClockLab) -> RecordingNet:
    net = RecordingNet(world.run.settings, system_resolver=world.run.net.system_resolver, proxy_env={})
    world.run.net = net
    return net


async def test_offline_probes_nothing_and_finishes_at_once() -> None:
    async with Lab() as lab:
        world = await clock_lab(lab, ntp=[LabNtp(), LabNtp()], web=[WebTime()], resolve=False)
        net = recording(world)
        result = clock_result(await diagnose(world.run))
        assert result.status is Status.SKIP
        assert codes(result) == ["clock.no_time_source"]
        assert "offline" in result.findings[0].message
        assert net.udp == [] and net.tcp == []
        assert all(n.queries == [] for n in world.ntp)
        # Only names were looked up, through the (lab) system resolver.
        assert {q[1] for q in world.dns.queries} <= set(world.names)


async def test_ntp_server_option_replaces_the_profile_servers() -> None:
    async with Lab() as lab, LabNtp(offset=0.0) as chosen, LabNtp(offset=3600.0) as profile_server:
        world = await clock_lab(lab)
        dns = await lab.dns({"profile-ntp.atera-lab.test": ["127.0.0.1"], "app.atera-lab.test": ["127.0.0.1"]})
        base = lab.profile(clock={"ntp_servers": [f"profile-ntp.atera-lab.test:{profile_server.port}"]})
        with_profile = lab.run(world.run.url, dns=dns, profile=base, only=["clock"])
        result = clock_result(await diagnose(with_profile))
        assert result.details["ntp_servers_from"] == "profile"
        assert result.status is Status.FAIL  # the profile's server is an hour ahead of this device
        assert len(profile_server.queries) == 1
        overridden = lab.run(world.run.url, dns=dns, profile=base, ntp_servers=[Endpoint("127.0.0.1", chosen.port)])
        result = clock_result(await diagnose(overridden))
        assert result.details["ntp_servers_from"] == "--ntp-server"
        assert result.status is Status.PASS
        assert len(profile_server.queries) == 1 and len(chosen.queries) == 1


async def test_window_comes_from_the_profile() -> None:
    async with Lab() as lab:
        wide = await clock_lab(lab, local_offset=40.0, ntp=[LabNtp()], window=2)
        result = clock_result(await diagnose(wide.run))
        assert result.status is Status.PASS and result.details["totp_window_steps"] == 2
        assert result.details["bands_s"] == {"pass_below": 60.0, "warn_up_to": 90.0}


async def test_kiss_of_death_gets_one_packet_and_no_retry() -> None:
    async with Lab() as lab:
        world = await clock_lab(lab, ntp=[LabNtp(kiss="RATE"), LabNtp(), LabNtp()])
        result = clock_result(await diagnose(world.run))
        assert result.status is Status.PASS
        assert [len(n.queries) for n in world.ntp] == [1, 1, 1]
        finding = next(f for f in result.findings if f.code == "clock.ntp_kiss_of_death")
        assert finding.evidence["kiss_code"] == "RATE"


async def test_only_invalid_time_servers_never_pass_even_with_the_local_clock_right() -> None:
    async with Lab() as lab:
        world = await clock_lab(
            lab, ntp=[LabNtp(kiss="RATE"), LabNtp(leap=3), LabNtp(spoof=True)], site=WebTime(date=False)
        )
        result = clock_result(await diagnose(world.run))
        assert result.status is Status.ERROR
        assert result.details["validated_sources"] == []
        assert source(result, role="target")["reason"] == "the response has no readable Date header"


async def test_a_short_run_deadline_is_respected_too() -> None:
    """With --timeout 2.5 and every source silent, the check still concludes by itself."""
    async with Lab() as lab:
        world = await clock_lab(
            lab, ntp=[LabNtp(drop=True)], site=WebTime(silent=True), web=[WebTime(silent=True)], timeout=2.5
        )
        report = await diagnose(world.run)
        result = clock_result(report)
        assert report.warnings == ()  # the run's deadline was not hit
        assert result.status is Status.ERROR and "clock.no_time_source" in codes(result)
        assert "error" not in result.details


async def test_nothing_configured_and_no_date_is_a_skip_not_a_pass() -> None:
    async with Lab() as lab:
        world = await clock_lab(lab, site=WebTime(date=False))
        result = clock_result(await diagnose(world.run))
        assert result.status is Status.SKIP
        assert codes(result) == ["clock.no_time_source"]
        assert "no time source is configured" in result.summary
        assert result.title == "Your device clock could not be checked"


async def test_sources_that_disagree_but_agree_on_the_verdict() -> None:
    """0 s and +2 s cannot both be right (further apart than the 0.5 s agreement floor), but either way
    codes work: say so, with a pass."""
    async with Lab() as lab:
        # The site sends no Date, so nothing breaks the tie (with it, the +2 s server is a falseticker).
        world = await clock_lab(lab, ntp=[LabNtp(offset=0.0), LabNtp(offset=2.0)], site=WebTime(date=False))
        result = clock_result(await diagnose(world.run))
        assert result.status is Status.PASS
        finding = next(f for f in result.findings if f.code == "clock.sources_disagree")
        assert finding.severity == "info"
        assert result.details["verdict_certain"] is True
        assert result.details["uncertainty_s"] >= 1.0


# ------------------------------------------------------------------------------ offline rule, statically


def _string_literals(path: Path) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline)
    return [t.string for t in tokens if t.type == tokenize.STRING]


def test_no_address_literals_in_the_check_or_the_profile() -> None:
    """Offline means offline: no time server or resolver is ever reached by a built-in address."""
    import ipaddress

    files = [ROOT / "checks" / "clock.py", *(ROOT / "checks" / "_clock").glob("*.py")]
    ipv4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
    for path in files:
        for literal in _string_literals(path):
            assert not ipv4.search(literal), (path, literal)
            for word in re.findall(r"[0-9A-Fa-f:]*::[0-9A-Fa-f:]*|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}", literal):
                with pytest.raises(ValueError):
                    ipaddress.ip_address(word)
    profile = tomllib.loads((ROOT / "diagnose" / "profiles" / "atera.toml").read_text("utf-8"))["clock"]
    for name in profile["ntp_servers"]:
        with pytest.raises(ValueError):
            ipaddress.ip_address(name.rsplit(":", 1)[0])
    for url in profile["http_date_sources"]:
        host = re.sub(r"^https?://([^/:]+).*$", r"\1", url)
        with pytest.raises(ValueError):
            ipaddress.ip_address(host)


# ------------------------------------------------------------------------------ agreement floor, lone sources


def test_ntp_root_distance_has_rfc5905s_dispersion_floor() -> None:
    t1 = 1_800_000_000.0
    result = ntp.evaluate(reply(7, t1 + 0.0001, t1 + 0.0001, root_delay=0.0, root_dispersion=0.0), 7, t1, t1 + 0.0002)
    assert isinstance(result, ntp.Measurement)
    assert result.root_distance >= ntp.MINDISP / 2  # max(MINDISP, delay + root delay) / 2, however fast the link


def test_sources_milliseconds_apart_agree_and_the_estimate_stays_honest() -> None:
    from checks._clock.select import agreeing

    tight = [(-0.005, 0.005), (0.0051, 0.0151), (3599.995, 3600.005)]
    assert select(tight) is None  # strict intersection: 10 ms apart is "no majority"
    chosen = agreeing(tight)
    assert chosen is not None and chosen.truechimers == (0, 1) and chosen.falsetickers == (2,)
    # The two do not quite meet, so the estimate covers every offset either allows.
    assert (chosen.low, chosen.high) == (-0.005, 0.0151)
    assert agreeing([(-0.01, 0.01), (29.99, 30.01), (59.99, 60.01)]) is None  # 30 s apart still disagree


def test_three_servers_at_0_10ms_and_an_hour_pass_and_name_the_third() -> None:
    """Issue 14's case: on loopback, servers that claim no dispersion give intervals so narrow that
    0 and +0.01 s do not intersect; for 30-second codes they agree."""

    async def run() -> CheckResult:
        async with Lab() as lab:
            servers = [LabNtp(offset=o, root_delay=0.0, root_dispersion=0.0) for o in (0.0, 0.01, 3600.0)]
            world = await clock_lab(lab, ntp=servers)
            return clock_result(await diagnose(world.run))

    result = asyncio.run(run())
    assert result.status is Status.PASS, result.summary
    assert codes(result)[-1] == "clock.in_sync" and "clock.sources_disagree" not in codes(result)
    falseticker = next(f for f in result.findings if f.code == "clock.falseticker")
    assert falseticker.evidence["names"].startswith("ntp3.atera-lab.test")
    assert result.details["truechimers"][0].startswith("ntp1") and len(result.details["truechimers"]) == 2
    assert abs(result.details["offset_s"]) <= result.details["uncertainty_s"] + 0.01


def test_a_server_claiming_1903_is_a_falseticker_among_agreeing_others(
    scenario_results: dict[str, CheckResult],
) -> None:
    for name, culprit in (("clock-ntp-1903", "ntp3"), ("clock-ntp-1903-alone", "ntp1")):
        result = scenario_results[name]
        assert result.status is Status.PASS, (name, result.summary)
        assert result.details["falsetickers"][0].startswith(f"{culprit}.atera-lab.test")
        wild = source(result, server=f"{culprit}.atera-lab.test")
        assert wild["result"] == "falseticker" and abs(wild["offset_s"]) > 10 * 365 * 86400
        assert abs(result.details["offset_s"]) < 1.0
    # Alone, the 1903 server made the web clocks count: it was outvoted by them, not trusted.
    alone = scenario_results["clock-ntp-1903-alone"]
    assert alone.details["method"] == "ntp+http_date" and len(alone.details["truechimers"]) == 3


def test_a_1903_server_alone_against_the_sites_date_is_no_verdict_of_hours() -> None:
    """Issue 15's case: one time server says 1903, the sign-in site's Date agrees with this device,
    nothing else answers. Never a fail by 106,660 hours: the sources disagree."""

    async def run() -> CheckResult:
        from diagnose.lab.scenarios.clock import claiming_year

        async with Lab() as lab:
            world = await clock_lab(lab, ntp=[LabNtp(offset=claiming_year(1903))])
            return clock_result(await diagnose(world.run))

    result = asyncio.run(run())
    assert result.status is Status.ERROR, result.summary
    assert "clock.sources_disagree" in codes(result) and "clock.totp_rejected" not in codes(result)


def test_one_source_alone_never_fails_the_clock_by_hours(scenario_results: dict[str, CheckResult]) -> None:
    from diagnose.facts import ClockOffset

    result = scenario_results["clock-lone-source-hours"]
    assert result.status is Status.ERROR and result.details["verdict"] == "unconfirmed"
    assert "clock.totp_rejected" not in codes(result)
    lone = next(f for f in result.findings if f.code == "clock.single_source")
    assert "2 hours 59 minutes ahead" in lone.message or "3 hours" in lone.message
    assert "--ntp-server" in lone.remediation and "Date headers" in lone.remediation
    fact = result.fact(ClockOffset)  # measured, handed on, but not confirmed
    assert fact is not None and fact.confirmed is False and fact.sources == 1


def test_a_lone_source_of_minutes_is_still_a_verdict() -> None:
    from checks._clock.measure import settled
    from checks._clock.sources import Candidate, NtpSource

    def lone(offset: float) -> list[Candidate]:
        return [Candidate("ntp", (offset - 0.01, offset + 0.01), NtpSource(Endpoint("ntp.test", 123)))]

    assert settled(lone(-95.0)) and settled(lone(3000.0))
    assert not settled(lone(3 * 3600.0)) and not settled(lone(-12 * 365 * 86400.0))


def test_a_date_behind_a_certificate_this_device_cannot_verify_is_read_for_the_time_only() -> None:
    """A clock far off makes every certificate look invalid; the Date is still read, labelled unverified."""
    from diagnose.lab.pki import CertificateAuthority
    from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH

    async def run() -> HttpDateSource:
        async with Lab() as lab:
            stranger = CertificateAuthority.create("Not the lab's CA").issue([f"app.{LAB_DOMAIN}"])
            server = await lab.https(dated(offset=-7.0), issued=stranger)
            dns = await lab.dns({f"app.{LAB_DOMAIN}": ["127.0.0.1"]})
            world = lab.run(f"https://app.{LAB_DOMAIN}:{server.port}{SIGNIN_PATH}", dns=dns)
            tb = Timebase(SystemClock())
            source = HttpDateSource(world.url, "target", world.net, tb, Redactor())
            try:
                await source.refine(4, tb.mono() + 5.0)
            finally:
                await source.aclose()
            return source

    source = asyncio.run(run())
    assert source.verified is False and "certificate" in source.unverified_because
    assert source.interval is not None and source.interval[0] - 0.1 <= 7.0 <= source.interval[1] + 0.1
    evidence = source.evidence()
    assert evidence["verified"] is False and evidence["result"] == "measured"
