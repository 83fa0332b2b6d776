"""Dates by this device's clock, unless the ``clock`` check knows better.

Chrome shows its bad-clock interstitial when a certificate looks expired (or
not yet valid) only because the device's clock is off: then the clock is the
cause, not the certificate (``certificate.clock_skew``).
"""

from __future__ import annotations

from collections.abc import Sequence

from checks._certificate.describe import iso
from checks._certificate.judges import Issue, Role, dates
from checks._certificate.state import CertificateRun

_SKEWED = ("certificate.expired", "certificate.not_yet_valid")
_SOON = "certificate.expires_soon"


def judge_dates(run: CertificateRun, path: Sequence[Role], *, local_root: bool) -> None:
    """Add the date findings of ``path``; blame the clock where the true time clears a certificate."""
    by_device = dates(path, run.device_now, run.soon_days, local_root=local_root)
    if run.offset is None:
        for issue in by_device:
            run.add_issue(issue)
        return
    by_truth = dates(path, run.true_now, run.soon_days, local_root=local_root)
    true_keys = {_key(i) for i in by_truth}
    explained = [i for i in by_device if i.code in _SKEWED and _key(i) not in true_keys]
    for issue in by_device:
        if issue in explained or (issue.code == _SOON and _key(issue) not in true_keys):
            continue
        run.add_issue(Issue(issue.code, {**issue.evidence, "clock_offset_s": run.offset}, issue.severity))
    device_keys = {_key(i) for i in by_device}
    for issue in by_truth:
        if issue.code == _SOON and _key(issue) not in device_keys:
            run.add_issue(issue)
    if explained:
        _blame_the_clock(run, explained)


def _blame_the_clock(run: CertificateRun, explained: Sequence[Issue]) -> None:
    assert run.offset is not None
    first = explained[0].evidence
    run.add("certificate.clock_skew", {
        "looks": "expired" if explained[0].code == "certificate.expired" else "not yet valid",
        "offset": plain_offset(run.offset),
        "clock_offset_s": run.offset,
        "device_time": iso(run.device_now),
        "true_time": iso(run.true_now),
        "valid_from": first["not_before"][:10],
        "valid_until": first["not_after"][:10],
        "certificates": [
            {k: i.evidence[k] for k in ("certificate", "subject", "not_before", "not_after")}
            for i in explained
        ],
    })


def _key(issue: Issue) -> tuple[str, str]:
    return issue.code, str(issue.evidence["fingerprint_sha256"])


def plain_offset(seconds: float) -> str:
    direction = "ahead" if seconds > 0 else "behind"
    span = abs(seconds)
    if span >= 2 * 86400:
        amount = f"{span / 86400:.0f} days"
    elif span >= 2 * 3600:
        amount = f"{span / 3600:.0f} hours"
    elif span >= 120:
        amount = f"{span / 60:.0f} minutes"
    else:
        amount = f"{span:.0f} seconds"
    return f"{amount} ({direction})"
