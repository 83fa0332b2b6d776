"""What the human-readable formats show, derived from the canonical JSON.

Markdown, HTML and text differ in markup, not in content: which checks need
attention and in what order, which findings to show, what the helpdesk
context is and how a value reads. That is decided once, here, as pure
functions of the report's JSON object (Lighthouse's rule: a rendering is a
pure function of the JSON), so a saved report re-renders exactly and the
formats cannot drift apart.

Everything a report shows may come from a hostile server or a buggy plugin,
so :func:`printable` neutralises control characters (terminal escapes), bidi
overrides (text that reads differently than it is) and lone surrogates.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from diagnose.model import Severity
from reports.labels import STATUS_ORDER, STATUS_WORD, status_rank

PROBLEM_STATUSES = ("fail", "error", "warn")

_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]"
)
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\t\u2028\u2029]")

ENVIRONMENT_LABELS: tuple[tuple[str, str], ...] = (
    ("os", "Operating system"),
    ("platform", "Platform"),
    ("python", "Python"),
    ("time_zone", "Time zone"),
    ("utc_offset", "UTC offset"),
    ("proxy_in_use", "Proxy used for the address"),
    ("proxy", "Proxy settings"),
    ("resolvers", "DNS resolvers"),
    ("pins", "Pinned names (--resolve)"),
    ("trust_stores", "Trust stores"),
)
"""Known environment keys in display order; other keys follow, sorted, under their own name."""

_SHOWN_IN_CONTEXT = ("local_time", "utc_time")
"""Environment keys :func:`context_rows` already shows at the top."""


def printable(text: Any, *, multiline: bool = False) -> str:
    """``text`` as a string that is safe to show: control, bidi and surrogate
    characters become visible escapes (``\\x1b``, ``\\u202e``); line breaks
    become spaces unless ``multiline``."""
    s = str(text)
    # A lone CR would let a value overwrite the visible terminal line.
    s = s.replace("\r\n", "\n").replace("\r", "\\r") if multiline else _LINE_BREAKS.sub(" ", s)
    return _UNSAFE.sub(_escape, s)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def flat(value: Any) -> str:
    """A JSON value as one readable line (lists joined, mappings as ``k=v``)."""
    if value is None or value == "" or value == [] or value == {}:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(flat(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={flat(v)}" for k, v in value.items())
    return str(value)


def problems(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Checks that failed, could not decide or warned: worst first, then in run order."""
    found = [c for c in data["checks"] if c["status"] in PROBLEM_STATUSES]
    return sorted(found, key=lambda c: status_rank(c["status"]))


def findings_by_severity(check: dict[str, Any]) -> list[dict[str, Any]]:
    """A check's findings, most severe first (stable within a severity)."""
    return sorted(check.get("findings", []), key=lambda f: Severity.rank_of(f["severity"]))


def actionable(check: dict[str, Any]) -> list[dict[str, Any]]:
    """Findings with something to do about them (everything but ``info``)."""
    return [f for f in findings_by_severity(check) if f["severity"] != "info"]


def notes(check: dict[str, Any]) -> list[dict[str, Any]]:
    """``info`` findings: context worth knowing (a proxy is in use), nothing to fix."""
    return [f for f in findings_by_severity(check) if f["severity"] == "info"]


def status_counts(data: dict[str, Any]) -> dict[str, int]:
    """How many checks ended in each status, worst first, zero counts left out."""
    counts = Counter(c["status"] for c in data["checks"])
    return {s: counts[s] for s in (*STATUS_ORDER, *sorted(set(counts) - set(STATUS_ORDER))) if counts[s]}


def counts_sentence(data: dict[str, Any]) -> str:
    """``5 checks: 1 failed, 1 not decided, 3 passed``."""
    total = len(data["checks"])
    if not total:
        return "No check ran."
    parts = [f"{n} {STATUS_WORD.get(s, s)}" for s, n in status_counts(data).items()]
    return f"{total} check{'s' if total != 1 else ''}: {', '.join(parts)}."


def local_time(data: dict[str, Any]) -> str:
    """``2026-11-22T11:00:00+01:00 (CET)``, or empty when the report has none."""
    env = data.get("environment", {})
    local = str(env.get("local_time", ""))
    zone = str(env.get("time_zone", ""))
    return f"{local} ({zone})" if local and zone else local


def context_rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    """What a helpdesk needs to know about the run, as (label, value) pairs."""
    target = data["target"]
    source = data.get("source")
    if isinstance(source, dict) and source.get("kind") == "har":
        rows = recording_rows(source, target)
    else:
        rows = [("Address checked", str(target["input"]))]
        if target.get("url") and target["url"] != target["input"]:
            rows.append(("Visited as", str(target["url"])))
    rows += [
        ("Profile", str(data["profile"])),
        ("Time (UTC)", str(data["started_at"]).replace("T", " ").replace("Z", " UTC")),
    ]
    local = local_time(data)
    if local:
        rows.append(("Local time", local))
    rows += [
        ("Duration", f"{data['duration_ms']} ms"),
        ("Report id", str(data.get("report_id") or "none")),
        ("Tool", f"login-doctor {data['tool']['version']}"),
    ]
    return rows


def recording_rows(source: dict[str, Any], target: dict[str, Any]) -> list[tuple[str, str]]:
    """The context of a report made from a browser's recording (``login-doctor har``)."""
    browser = source.get("browser", {})
    made_by = " ".join(str(browser.get(k) or "") for k in ("name", "version")).strip() or "unknown browser"
    rows = [("Recording", f"{source.get('file', target['input'])} ({made_by}, {source.get('entries', 0)} requests)")]
    if source.get("started"):
        rows.append(("Recorded", f"{source['started']} to {source.get('ended') or '?'} (browser clock)"))
    if target.get("url"):
        rows.append(("Sign-in address", str(target["url"])))
    sanitized = source.get("sanitized", {})
    if sanitized.get("output"):
        rows.append(("Sanitized copy", f"{sanitized['output']} ({sanitized.get('replaced_total', 0)} secrets replaced)"))
    return rows


def environment_rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The environment section as (label, value) pairs: known keys first, then the rest."""
    env = {k: v for k, v in data.get("environment", {}).items() if k not in _SHOWN_IN_CONTEXT}
    rows = [(text, flat(env.pop(key))) for key, text in ENVIRONMENT_LABELS if key in env]
    rows += [(key.replace("_", " "), flat(env[key])) for key in sorted(env)]
    return rows


def technical_json(check: dict[str, Any]) -> str:
    """A check's details and findings' evidence as indented JSON, for the folded section."""
    payload: dict[str, Any] = {
        "source": check.get("source", "built-in"),
        "version": check.get("version", ""),
        "details": check.get("details", {}),
        "findings": [
            {"code": f["code"], "severity": f["severity"], "evidence": f.get("evidence", {})}
            for f in check.get("findings", [])
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def is_plugin(check: dict[str, Any]) -> bool:
    """A check that does not ship with login-doctor (its wording is the plugin's own)."""
    return str(check.get("source", "built-in")) != "built-in"
