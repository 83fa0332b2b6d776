"""A report from a browser's recording (HAR): what the ``har`` command and the TUI share.

:func:`diagnose_recording` reads the file once (:mod:`diagnose.har`, streamed,
bounded), writes the sanitized copy atomically when asked, runs the recording
checks (:mod:`checks.har`) and builds a :class:`~diagnose.model.Report` of the
same schema and checklist as a live run, with a ``source`` object that says it
came from a recording. Every string from the file that reaches the report goes
through the sanitizer's scrubber (this file's secrets, by value) and the
report's redactor. Nothing is sent over the network.

It sits with the front-end support (below the front ends, which may not
import each other) because it names the recording checks directly, which the
engine never does. :func:`entry_rows` and :func:`entries_behind` give a front
end (the TUI's recording view) the entries behind the findings, already fit to
show: every URL scrubbed of this file's secrets and redacted, cookie names but
no value. Nothing here imports a presentation library.
"""

from __future__ import annotations

import dataclasses
import platform
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from diagnose.har import ReadResult
from diagnose.har.limits import MAX_ENTRIES
from diagnose.model import CheckResult, Finding, Report
from diagnose.profiles import Profile
from diagnose.settings import UsageError


@dataclass(frozen=True, slots=True)
class RecordingDiagnosis:
    """The report on one recording, what reading it found, and where the sanitized copy went."""

    report: Report
    read: ReadResult
    sanitized_to: Path | None
    profile: Profile | None = None

    @property
    def secrets(self) -> int:
        """How many secrets the sanitizer replaced (or would replace) in the file."""
        return self.read.sanitizer.ledger.total


def diagnose_recording(
    path: Path,
    profile: Profile,
    *,
    sanitize_to: Path | None = None,
    note: str = "",
    max_entries: int = MAX_ENTRIES,
    browser_profiles: Sequence[Path] = (),
) -> RecordingDiagnosis:
    """Read, sanitize and analyse the HAR at ``path``.

    With ``browser_profiles`` (``--browser-profile DIR``), the ``browser`` check
    also reads those profile folders, and only those (never this computer's own
    browsers: the helpdesk's machine is not the person's), for the recording's
    sign-in site; its result joins the report as in a live run.

    Raises :class:`~diagnose.settings.UsageError` with one line (what and where)
    when the file cannot be read or is not a HAR this reads; then no copy is
    written (an existing file at ``sanitize_to`` stays as it was).
    """
    from checks.har import analyse, recorded_clock, start_url
    from diagnose import __version__
    from diagnose.checklist import evaluate, for_recording
    from diagnose.har import HarFormatError, read_recording
    from diagnose.model import Status, Target, overall_status
    from diagnose.redact import Redactor
    from diagnose.session import MAX_NOTE
    from diagnose.writer import atomic_text_file

    began = time.monotonic()
    started = datetime.now(UTC)
    try:
        if sanitize_to is None:
            read = read_recording(path, max_entries=max_entries)
        else:
            with atomic_text_file(sanitize_to) as out:
                read = read_recording(path, sanitize_into=out, max_entries=max_entries)
    except HarFormatError as exc:
        raise UsageError(f"{shown_path(path)}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{shown_path(path)}: cannot read it ({exc.strerror or exc})") from None
    recording = read.recording
    scrub = read.sanitizer.scrub
    redactor = Redactor()
    results = tuple(_scrubbed(redactor.result(r), scrub) for r in analyse(recording, profile, redactor, scrub))
    url = start_url(recording, profile)
    if browser_profiles:
        results += browser_results(url or profile.default_url, profile, browser_profiles)
    status = overall_status(results)
    report = Report(
        tool_version=__version__,
        report_id=str(uuid.uuid4()),
        profile=profile.name,
        target=Target(input=path.name, url=redactor.url(scrub(url)) if url else "", host=_host(url)),
        started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        duration_ms=round((time.monotonic() - began) * 1000),
        status=status if status is not Status.SKIP else Status.ERROR,
        checks=results,
        checklist=evaluate(results, profile, for_recording()),
        environment=_environment(started),
        warnings=_warnings(read, sanitize_to),
        note=redactor.text(scrub(note.strip()[:MAX_NOTE])),
        redactions=redactor.fields,
        source=_source(read, sanitize_to, recorded_clock(results)),
    )
    return RecordingDiagnosis(report, read, sanitize_to, profile)


