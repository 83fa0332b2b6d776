"""Real lab runs for the TUI's screenshots: one failing scenario per check, recorded as JSON.

``tests/diagnose/tui/scenarios/<scenario>.json`` holds what the real engine reported for a lab
scenario (:data:`CHOSEN`: the most recognisable failure of each check), with what changes from run
to run replaced by fixed values (:func:`normalise`): the lab's ephemeral ports, dates and times
(moved to the screenshots' fixed "now", :data:`tests.diagnose.tui.fixed_run.NOW`), durations, the
certificates' fingerprints and serial numbers (numbered), the report id, the lab's temporary folder,
the machine's name. Measured values (a clock offset, its uncertainty) stay as measured. Nothing in a fixture is written by hand.

``test_scenario_snapshots.py`` replays each fixture into the app (screenshots that never depend on
the network or the clock) and re-runs each scenario to check the fixture is still what the checks
say today (statuses, finding codes, every sentence up to its numbers).

Regenerate after a check, the catalogue's wording or a scenario changed (that test says which)::

    python -m tests.diagnose.tui.scenario_runs            # every fixture
    python -m tests.diagnose.tui.scenario_runs clock-ahead-6min
    python -m pytest tests/diagnose/tui/test_scenario_snapshots.py --snapshot-update

then look at the new pictures (``git diff`` shows the fixtures' changes) before committing them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from diagnose.events import Event
from diagnose.lab.scenario import scenario_diagnosis
from diagnose.model import ChecklistItemResult, CheckResult, Finding, Report, Severity, Status, Target, report_to_json
from diagnose.profiles import Profile, profile_from_mapping
from diagnose.registry import discover
from diagnose.session import Diagnosis
from tests.diagnose.tui import fixed_run

FIXTURES = Path(__file__).resolve().parent / "scenarios"


@dataclass(frozen=True)
class Chosen:
    """A scenario shown for one check, and the checklist item its failure decides."""

    check: str
    scenario: str
    item: str


CHOSEN: tuple[Chosen, ...] = (
    Chosen("url", "address-lookalike", "official-address"),
    Chosen("connectivity", "dns-nxdomain", "internet-connection"),
    Chosen("certificate", "certificate-expired", "secure-connection"),
    Chosen("clock", "clock-ahead-6min", "clock"),
    Chosen("redirects", "redirects-loop", "no-loop"),
    Chosen("browser", "browser-cookies-blocked", "no-loop"),
)
"""One failing scenario per live check. The ``har`` checks have their own screen (``login-doctor har
FILE --tui``), shown by tests/diagnose/tui/test_recording.py."""

SITE_PORT = 8443
"""The sign-in site's port in every fixture (the lab's is ephemeral)."""
OTHER_PORTS = 20001
"""The lab's other servers (DNS, time servers, proxies) get 20001, 20002, … in order of appearance."""
TEMP = "/tmp/login-doctor-lab"
"""The lab's temporary folder in every fixture."""
EPHEMERAL = range(32768, 65536)
"""Linux's ephemeral port range (``ip_local_port_range``): where port 0 binds land."""

