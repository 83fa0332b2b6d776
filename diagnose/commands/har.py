"""``login-doctor har FILE.har``: diagnose a sign-in from the browser's own recording; write a copy safe to share.

The helpdesk's HAR workflow in one command::

    login-doctor har signin.har                          # the report (text on a terminal, JSON otherwise)
    login-doctor har signin.har --sanitize safe.har -o ticket.md

The recording is read once, streamed (:mod:`diagnose.har`): each entry is
typed for the analysis and sanitized, and with ``--sanitize`` written to the
copy at once (atomically). The analysis (:mod:`checks.har`) gives a report of
the same schema, checklist and finding vocabulary as a live run, with a
``source`` object that says it came from a recording. Nothing is sent over
the network.

Exit codes as for a live run: 0 nothing failed, 1 a check failed, 2 the file
is not a HAR this can read (one line says what and where), 3 inconclusive.
"""

from __future__ import annotations

import platform
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from diagnose.cli import PROG, _Parser, check_writable, finish, output_targets
from diagnose.environment import Environment
from diagnose.settings import UsageError


def build_parser() -> _Parser:
    parser = _Parser(
        prog="login-doctor har",
        description="Diagnose a failed sign-in from the browser's own recording (a HAR file), and write a "
        "sanitized copy that is safe to attach to a ticket.",
        epilog="Exit codes: 0 no check failed, 1 a check failed, 2 the file is not a usable HAR or a usage error, "
        "3 inconclusive. Save a HAR in Chrome or Edge (DevTools > Network > Export HAR) or Firefox "
        "(Network > Save All As HAR).",
    )
    parser.add_argument("file", metavar="FILE.har", help="the recording to diagnose")
    parser.add_argument("--sanitize", metavar="OUT.har",
                        help="also write a copy with every secret replaced by a marker (atomically)")
    parser.add_argument("--format", metavar="FORMAT",
                        help="report format on stdout: json, markdown, html, text, junit "
                        "(default: text on a terminal, json otherwise)")
    parser.add_argument("-o", "--output", action="append", default=[], metavar="FILE",
                        help="also write the report to FILE; the format comes from the extension; repeatable")
    parser.add_argument("--profile", default="atera", metavar="NAME|FILE", help="vendor profile (default: atera)")
    parser.add_argument("--note", default="", metavar="TEXT", help="a note for the helpdesk, saved in the report")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    return parser


def main(argv: list[str], env: Environment) -> int:
    from reports.render import FORMATS

    ns = build_parser().parse_args(argv)
    if ns.format is not None and ns.format not in FORMATS:
        raise UsageError(f"--format {ns.format!r}: choose one of {', '.join(FORMATS)}")
    source = Path(ns.file)
    outputs = output_targets(ns.output)
    sanitize_to = Path(ns.sanitize) if ns.sanitize else None
    if sanitize_to is not None:
        check_writable(sanitize_to)
        if _same_file(sanitize_to, source):
            raise UsageError(f"--sanitize {sanitize_to}: that is the recording itself; name a new file")
        if any(_same_file(sanitize_to, path) for path, _ in outputs):
            raise UsageError(f"--sanitize {sanitize_to}: the same file is also a report (-o)")
    from diagnose.profiles import load_profile

    profile = load_profile(ns.profile)
    if not ns.quiet:
        env.stderr.write(f"{PROG}: reading {_shown_path(source)}\n")
        env.stderr.flush()
    report, result = diagnose_recording(source, profile, sanitize_to=sanitize_to, note=ns.note)
    if sanitize_to is not None:
        env.stderr.write(f"{PROG}: sanitized copy written to {_shown_path(sanitize_to)} "
                         f"({result.sanitizer.ledger.total} secrets replaced)\n")
    elif result.sanitizer.ledger.total and not ns.quiet:
        env.stderr.write(f"{PROG}: this recording holds {result.sanitizer.ledger.total} secrets; share only a copy "
                         f"made with --sanitize\n")
    return finish(report, ns.format or ("text" if env.stdout_isatty else "json"), outputs, env)


