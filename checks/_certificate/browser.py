"""The browser's verdict turned into findings, and the rule that keeps them honest.

* :func:`constraint_findings`: the reasons Chromium refuses a path that no
  independent judge covers (name constraints, purpose, basicConstraints,
  path length, keyCertSign, unknown critical extensions, policies, malformed
  certificates) become their own findings, naming the certificate.
* :func:`malformed_findings`: what could not be read, as findings: the site's
  certificate Chromium refuses to parse fails the check; an intermediate it
  cannot parse (it ignores it) or an extension it does not need is noted.
* :func:`reconcile` holds the line the product promises: when Chromium would
  sign in, nothing of a kind Chromium judges (dates, names, authority,
  algorithms, constraints) may fail the check (such a finding is turned into
  advice); when Chromium refuses, a failing finding names the same defect.
  Revocation, a compromised root and interception stay deliberate
  differences (docs/certificate.md "Where we differ from the browser").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checks._certificate.chromium import ChromiumVerdict
from checks._certificate.describe import Cert
from checks._certificate.judges import label, role_in, which
from checks._certificate.pathcheck import Problem
from checks._certificate.state import CertificateRun
from diagnose.model import Finding, Severity

PROBLEM_FAMILY = {
    "expired": "date", "not_yet_valid": "date", "validity_too_long": "date",
    "name_mismatch": "name", "non_unique_name": "name",
    "bad_signature": "authority", "no_issuer": "authority", "issuer_name_mismatch": "authority",
    "iteration_limit": "authority",
    "weak_key": "algorithm", "sha1": "algorithm", "unsupported_algorithm": "algorithm",
    "revoked": "revocation",
}
"""The family of each of Chromium's reasons; any other reason is ``constraint``."""

CODE_FAMILY = {
    "certificate.expired": "date", "certificate.not_yet_valid": "date", "certificate.clock_skew": "date",
    "certificate.hostname_mismatch": "name", "certificate.no_san": "name",
    "certificate.self_signed": "authority", "certificate.untrusted_root": "authority",
    "certificate.incomplete_chain": "authority", "certificate.bad_signature": "authority",
    "certificate.weak_key": "algorithm", "certificate.weak_signature": "algorithm",
    "certificate.revoked": "revocation",
    "certificate.name_constraints": "constraint", "certificate.wrong_purpose": "constraint",
    "certificate.malformed": "constraint",
}
"""The family of each finding code (``verification_failed`` carries its family in its evidence)."""

JUDGED_BY_CHROMIUM = {"date", "name", "authority", "algorithm", "constraint"}
DELIBERATE = {"certificate.clock_skew", "certificate.revoked", "certificate.known_bad_root",
              "certificate.intercepted"}

_OWN_FINDING = {"name_constraints": "certificate.name_constraints", "wrong_purpose": "certificate.wrong_purpose",
                "key_usage": "certificate.wrong_purpose", "malformed": "certificate.malformed",
                "unreadable_key": "certificate.malformed"}
_COVERED_ELSEWHERE = {"expired", "not_yet_valid", "name_mismatch", "bad_signature", "no_issuer", "iteration_limit",
                      "weak_key", "sha1", "unsupported_algorithm", "revoked"}


def family(finding: Finding) -> str | None:
    if finding.code == "certificate.verification_failed":
        return str(finding.evidence.get("family") or "constraint")
    return CODE_FAMILY.get(finding.code)