@dataclass(frozen=True, slots=True)
class EntryRow:
    """One recorded request as a front end shows it: nothing secret (URLs scrubbed and redacted,
    cookie names only)."""

    index: int
    """Position in ``log.entries`` (the number the findings' evidence uses)."""
    at_s: float | None
    """Seconds after the recording's first request."""
    method: str
    status: int
    error: str
    kind: str
    """``document``, ``script``, ``fetch`` … (Sec-Fetch-Dest, else Chrome's ``_resourceType``)."""
    host: str
    url: str
    location: str
    cookies_sent: tuple[str, ...]
    cookies_set: tuple[str, ...]
    time_ms: float | None
    from_cache: str
    navigation: bool

    @property
    def outcome(self) -> str:
        """``302``, ``200 (cache)``, or the browser's error (``no answer`` when it gave none)."""
        if self.status and not self.error:
            return f"{self.status}" + (" (cache)" if self.from_cache else "")
        if self.status:
            return f"{self.status} {self.error}"
        return self.error or "no answer"


MAX_ENTRY_ROWS = 5_000
"""A front end lists at most this many entries (the rest are counted); the ones behind findings always."""


def entry_rows(diagnosis: RecordingDiagnosis, only: Iterable[int] | None = None) -> list[EntryRow]:
    """The analysed entries (or ``only`` those indexes), in file order, fit to show."""
    from checks.har import host_of, navigations_of
    from diagnose.redact import Redactor

    recording = diagnosis.read.recording
    scrub = diagnosis.read.sanitizer.scrub
    redactor = Redactor()
    wanted = set(only) if only is not None else None
    first = recording.started
    navs = {e.index for e in navigations_of(recording)}

    def shown(url: str) -> str:
        text = "".join(c if c.isprintable() else "?" for c in redactor.url(scrub(url)))
        return text if len(text) <= 300 else text[:299] + "…"

    rows: list[EntryRow] = []
    for e in recording.entries:
        if wanted is not None and e.index not in wanted:
            continue
        if wanted is None and len(rows) >= MAX_ENTRY_ROWS:
            break
        rows.append(EntryRow(
            index=e.index,
            at_s=round(e.started - first, 3) if e.started is not None and first is not None else None,
            method=e.method[:16], status=e.status, error=redactor.text(scrub(e.error))[:120],
            kind=e.fetch_dest or e.resource_type or "", host=host_of(e.url), url=shown(e.url),
            location=shown(e.location) if e.location else "",
            cookies_sent=tuple(redactor.text(scrub(n))[:64] for n in e.request_cookie_names[:50]),
            cookies_set=tuple(redactor.text(scrub(line.split("=", 1)[0].strip()))[:64] for line in e.set_cookies[:50]),
            time_ms=e.time_ms, from_cache=e.from_cache, navigation=e.index in navs,
        ))
    return rows


ENTRY_KEYS = ("entry", "entries", "repeats_entry", "cycle_entries", "set_in_entry", "not_sent_in_entries")


def entries_behind(findings: Iterable[Finding]) -> list[int]:
    """The recording's entries a finding's evidence points at (``entry``, ``entries``,
    ``cycle_entries``, ``requests[].entry`` …), in file order."""
    found: set[int] = set()

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, key)
        elif isinstance(value, int) and not isinstance(value, bool) and key in ENTRY_KEYS and value >= 0:
            found.add(value)

    for finding in findings:
        walk(finding.evidence)
    return sorted(found)


BROWSER_TIMEOUT = 20.0
"""Seconds the ``browser`` check may take reading ``--browser-profile`` folders beside a recording."""


def browser_results(url: str, profile: Profile, folders: Sequence[Path]) -> tuple[CheckResult, ...]:
    """The ``browser`` check (through the registry, as a live run finds it) on ``folders`` only, for
    the site of ``url``: its result, redacted like a live run's. No network (it reads files)."""
    import asyncio
    import tempfile

    from diagnose.registry import discover
    from diagnose.session import Diagnosis, make_target
    from diagnose.settings import Settings

    registry = discover(plugins=False)
    if "browser" not in registry.checks:
        raise UsageError("--browser-profile: this build has no browser check")
    with tempfile.TemporaryDirectory(prefix="login-doctor-no-home-") as empty:
        # an empty home: the check finds no browser of its own, only the folders given
        settings = Settings(timeout=BROWSER_TIMEOUT, browser_profiles=tuple(folders), browser_home=Path(empty))
        # the run's Net describes the environment; the browser check itself reads files only
        diagnosis = Diagnosis(target=make_target(url, profile), profile=profile, plan=registry.plan(["browser"]),
                              settings=settings)
        report = asyncio.run(diagnosis.run())
    return report.checks