def diagnose_recording(path: Path, profile: Any, *, sanitize_to: Path | None = None, note: str = "") -> tuple[Any, Any]:
    """Read, sanitize and analyse ``path``: (the :class:`~diagnose.model.Report`, the read result)."""
    from checks.har import analyse
    from diagnose import __version__
    from diagnose.har import HarFormatError, read_recording
    from diagnose.model import Report, Status, Target, overall_status
    from diagnose.redact import Redactor
    from diagnose.session import MAX_NOTE, redacted_result
    from reports.checklist import evaluate, for_recording

    began = time.monotonic()
    started = datetime.now(UTC)
    try:
        result = read_recording(path, sanitize_to=sanitize_to)
    except HarFormatError as exc:
        raise UsageError(f"{_shown_path(path)}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{_shown_path(path)}: cannot read it ({exc.strerror or exc})") from None
    recording = result.recording
    scrub = result.sanitizer.scrub
    redactor = Redactor()
    results, fact = analyse(recording, profile, redactor, scrub)
    results = tuple(_scrubbed(redacted_result(r, redactor), scrub) for r in results)
    start_url = _start_url(recording, profile)
    shown_url = redactor.url(scrub(start_url)) if start_url else ""
    status = overall_status(results)
    report = Report(
        tool_version=__version__,
        report_id=str(uuid.uuid4()),
        profile=profile.name,
        target=Target(input=path.name, url=shown_url, host=_host(start_url)),
        started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        duration_ms=round((time.monotonic() - began) * 1000),
        status=status if status is not Status.SKIP else Status.ERROR,
        checks=results,
        checklist=evaluate(results, profile, for_recording()),
        environment=_environment(started),
        warnings=_warnings(result),
        note=redactor.text(scrub(note.strip()[:MAX_NOTE])),
        redactions=redactor.fields,
        source=_source(result, fact),
    )
    return report, result


def _scrubbed(result: Any, scrub: Any) -> Any:
    import dataclasses

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


def _start_url(recording: Any, profile: Any) -> str:
    from checks._har.context import under
    from checks._har.navigation import host_of, navigations

    navs = navigations(recording) or list(recording.entries)
    official = tuple(d.lower() for d in profile.official_domains)
    chosen = next((e for e in navs if under(host_of(e.url), official)), navs[0] if navs else None)
    return str(chosen.url) if chosen is not None else ""


def _host(url: str) -> str:
    from checks._har.navigation import host_of

    return host_of(url) if url else ""


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    try:
        return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return None


def _source(result: Any, fact: Any) -> dict[str, Any]:
    from diagnose.har.limits import MAX_REPLACEMENTS_LISTED

    rec = result.recording
    ledger = result.sanitizer.ledger
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
            "output": result.sanitized_to.name if result.sanitized_to is not None else None,
            "replaced_total": ledger.total,
            "by_kind": {kind.value: count for kind, count in sorted(ledger.counts.items())},
            "replaced": [r.as_json() for r in ledger.listed],
            "replaced_not_listed": max(0, ledger.total - len(ledger.listed)) if len(ledger.listed) >= MAX_REPLACEMENTS_LISTED else 0,
            "already_sanitized": ledger.total == 0 and ledger.markers_kept > 0,
        },
    }


def _warnings(result: Any) -> tuple[str, ...]:
    out = []
    total = result.sanitizer.ledger.total
    if result.sanitized_to is None and total:
        out.append(f"This recording holds {total} secrets (cookies, tokens, form fields). Do not attach it to a "
                   "ticket as it is: attach the copy that login-doctor har --sanitize writes.")
    return tuple(out)


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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _shown_path(path: Path) -> str:
    text = str(path)
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 200 else "…" + text[-199:]
