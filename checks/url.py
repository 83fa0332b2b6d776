"""The ``url`` check: is this the official sign-in address, and if not, why?

Item one of the safe sign-in checklist is "verify that you are entering the
correct web address". People paste what is in the browser bar, an email link
or a bookmark, and attackers make those look right (``app.atera.com.evil.net``,
``atera.com@evil.net``, ``аtera.com`` with a Cyrillic ``а``). This check judges
the address *the way the browser will open it* (WHATWG URL parsing), against
the profile's official domains and sign-in addresses, offline, and explains
its verdict in plain words.

``details.verdict`` is exactly one of ``official`` (pass),
``official-but-warn`` (warn: the vendor's site, but something is off),
``lookalike``, ``unrelated`` or ``invalid`` (fail). ``details.opens_host``
names the host the browser opens, in ASCII and Unicode.

It needs no network and no other check, so it runs first and instantly.
:class:`AddressJudge` is its public batch API: the ``login-doctor url``
command (and anything else that vets links) judges addresses with it and gets
one typed :class:`AddressJudgement` each, the same verdict, findings and
details a run reports. The rules live in :mod:`checks._url`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from checks._url.hosts import dns_problem
from checks._url.judge import (
    INVALID,
    LOOKALIKE,
    OFFICIAL,
    OFFICIAL_BUT_WARN,
    UNRELATED,
    VERDICTS,
    Judgement,
    Reason,
    judge,
)
from checks._url.parse import Rejection, parse
from checks._url.policy import Policy, policy_for
from diagnose.check import Check, CheckContext, Outcome, fill, load_catalogue
from diagnose.model import Finding, Status
from diagnose.profiles import Profile
from diagnose.redact import Redactor
from diagnose.words import join

__all__ = [
    "VERDICTS", "VERDICT_STATUS", "AddressJudge", "AddressJudgement", "UrlCheck", "dns_problem", "not_an_address",
]
"""The public API: the check, judging addresses in batch without a run, and whether DNS could hold a host name
(the redirects check asks it of a host a redirect names)."""

VERDICT_STATUS = {
    OFFICIAL: Status.PASS,
    OFFICIAL_BUT_WARN: Status.WARN,
    LOOKALIKE: Status.FAIL,
    UNRELATED: Status.FAIL,
    INVALID: Status.FAIL,
}
"""The check's status for each verdict (the issue's mapping)."""

CERTIFICATE_NOTE = (
    "Whether the site's certificate is valid cannot be told from the address; the certificate check does that."
)

_KIND_TEXT = {
    "omission": "a letter left out",
    "repetition": "a letter doubled",
    "transposition": "two letters swapped",
    "vowel-swap": "a vowel changed",
    "homoglyph": "look-alike characters, such as rn for m or 0 for o",
    "hyphenation": "a hyphen added",
    "replacement": "a letter replaced by a neighbouring key",
    "insertion": "a neighbouring key added",
    "addition": "a character added at the end",
    "bitsquatting": "one character changed by a one-bit error",
    "subdomain-joined": "the parts of the official name glued together",
    "brand-plus-keyword": "the name with an extra word",
    "tld-swap": "the same name with another ending",
    "similar-spelling": "one letter different",
    "dot-inserted": "a dot put inside the name, so that the site is another one",
}

_WHERE_TEXT = {
    "subdomain": "the first part of the site name",
    "name": "the site name",
    "hosting": "its name on a hosting service anyone can use",
    "user info": "the text before an @",
    "path": "the path after the site name",
    "query": "the part after the ?",
    "fragment": "the part after the #",
}

_OBFUSCATION_TEXT = {
    "backslash": "backslashes (\\) that the browser turns into /",
    "tab_or_newline": "hidden tabs or line breaks",
    "slashes": "missing or extra slashes after the scheme",
    "percent_encoded_host": "%-codes in the site name",
    "unicode_host_mapped": "special characters in the site name (wide letters, other dots or invisible "
    "characters) that the browser turns into ordinary ones",
    "numeric_ipv4": "a number written in a disguised form",
    "control_characters": "invisible control characters that the browser turns into %-codes",
}

_TARGET_TEXT = {
    OFFICIAL: "that is the official sign-in address, but open it directly instead",
    OFFICIAL_BUT_WARN: "that is {vendor}'s site, with something off (see the other findings)",
    LOOKALIKE: "a site that imitates {vendor}",
    UNRELATED: "a site that is not {vendor}'s",
    INVALID: "something that is not a web address",
}


def not_an_address(text: str) -> str | None:
    """Why a browser's address bar would not open ``text`` as a web address, or None.

    The address bar searches for a single word, text with spaces, an email
    address or a host no site can have (``ht!tp://[bad``), and cannot read
    some text at all; the check judges all of those ``invalid`` before it looks
    at any site. Front ends refuse such text instead of diagnosing it. The
    reason is a sentence fragment: ``it is a single word, not a web address
    (a browser would search for it)``.
    """
    parsed = parse(text)
    return parsed.why if isinstance(parsed, Rejection) else None


class UrlCheck(Check):
    id = "url"
    title = "The address is the official sign-in address"
    failure_title = "The address is not the official sign-in address"
    description = (
        "Reads the address the way the browser will open it (WHATWG URL rules, offline) and compares "
        "the host it opens with the vendor's official domains and sign-in pages: tells look-alike "
        "letters, misspellings, the vendor's name inside another site's address, disguised spelling, "
        "numeric addresses, short links and redirect parameters apart from the real thing."
    )
    timeout = 5.0
    findings = load_catalogue("url")

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.assess(ctx.target.input, ctx.profile, ctx.redact)

    def assess(self, text: str, profile: Profile, redact: Redactor | None = None,
               policy: Policy | None = None) -> Outcome:
        """Judge ``text`` for ``profile``: the outcome the check reports (also used in batch,
        where the caller passes the profile's ``policy`` once instead of looking it up)."""
        policy = policy or policy_for(profile)
        return self.outcome_for(judge(text, policy), profile, policy, redact or Redactor())

    def outcome_for(self, judgement: Judgement, profile: Profile, policy: Policy, redact: Redactor) -> Outcome:
        """Findings, summary and details for a judgement, in the catalogue's words."""
        facts = self._facts(profile)
        findings = [self._finding(reason, facts, redact) for reason in judgement.reasons]
        findings.sort(key=lambda f: f.severity.rank)
        return Outcome(
            _summary(judgement, profile, findings),
            tuple(findings),
            details_of(judgement, profile, redact),
            VERDICT_STATUS[judgement.verdict],
        )

    def _facts(self, profile: Profile) -> dict[str, Any]:
        """The profile's message facts, computed once per profile object (batch judging
        asks for them thousands of times)."""
        cached = getattr(self, "_facts_cache", None)
        if cached is not None and cached[0] is profile:
            facts: dict[str, Any] = cached[1]
            return facts
        facts = {**profile.facts_for_messages(), "signin": profile.default_url}
        self._facts_cache = (profile, facts)
        return facts

    def _finding(self, reason: Reason, facts: dict[str, Any], redact: Redactor) -> Finding:
        """Like :meth:`Check.finding` (same catalogue, same placeholder rules), but with
        ``str.format_map``: batch judging fills two sentences per finding, thousands of
        times a second, and ``string.Formatter`` is the slowest step of a run."""
        spec = self.findings[reason.code]
        evidence = _safe_evidence(reason.evidence, redact)
        # The plain-language values win: they are the evidence put into words.
        values = _Lenient({**facts, **evidence, **_explained(reason, facts)})
        return Finding(
            reason.code,
            reason.severity or spec.severity,
            _render(_message(reason) or spec.message, values),
            _render(spec.remediation, values),
            evidence,
        )


@dataclass(frozen=True, slots=True)
class AddressJudgement:
    """The ``url`` check's verdict on one address: what a run would report for it."""

    input: str
    """The address exactly as given (not redacted: redact it before showing it, see :attr:`redacted`)."""
    verdict: str
    """One of :data:`VERDICTS`: ``official``, ``official-but-warn``, ``lookalike``, ``unrelated``, ``invalid``."""
    status: Status
    """The check's status for the verdict (:data:`VERDICT_STATUS`)."""
    summary: str
    findings: tuple[Finding, ...]
    """Most severe first, in the catalogue's words, evidence already redacted."""
    details: Mapping[str, Any]
    """The check's ``details`` (``verdict``, ``opens_host``, ``canonical``, ``codes``, …)."""
    redacted: tuple[str, ...]
    """What judging removed as secret (field names such as ``url:userinfo``, never values)."""

    @property
    def official(self) -> bool:
        """True only for ``official``: ``official-but-warn`` is not the address to use as it is."""
        return self.verdict == OFFICIAL


class AddressJudge:
    """Judges addresses for one profile, offline: the ``url`` check's batch API.

    Build one per profile and call :meth:`judge` per address; what "official"
    means for the profile (its domains, sign-in addresses, look-alike and
    typosquat tables) is computed once, so a batch judges thousands of
    addresses a second. Each address gets its own redactor, so what one
    address held never shows up in another's result.
    """

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._check = UrlCheck()
        self._policy = policy_for(profile)

    def judge(self, text: str) -> AddressJudgement:
        """The verdict on ``text`` (any string: what does not parse is ``invalid``, never an error)."""
        redactor = Redactor()
        outcome = self._check.assess(text, self.profile, redactor, self._policy)
        details = outcome.details
        return AddressJudgement(
            text, details["verdict"], outcome.resolved_status(), outcome.summary, outcome.findings, details,
            redactor.fields,
        )

    def judge_all(self, texts: Iterable[str]) -> Iterator[AddressJudgement]:
        """:meth:`judge` for each of ``texts``, in order, as they come (``texts`` may be a stream)."""
        return map(self.judge, texts)


class _Lenient(dict[str, Any]):
    """Unknown ``{names}`` stay as written (a catalogue typo never crashes a run)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(template: str, values: _Lenient) -> str:
    try:
        return template.format_map(values)
    except (ValueError, IndexError, AttributeError, KeyError):
        return fill(template, values)




def _explained(reason: Reason, facts: dict[str, Any]) -> dict[str, Any]:
    """Plain-language values for placeholders that evidence holds as codes."""
    ev = reason.evidence
    out: dict[str, Any] = {}
    if reason.code == "url.typosquat":
        out["kind_text"] = _KIND_TEXT.get(str(ev.get("kind")), "a near-identical spelling")
    elif reason.code == "url.brand_embedded":
        out["where_text"] = _WHERE_TEXT.get(str(ev.get("where")), str(ev.get("where")))
        if ev.get("hosting_suffix"):
            out["text"] = ev["hosting_suffix"]  # the parenthesis names the hosting service
    elif reason.code == "url.obfuscated":
        out["kinds_text"] = "; ".join(_OBFUSCATION_TEXT.get(k, k) for k in ev.get("kinds", []))
    elif reason.code == "url.homograph":
        out["scripts"] = join(ev.get("scripts", [])) or "several"
    elif reason.code == "url.shortener" and not ev.get("hidden"):
        verdict = ev.get("target_verdict")
        out["target_text"] = _TARGET_TEXT.get(str(verdict), "").format_map(facts) if verdict else ""
    return out


def _message(reason: Reason) -> str | None:
    """A sentence more precise than the catalogue's for this context, or None."""
    ev = reason.evidence
    if reason.code == "url.homograph":
        if ev.get("rule") == "unicode_in_vendor_subdomain":
            return (
                "The site is {vendor}'s ({host}), but its name contains letters from another alphabet "
                "({shown_as}); {vendor} does not use such names."
            )
        if ev.get("imitates") is None:
            return (
                "The name {shown_as} uses look-alike letters from different alphabets ({scripts}) or characters "
                "that look like punctuation, a common way to disguise a site's name. The browser opens {host}."
            )
        if ev.get("rule") == "skeleton_similar":
            return (
                "The name {shown_as} is written with letters from another alphabet and looks almost like "
                "{imitates}. The browser really opens {host}."
            )
    if reason.code == "url.shortener" and not ev.get("hidden"):
        if ev.get("target_verdict") is None:
            return "This is a {service} link; what it forwards to is wrapped too deeply to read."
        if ev.get("target_host") is None:
            return "This is a {service} link that forwards to {target_text}."
        return "This is a {service} link that forwards to {target_host}: {target_text}."
    return None


def _safe_evidence(evidence: dict[str, Any], redact: Redactor) -> dict[str, Any]:
    """Evidence with free text from the path or user info passed through the redactor
    (they may carry tokens); host names are not secret (``opens_host`` shows them)."""
    if evidence.get("where") not in ("path", "user info"):
        return evidence
    return {**evidence, "text": redact.text(str(evidence.get("text", "")))}


def details_of(judgement: Judgement, profile: Profile, redact: Redactor) -> dict[str, Any]:
    """The check's ``details``: verdict, the host the browser opens, canonical address, fixup."""
    address = judgement.address
    details: dict[str, Any] = {
        "verdict": judgement.verdict,
        "opens_host": judgement.opens_host,
        "canonical": redact.url(address.href) if address is not None else None,
        "scheme": address.scheme if address is not None else None,
        "fixup": (
            {"added": address.fixup, "note": "the scheme was missing; a browser's address bar adds it"}
            if address is not None and address.fixup
            else None
        ),
        "registrable_domain": judgement.registrable,
        "official_domain": judgement.official_domain,
        "official_domains": list(profile.official_domains),
        "official_signin": profile.default_url,
        "codes": [reason.code for reason in judgement.reasons],
        "note": CERTIFICATE_NOTE,
    }
    if judgement.rejection is not None:
        details["invalid_reason"] = judgement.rejection.reason
    if judgement.redirect_service is not None:
        target = judgement.redirect_target
        details["redirect"] = {
            "service": judgement.redirect_service,
            "target": details_of(target, profile, redact) if target is not None else None,
        }
    return details


def _summary(judgement: Judgement, profile: Profile, findings: list[Finding]) -> str:
    vendor = profile.vendor
    opens = judgement.opens_host or {}
    ascii_host, unicode_host = opens.get("ascii", ""), opens.get("unicode", "")
    # A look-alike's Unicode form is the disguise itself: name the real (ASCII) host first.
    shown = ascii_host if unicode_host == ascii_host else f"{ascii_host} (shown as {unicode_host})"
    verdict = judgement.verdict
    if verdict == OFFICIAL:
        return f"This is {vendor}'s official sign-in address ({shown})."
    if verdict == OFFICIAL_BUT_WARN:
        titles = [_title(f) for f in findings]
        return f"This opens {vendor}'s site {shown}, but: " + "; ".join(titles) + "."
    if verdict == LOOKALIKE:
        return f"This address imitates {vendor}: it opens {shown}, which is not {vendor}'s."
    if verdict == UNRELATED:
        return f"This is not {vendor}'s address: it opens {shown}."
    why = next((str(f.evidence.get("why")) for f in findings if f.evidence.get("why")), "")
    return f"This is not a web address that opens a website{': ' + why if why else ''}."


_ON_VENDOR_HOST_TITLES = {
    "url.homograph": "letters from another alphabet in the site name",
}
"""Titles that read differently when the browser still lands on the vendor's host."""


def _title(finding: Finding) -> str:
    if finding.code in _ON_VENDOR_HOST_TITLES:
        return _ON_VENDOR_HOST_TITLES[finding.code]
    spec = UrlCheck.findings.get(finding.code)
    title = spec.title if spec is not None and spec.title else finding.code
    return title[0].lower() + title[1:]