def shown_path(path: Path) -> str:
    """A path as a message shows it: printable, at most 200 characters."""
    text = "".join(c if c.isprintable() else "?" for c in str(path))
    return text if len(text) <= 200 else "…" + text[-199:]


def _scrubbed(result: CheckResult, scrub: Callable[[str], str]) -> CheckResult:
    def deep(value: Any) -> Any:
        if isinstance(value, str):
            return scrub(value)
        if isinstance(value, dict):
            return {k: deep(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [deep(v) for v in value]
        return value

    return dataclasses.replace(
        result,
        summary=scrub(result.summary),
        details=deep(dict(result.details)),
        findings=tuple(
            dataclasses.replace(f, message=scrub(f.message), remediation=scrub(f.remediation),
                                evidence=deep(dict(f.evidence)))
            for f in result.findings
        ),
    )


def _host(url: str) -> str:
    from checks.har import host_of

    return host_of(url) if url else ""


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    try:
        return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return None


def _source(read: ReadResult, sanitized_to: Path | None, fact: Any) -> dict[str, Any]:
    from diagnose.har.limits import MAX_REPLACEMENTS_LISTED

    rec = read.recording
    ledger = read.sanitizer.ledger
    started, ended = rec.started, rec.ended
    return {
        "kind": "har",
        "file": rec.file_name,
        "har_version": rec.version,
        "creator": {"name": rec.creator_name, "version": rec.creator_version},
        "browser": _browser(rec),
        "started": _iso(started),
        "ended": _iso(ended),
        "duration_s": round(ended - started, 3) if started is not None and ended is not None and ended >= started else None,
        "entries": rec.entries_total,
        "entries_analysed": rec.entries_analysed,
        "pages": len(rec.pages),
        "cookies_recorded": not rec.cookies_stripped,
        "recorded_clock": fact.as_json() if fact is not None else None,
        "sanitized": {
            "output": sanitized_to.name if sanitized_to is not None else None,
            "replaced_total": ledger.total,
            "by_kind": {kind.value: count for kind, count in sorted(ledger.counts.items())},
            "replaced": [r.as_json() for r in ledger.listed],
            "replaced_not_listed": max(0, ledger.total - len(ledger.listed)) if len(ledger.listed) >= MAX_REPLACEMENTS_LISTED else 0,
            "already_sanitized": ledger.total == 0 and ledger.markers_kept > 0,
        },
    }


FAMILY_NAMES = {"chromium": "Chrome, Edge or another Chromium browser", "safari": "Safari"}
"""Who made a recording without a ``log.browser`` (DevTools writes only ``creator`` ``WebInspector``
with the WebKit version, which names no browser)."""


def _browser(rec: Any) -> dict[str, str]:
    family = rec.browser.value
    if rec.browser_name:
        return {"name": rec.browser_name, "version": rec.browser_version, "family": family}
    if family in FAMILY_NAMES:
        return {"name": FAMILY_NAMES[family], "version": "", "family": family}
    return {"name": rec.creator_name, "version": rec.creator_version, "family": family}


def _warnings(read: ReadResult, sanitized_to: Path | None) -> tuple[str, ...]:
    total = read.sanitizer.ledger.total
    if sanitized_to is None and total:
        return (f"This recording holds {total} secrets (cookies, tokens, form fields). Do not attach it to a "
                "ticket as it is: attach the copy that login-doctor har --sanitize writes.",)
    return ()


def _environment(when: datetime) -> dict[str, Any]:
    local = when.astimezone()
    offset = local.utcoffset()
    minutes = round((offset.total_seconds() if offset is not None else 0.0) / 60)
    sign = "-" if minutes < 0 else "+"
    return {
        "os": f"{platform.system()} {platform.release()}".strip(),
        "python": platform.python_version(),
        "platform": sys.platform,
        "local_time": local.isoformat(timespec="seconds"),
        "time_zone": local.tzname() or "",
        "utc_offset": f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
        "utc_time": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