def constraint_findings(run: CertificateRun, verdict: ChromiumVerdict) -> None:
    """Chromium's reasons that no independent judge explains, one finding each (first per certificate)."""
    if verdict.ok:
        return
    seen: set[tuple[int, str]] = set()
    for problem in verdict.problems:
        if problem.code in _COVERED_ELSEWHERE or (problem.index, problem.code) in seen:
            continue
        seen.add((problem.index, problem.code))
        cert = verdict.path[problem.index] if problem.index < len(verdict.path) else verdict.path[0]
        cert_role = role_in(verdict, problem.index)
        evidence = {**which(cert, cert_role), "which": label(cert_role), "detail": problem.detail,
                    "chromium_reason": problem.code, "chromium_error": verdict.net_error}
        code = _OWN_FINDING.get(problem.code, "certificate.verification_failed")
        if code == "certificate.name_constraints":
            evidence["authority"] = _constrained_by(verdict, problem)
        if code == "certificate.verification_failed":
            evidence.update(detail=f"the {label(cert_role)} ({cert.subject}): {problem.detail}",
                            family=PROBLEM_FAMILY.get(problem.code, "constraint"),
                            verifier="Chromium's builtin verifier (model)")
        run.add(code, evidence)


def _constrained_by(verdict: ChromiumVerdict, problem: Problem) -> str:
    for cert in verdict.path[problem.index + 1:]:
        if cert.reading.name_constraints is not None:
            return cert.subject
    return "an authority above it"


def malformed_findings(run: CertificateRun, sent: Sequence[Cert], verdict: ChromiumVerdict) -> None:
    """Intermediates Chromium ignores because it cannot parse them, and extensions nobody could read."""
    for cert in sent[1:]:
        if cert.reading.refusals:
            run.add("certificate.malformed", {
                **which(cert, "intermediate"), "which": "intermediate certificate",
                "detail": "; ".join(cert.reading.refusals)},
                severity=Severity.INFO, message=(
                    "The server for {host} sent an intermediate certificate ({subject}) that browsers cannot "
                    "read ({detail}); they ignore it."))
    for cert in verdict.path:
        for unreadable in cert.reading.unreadable:
            run.add("certificate.malformed", {**which(cert, "certificate"), "which": "certificate",
                                              "detail": unreadable},
                    severity=Severity.INFO, message=(
                        "In the certificate {subject} of {host}, {detail}; browsers do not need it to verify the "
                        "chain, but this check could not judge it."))


def reconcile(run: CertificateRun, verdict: ChromiumVerdict) -> None:
    """Chromium signs in: no failing finding of a kind it judges. Chromium refuses: one names the defect."""
    failing = [f for f in run.findings if f.severity.rank <= Severity.HIGH.rank]
    if verdict.ok:
        for finding in failing:
            if finding.code not in DELIBERATE and family(finding) in JUDGED_BY_CHROMIUM:
                _demote(run, finding)
        return
    wanted = _primary_families(verdict)
    if any(family(f) in wanted for f in failing):
        return
    problem = next((p for p in verdict.problems if PROBLEM_FAMILY.get(p.code, "constraint") in wanted),
                   verdict.problems[0] if verdict.problems else None)
    detail = problem.detail if problem is not None else "no reason given"
    run.add("certificate.verification_failed", {
        "detail": f"{detail} ({verdict.net_error})", "family": next(iter(sorted(wanted)), "constraint"),
        "verifier": "Chromium's builtin verifier (model)", "chromium_error": verdict.net_error,
    })


def _primary_families(verdict: ChromiumVerdict) -> set[str]:
    """The families of the reasons behind Chromium's net error (its most serious status)."""
    from checks._certificate.chromium import PRIORITY

    status = next((flag for flag, error in PRIORITY if error == verdict.net_error), "")
    families = {PROBLEM_FAMILY.get(p.code, "constraint") for p in verdict.problems if p.status == status}
    return families or {verdict.family or "constraint"}


def _demote(run: CertificateRun, finding: Finding) -> None:
    """A finding Chromium's verdict contradicts: keep what it says, as advice (Chrome signs in)."""
    index = run.findings.index(finding)
    evidence: dict[str, Any] = {**finding.evidence, "rule_id": finding.code.removeprefix("certificate."),
                                "rule": finding.message, "source": "login-doctor's own judgement",
                                "who_fails": "some clients may enforce"}
    run.findings.pop(index)
    run.add("certificate.advice", evidence, severity=Severity.LOW)
