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
engine never does.
"""

from __future__ import annotations

import dataclasses
import platform
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from diagnose.har import ReadResult
from diagnose.har.limits import MAX_ENTRIES
from diagnose.model import CheckResult, Report
from diagnose.profiles import Profile
from diagnose.settings import UsageError
from diagnose.words import count


@dataclass(frozen=True, slots=True)
class RecordingDiagnosis:
    """The report on one recording, what reading it found, and where the sanitized copy went."""

    report: Report
    read: ReadResult
    sanitized_to: Path | None

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
) -> RecordingDiagnosis:
    """Read, sanitize and analyse the HAR at ``path``.

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
    return RecordingDiagnosis(report, read, sanitize_to)


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
        "browser": {"name": rec.browser_name or rec.creator_name, "version": rec.browser_version or rec.creator_version,
                    "family": rec.browser.value},
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


def _warnings(read: ReadResult, sanitized_to: Path | None) -> tuple[str, ...]:
    total = read.sanitizer.ledger.total
    if sanitized_to is None and total:
        return (f"This recording holds {count(total, 'secret')} (cookies, tokens, form fields). Do not attach it to a "
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