_PORT_SPOTS = re.compile(
    r"(?:127\.0\.0\.1|localhost|\[::1\]|\.test)[:#](\d{4,5})\b|lab dns (\d{4,5})\b|\"port\": (\d{4,5})\b"
)
_HASH = re.compile(r'"([0-9a-f]{32,128})"')
_WHEN = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?:([T ])(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?\b")


# ----------------------------------------------------------------------------- recording


async def record(name: str) -> dict[str, Any]:
    """Run scenario ``name`` through the real engine (its own plan, as ``login-doctor demo NAME``
    runs it) and return its fixture: the report and the profile, normalised."""
    async with scenario_diagnosis(name) as (diagnosis, run):
        report = await diagnosis.run()
        temp = run.settings.browser_home.parent if run.settings.browser_home is not None else None
    data = {
        "scenario": name,
        "profile": profile_to_json(diagnosis.profile),
        "report": report_to_json(report),
    }
    return normalise(data, temp=str(temp) if temp else None)


async def record_all(names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Several scenarios at once (each in its own lab): most of their time is spent waiting."""
    names = list(names)
    results = await asyncio.gather(*(record(n) for n in names))
    return dict(zip(names, results, strict=True))


def profile_to_json(profile: Profile) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": profile.name, "vendor": profile.vendor, "default_url": profile.default_url,
        "official_domains": list(profile.official_domains), "signin_urls": list(profile.signin_urls),
        "support_url": profile.support_url, "brand": profile.brand, "facts": dict(profile.facts),
        "advice": dict(profile.advice), **{k: dict(v) for k, v in profile.sections.items()},
    }
    if profile.description:
        data["description"] = profile.description
    return data


# ----------------------------------------------------------------------------- normalising


def normalise(data: dict[str, Any], *, temp: str | None = None) -> dict[str, Any]:
    """``data`` with what changes between runs replaced by fixed values (see the module's docstring)."""
    report = data["report"]
    started = dt.datetime.fromisoformat(report["started_at"].replace("Z", "+00:00"))
    text = json.dumps(data, ensure_ascii=False)
    if temp:
        text = text.replace(json.dumps(temp)[1:-1], TEMP)
    text = _fixed_ports(text, urlsplit(report["target"]["url"]).port)
    text = _fixed_times(text, started)
    text = _fixed_hashes(text)
    out: dict[str, Any] = json.loads(text)
    _fixed_fields(out)
    return out


def _fixed_ports(text: str, site: int | None) -> str:
    seen: list[int] = []
    for match in _PORT_SPOTS.finditer(text):
        port = int(next(g for g in match.groups() if g))
        if port in EPHEMERAL and port not in seen:
            seen.append(port)
    fixed = {}
    others = iter(range(OTHER_PORTS, OTHER_PORTS + 1000))
    for port in seen:
        fixed[port] = SITE_PORT if port == site else next(others)
    if not fixed:
        return text
    pattern = re.compile(r"(?<![\d.])(" + "|".join(str(p) for p in fixed) + r")(?![\d])")
    return pattern.sub(lambda m: str(fixed[int(m.group(1))]), text)


def _fixed_times(text: str, started: dt.datetime) -> str:
    """Dates and times moved by how far the run's start is from :data:`fixed_run.NOW` (whole days for a
    bare date), so "expired on <yesterday>" stays yesterday."""
    now = dt.datetime.fromtimestamp(fixed_run.NOW, dt.UTC)
    shift = now - started.replace(microsecond=0)
    days = now.date() - started.date()

    def moved(match: re.Match[str]) -> str:
        day, sep, clock, fraction, zone = match.groups()
        if sep is None:
            return (dt.date.fromisoformat(day) + days).isoformat()
        when = dt.datetime.fromisoformat(f"{day}T{clock}") + shift
        return f"{when.date().isoformat()}{sep}{when.time().isoformat()}{fraction or ''}{zone or ''}"

    return _WHEN.sub(moved, text)


def _fixed_hashes(text: str) -> str:
    """Fingerprints and serial numbers of the lab's fresh certificates: 1, 2, … (same length, in order)."""
    fixed: dict[str, str] = {}

    def numbered(match: re.Match[str]) -> str:
        value = match.group(1)
        if value not in fixed:
            fixed[value] = format(len(fixed) + 1, f"0{len(value)}x")
        return f'"{fixed[value]}"'

    return _HASH.sub(numbered, text)


def _fixed_fields(data: dict[str, Any]) -> None:
    report = data["report"]
    report["report_id"] = "00000000-0000-4000-8000-000000000000"
    report["tool"]["version"] = "0.0-test"
    report["duration_ms"] = 0
    environment = report["environment"]
    environment.update({k: v for k, v in {"os": "Linux", "python": "3.11"}.items() if k in environment})
    _zero_durations(report)


def _zero_durations(value: Any) -> None:
    if isinstance(value, dict):
        for key in value:
            if key.endswith("_ms") and isinstance(value[key], (int, float)):
                value[key] = 0
            else:
                _zero_durations(value[key])
    elif isinstance(value, list):
        for item in value:
            _zero_durations(item)


# ----------------------------------------------------------------------------- replaying


def fixture_path(name: str) -> Path:
    return FIXTURES / f"{name}.json"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture_path(name).read_text("utf-8"))
    return data


def report_from_json(data: Mapping[str, Any]) -> Report:
    """The :class:`Report` a fixture holds (the inverse of :func:`report_to_json` for a live run)."""
    target = data["target"]
    return Report(
        tool_version=data["tool"]["version"],
        report_id=data["report_id"],
        profile=data["profile"],
        target=Target(target["input"], target["url"], target["host"]),
        started_at=data["started_at"],
        duration_ms=data["duration_ms"],
        status=Status(data["status"]),
        interrupted=data["interrupted"],
        note=data["note"],
        checks=tuple(_check(c) for c in data["checks"]),
        checklist=tuple(
            ChecklistItemResult(i["id"], i["title"], Status(i["status"]), tuple(i["checks"]), i["advice"],
                                tuple(i["steps"]))
            for i in data["checklist"]
        ),
        environment=data["environment"],
        warnings=tuple(data["warnings"]),
        redactions=tuple(data["redactions"]),
    )


def _check(c: Mapping[str, Any]) -> CheckResult:
    return CheckResult(
        id=c["id"], title=c["title"], status=Status(c["status"]), summary=c["summary"],
        duration_ms=c["duration_ms"], details=c["details"], source=c["source"], version=c["version"],
        findings=tuple(Finding(f["code"], Severity(f["severity"]), f["message"], f["remediation"], f["evidence"])
                       for f in c["findings"]),
    )


def diagnosis(data: Mapping[str, Any]) -> Diagnosis:
    """What the app is given for a fixture: the scenario's target, profile and plan (the real checks,
    which only judge the address here: the run itself is replayed), on the screenshots' fixed clock."""
    report = report_from_json(data["report"])
    registry = discover(plugins=False)
    return Diagnosis(
        target=report.target,
        profile=profile_from_mapping(data["profile"], origin="lab"),
        plan=registry.plan(tuple(c.id for c in report.checks)),
        clock=fixed_run.FixedClock(),
    )


def events(data: Mapping[str, Any]) -> list[Event]:
    """The run as the engine reported it, replayed check by check in the report's order."""
    report = report_from_json(data["report"])
    plan = diagnosis(data).plan
    return fixed_run.run_events(report, {info.id: info.cls.title for info in plan.checks})


# ----------------------------------------------------------------------------- comparing


def _words(text: str) -> str:
    """A sentence up to its numbers (measured offsets and uncertainties vary from run to run)."""
    return re.sub(r"\d+(?:\.\d+)?", "#", text)


def essence(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a fixture must keep saying: every check's status, summary and findings (code, severity,
    message, what to do), and every checklist item's status and advice; sentences up to their numbers."""
    report = data["report"]
    return {
        "status": report["status"],
        "checks": {
            c["id"]: {
                "status": c["status"],
                "summary": _words(c["summary"]),
                "findings": [(f["code"], f["severity"], _words(f["message"]), _words(f["remediation"]))
                             for f in c["findings"]],
            }
            for c in report["checks"]
        },
        "checklist": {i["id"]: (i["status"], _words(i["advice"])) for i in report["checklist"]},
    }


# ----------------------------------------------------------------------------- the command


def main(argv: list[str]) -> int:
    known = {c.scenario for c in CHOSEN}
    names = argv or [c.scenario for c in CHOSEN]
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"not a chosen scenario: {', '.join(unknown)} (chosen: {', '.join(sorted(known))})", file=sys.stderr)
        return 2
    FIXTURES.mkdir(exist_ok=True)
    for name, data in asyncio.run(record_all(names)).items():
        path = fixture_path(name)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", "utf-8")
        tmp.replace(path)
        print(f"{path.relative_to(FIXTURES.parents[3])}: {data['report']['status']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
