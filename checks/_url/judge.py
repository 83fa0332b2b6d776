"""The verdict on one address: official, official-but-warn, lookalike, unrelated or invalid.

The order of questions follows what matters to the person about to type a
password:

1. Is it an address a browser would open at all (``invalid``)?
2. Which host does the browser open (WHATWG), and is that host the vendor's
   (exact or dot-boundary suffix of an official domain, PSL cross-checked)?
3. On the vendor's host: is anything off (``official-but-warn``): plain http,
   another page, a port, user info, a trailing dot, obfuscated spelling, a
   Unicode letter in a vendor subdomain, a redirect parameter that leaves
   the vendor?
4. Elsewhere: does it imitate the vendor (``lookalike``: homograph,
   typosquat, brand embedded, a redirector leading to a lookalike) or not
   (``unrelated``: an IP address, a shortener, another site)?

Two invariants follow from the structure and are tested as properties: an
address whose browser host is not official can never come out ``official`` or
``official-but-warn`` (step 3 is only reached with an official host), and an
address that lands on an official host is never ``lookalike`` (step 4 is
never reached with one).

Each finding is a :class:`Reason` with a stable code and evidence; wording is
the catalogue's (checks/findings.toml), applied by :mod:`checks.url`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, NamedTuple

from checks._url import homograph, hosts
from checks._url.parse import HOST_DOMAIN, Address, Rejection, parse, resolve_url
from checks._url.policy import Policy
from checks._url.redirects import decode_layers, known_redirector, redirect_values
from checks._url.typosquat import within_one_edit
from diagnose.model import Severity

OFFICIAL = "official"
OFFICIAL_BUT_WARN = "official-but-warn"
LOOKALIKE = "lookalike"
UNRELATED = "unrelated"
INVALID = "invalid"
VERDICTS = (OFFICIAL, OFFICIAL_BUT_WARN, LOOKALIKE, UNRELATED, INVALID)

MAX_REDIRECT_DEPTH = 2
"""How many known redirectors wrapped in each other are unwrapped (Safe Links around Google…)."""

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_SCRIPT_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")
_TAB_NEWLINE = {9: None, 10: None, 13: None}
_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))
_WORDS = re.compile(r"[\W_]+")
_HOST_WORDS = re.compile(r"[.\-]+")


class Reason(NamedTuple):
    """One finding: a catalogue code, its evidence, and a severity when the context
    makes it weigh differently from the catalogue (user info on the vendor's host
    is a warning; on another host, a trick)."""

    code: str
    evidence: dict[str, Any]
    severity: Severity | None = None


class Judgement(NamedTuple):
    """Everything decided about one address (immutable; tuples, because thousands
    are built per second in batch)."""

    verdict: str
    reasons: tuple[Reason, ...]
    address: Address | None = None
    rejection: Rejection | None = None
    opens_host: dict[str, str] | None = None
    registrable: str | None = None
    official_domain: str | None = None
    redirect_target: Judgement | None = None
    redirect_service: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def judge(text: str, policy: Policy, depth: int = 0) -> Judgement:
    """Judge ``text`` against ``policy``; pure, offline, bounded in time."""
    parsed = parse(text)
    if isinstance(parsed, Rejection):
        return Judgement(INVALID, (Reason("url.invalid", {"reason": parsed.reason, "why": parsed.why}),),
                         rejection=parsed)
    address = parsed
    if not address.is_web:
        scheme = address.scheme
        return Judgement(INVALID, (Reason("url.unsupported_scheme", {"scheme": scheme, "why": _scheme_why(scheme)}),),
                         address=address)
    host = address.hostname
    opens = {"ascii": host, "unicode": hosts.to_unicode(host) if address.host_type == HOST_DOMAIN else host}
    if address.host_type != HOST_DOMAIN:
        return _ip_address(address, opens, policy)
    problem = hosts.dns_problem(host)
    if problem is not None and (problem[0] == "punycode" or _named_like_official(host, policy)):
        # Chromium refuses invalid Punycode; an official name no DNS can hold is no sign-in address.
        return Judgement(INVALID, (Reason("url.invalid", {"reason": "impossible_host", "why": problem[1]}),),
                         address=address, opens_host=opens)
    official = hosts.official_domain_of(host, policy.official_domains) if problem is None else None
    if official is not None:
        return _on_official_host(address, opens, official, policy)
    judgement = _elsewhere(address, opens, policy, depth)
    if problem is None:
        return judgement
    # Browsers open such an address (a label over 63 characters, say) and then cannot reach it:
    # the person sees "This site can't be reached", or whatever a proxy answers. Not a parse error.
    unreachable = Reason("url.unreachable_host", {"host": host.rstrip(".")[:253], "why": problem[1]})
    return judgement._replace(reasons=(*judgement.reasons, unreachable))


def _named_like_official(host: str, policy: Policy) -> bool:
    """The host is an official domain or ends with one (by name alone: no PSL for a name DNS cannot hold)."""
    name = host.rstrip(".")
    return any(name == d or name.endswith("." + d) for d in policy.official_domains)


# -- the vendor's own host ------------------------------------------------------------


def _on_official_host(address: Address, opens: dict[str, str], official: str, policy: Policy) -> Judgement:
    host = address.hostname
    expected_port = any(s.port and s.host == host.rstrip(".") and s.port == address.port for s in policy.signins)
    reasons = _common(address, on_official=True, expected_port=expected_port)
    if host.endswith("."):
        reasons.append(Reason("url.trailing_dot", {"host": host}))
    vendor_labels = host.rstrip(".").count(".") - official.count(".")
    unicode_labels = [
        (a, u)
        for a, u in list(zip(host.split("."), opens["unicode"].split("."), strict=False))[:vendor_labels]
        if a.startswith("xn--")
    ]
    if unicode_labels:
        reasons.append(Reason(
            "url.homograph",
            {
                "host": host,
                "shown_as": opens["unicode"],
                "labels": [u for _a, u in unicode_labels],
                "scripts": sorted({s for _a, u in unicode_labels for s in homograph.scripts(u)}),
                "rule": "unicode_in_vendor_subdomain",
            },
            Severity.MEDIUM,
        ))
    for parameter, destination in _offsite_redirects(address, policy):
        reasons.append(Reason("url.offsite_redirect_param", {"parameter": parameter, "destination": destination}))
    bare = host.rstrip(".")
    if not policy.is_signin(bare, address.pathname):
        # The path itself is in details.canonical (redacted there); not repeated here.
        reasons.append(Reason("url.not_signin_page", {"host": bare, "signin": policy.default_signin}))
    verdict = OFFICIAL_BUT_WARN if reasons else OFFICIAL
    return Judgement(verdict, tuple(reasons), address=address, opens_host=opens,
                     registrable=hosts.registrable_of_official(official), official_domain=official)


def _offsite_redirects(address: Address, policy: Policy) -> list[tuple[str, str]]:
    """Redirect-like parameters whose value takes the browser off the official domains.

    A value is resolved as the browser resolves a redirect (against the page's
    own address) and also read on its own (as a server that redirects to it
    might), each of its percent-decoded forms in turn.
    """
    found: list[tuple[str, str]] = []
    for name, value in redirect_values(address.search, address.fragment):
        for form in decode_layers(value.strip()):
            destination = _leaves_to(form, address.href, policy)
            if destination is not None:
                found.append((name, destination))
                break
    return found


def _leaves_to(value: str, base: str, policy: Policy) -> str | None:
    """Where ``value`` leads when it leaves the official domains, else None."""
    cleaned = value.translate(_TAB_NEWLINE).lstrip(_C0_AND_SPACE)
    if ":" not in cleaned and not cleaned.startswith(("//", "/\\", "\\")):
        return None  # a relative path: it stays on the page's own host
    lowered = cleaned.lower()
    if lowered.startswith(_SCRIPT_SCHEMES):
        return lowered.split(":", 1)[0] + ": (runs code instead of opening a page)"
    for resolve_against in (base, None):
        target = resolve_url(cleaned, resolve_against)
        if target is None or target.protocol not in ("http:", "https:"):
            continue
        host = target.hostname
        if host and hosts.official_domain_of(host, policy.official_domains) is None:
            return str(host)
    return None


# -- any other host -------------------------------------------------------------------


def _elsewhere(address: Address, opens: dict[str, str], policy: Policy, depth: int) -> Judgement:
    host = address.hostname
    bare = host.rstrip(".")
    owner = hosts.registrable(bare)
    reasons = [Reason("url.unofficial", {"host": bare, "owner": owner or bare})]
    reasons.extend(_common(address, on_official=False))
    service, redirect_target, shortener = _redirector(address, bare, owner, policy, depth)
    if shortener is not None:
        reasons.append(shortener)

    uni = opens["unicode"].rstrip(".")
    label, suffix = _name_and_suffix(owner, bare)
    label_u = hosts.to_unicode(label) if label else None
    signals = _homograph_signals(uni, hosts.to_unicode(suffix))
    resemblance = _resemblance(owner, label, label_u, suffix, uni, policy) if owner else None
    if resemblance is None and owner:
        resemblance = _split_brand(bare, suffix, policy)
    leading = _imitation_reasons(bare, uni, owner, signals, resemblance)
    places = _embedded(address, bare, owner, label, suffix, resemblance is not None, redirect_target, policy)
    if places:
        leading.append(_brand_embedded(places, bare, owner or bare, policy, hosts.to_unicode(suffix)))

    imitation = (
        (redirect_target is not None and redirect_target.verdict == LOOKALIKE)
        or resemblance is not None
        or bool(places)
    )
    verdict = LOOKALIKE if imitation else UNRELATED
    return Judgement(verdict, tuple(leading + reasons), address=address, opens_host=opens, registrable=owner,
                     redirect_target=redirect_target, redirect_service=service)


def _redirector(
    address: Address, bare: str, owner: str | None, policy: Policy, depth: int
) -> tuple[str | None, Judgement | None, Reason | None]:
    """``(service, judgement of where it leads, url.shortener reason)`` for a link service's address.

    A known redirector's target is read from the address and judged in turn
    (up to :data:`MAX_REDIRECT_DEPTH` deep); a shortener hides its target.
    """
    if owner is None:
        return None, None, None
    redirector = known_redirector(owner, bare, address.pathname, address.search)
    if redirector is not None:
        target = judge(redirector.target, policy, depth + 1) if depth < MAX_REDIRECT_DEPTH else None
        target_host = target.opens_host["ascii"] if target and target.opens_host else None
        return redirector.name, target, Reason("url.shortener", {
            "service": redirector.name,
            "hidden": False,
            "target_host": target_host,
            "target_verdict": target.verdict if target else None,
        })
    if owner in policy.shorteners or bare in policy.shorteners:
        return owner, None, Reason("url.shortener", {"service": owner, "hidden": True})
    return None, None, None


def _name_and_suffix(owner: str | None, bare: str) -> tuple[str | None, str]:
    """The registrable name's own label and its public suffix (``evil``, ``co.uk``)."""
    if owner:
        label, _, suffix = owner.partition(".")
        return label, suffix
    if "." not in bare:
        return bare, hosts.public_suffix(bare)  # a single-label host ("https://atera/") is its own name
    return None, hosts.public_suffix(bare)


def _imitation_reasons(bare: str, uni: str, owner: str | None, signals: dict[str, Any],
                       resemblance: tuple[str, str, str] | None) -> list[Reason]:
    """The homograph or typosquat reason: a name that imitates an official one, or Unicode tricks in it."""
    if resemblance is not None and resemblance[2] == "homograph":
        return [Reason("url.homograph", {**signals, "host": bare, "shown_as": uni,
                                         "imitates": resemblance[1], "rule": resemblance[0]})]
    leading = []
    if signals.get("rules"):
        leading.append(Reason("url.homograph", {**signals, "host": bare, "shown_as": uni, "imitates": None,
                                                "rule": signals["rules"][0]}, Severity.HIGH))
    if resemblance is not None and resemblance[2] == "typosquat":
        leading.append(Reason("url.typosquat", {"host": bare, "owner": owner, "kind": resemblance[0],
                                                "imitates": resemblance[1]}))
    return leading


def _brand_embedded(places: list[tuple[str, str]], host: str, owner: str, policy: Policy,
                    suffix: str = "") -> Reason:
    """The brand inside someone else's address: the first place it was found, and all the places.

    On a hosting service (a public suffix anyone registers names under, such as
    ``com.ru`` or ``github.io``) the evidence names that suffix: it is what the
    person should know the site belongs to."""
    where, text = places[0]
    evidence = {"where": where, "text": text, "places": [p for p, _t in places],
                "host": host, "owner": owner, "brand": policy.brand_display}
    if where == "hosting":
        evidence["hosting_suffix"] = suffix
    return Reason("url.brand_embedded", evidence)


def _homograph_signals(unicode_host: str, unicode_suffix: str) -> dict[str, Any]:
    """Mixed scripts, whole-script confusables and punctuation lookalikes in the host's labels."""
    if unicode_host.isascii():
        return {}
    rules: list[str] = []
    labels: list[str] = []
    scripts: set[str] = set()
    lookalikes: list[str] = []
    tld = unicode_suffix.rsplit(".", 1)[-1]
    for label in unicode_host.split("."):
        if label.isascii():
            continue
        scripts |= homograph.scripts(label)
        if homograph.is_mixed_script(label):
            rules.append("mixed_scripts")
            labels.append(label)
        elif homograph.whole_script_confusable(label, tld):
            rules.append("whole_script_confusable")
            labels.append(label)
        marks = homograph.separator_lookalikes(label)
        if marks:
            rules.append("punctuation_lookalike")
            lookalikes.extend(marks)
            labels.append(label)
    if not rules:
        return {"scripts": sorted(scripts)}
    return {"rules": list(dict.fromkeys(rules)), "labels": list(dict.fromkeys(labels)),
            "scripts": sorted(scripts), "lookalikes": lookalikes}


def _resemblance(owner: str, label: str | None, label_u: str | None, suffix: str, unicode_host: str,
                 policy: Policy) -> tuple[str, str, str] | None:
    """``(rule, imitated domain, code kind)`` when the registrable name imitates an official one."""
    owner_u = hosts.to_unicode(owner)
    ascii_name = owner_u.isascii()
    whole = _whole_name_resemblance(owner_u, ascii_name, unicode_host, policy)
    if whole is not None or label is None or label_u is None:
        return whole
    if ascii_name:
        return _ascii_label_resemblance(label, suffix, policy)
    return _unicode_label_resemblance(label_u, policy)


def _whole_name_resemblance(owner_u: str, ascii_name: bool, unicode_host: str,
                            policy: Policy) -> tuple[str, str, str] | None:
    """The registrable name (or, when it is Unicode, the whole host) looks like an official name."""
    for shape in homograph.skeletons(owner_u):
        match = policy.domain_skeletons.get(shape)
        if match is not None:
            return ("homoglyph", match, "typosquat") if ascii_name else ("skeleton_equal", match, "homograph")
    if not ascii_name:
        for shape in homograph.skeletons(unicode_host):
            match = policy.domain_skeletons.get(shape)
            if match is not None:
                return "skeleton_equal", match, "homograph"
    return None


def _ascii_label_resemblance(label: str, suffix: str, policy: Policy) -> tuple[str, str, str] | None:
    """An ASCII name that is a typosquat permutation, the brand under another ending, or one edit away."""
    hit = policy.permutations.get(label)
    if hit is not None:
        return hit[0], hit[1], "typosquat"
    if label in policy.official_suffixes or label in policy.brand_labels:
        if hosts.is_hosting_suffix(suffix):
            return None  # reported as the brand embedded in a hosting service's name
        return "tld-swap", policy.imitated(label), "typosquat"
    for brand in policy.brand_labels:
        if len(brand) >= 4 and within_one_edit(label, brand):
            return "similar-spelling", policy.imitated(brand), "typosquat"
    return None


def _split_brand(host: str, suffix: str, policy: Policy) -> tuple[str, str, str] | None:
    """The brand split by a dot across the registrable domain (``at.era.com`` reads as
    ``atera.com``): the last labels before the public suffix, joined, are a brand label.

    Chromium's lookalike check compares "separators removed" skeletons of top
    domains the same way (``SkeletonType::kSeparatorsRemoved``).
    """
    if not suffix or not host.endswith("." + suffix):
        return None
    labels = host[: -len(suffix) - 1].split(".")
    for count in range(2, min(len(labels), 4) + 1):
        joined = "".join(labels[-count:]).replace("-", "")
        if joined in policy.brand_labels and labels[-1] != joined:
            return "dot-inserted", policy.imitated(joined), "typosquat"
    return None


def _unicode_label_resemblance(label_u: str, policy: Policy) -> tuple[str, str, str] | None:
    """A Unicode name whose skeleton equals a brand's, or is one edit from it."""
    for shape in homograph.skeletons(label_u):
        match = policy.label_skeletons.get(shape)
        if match is not None:
            return "skeleton_equal", match, "homograph"
        for brand_shape, domain in policy.label_skeletons.items():
            if len(brand_shape) >= 4 and within_one_edit(shape, brand_shape):
                return "skeleton_similar", domain, "homograph"
    return None


def _embedded(address: Address, host: str, owner: str | None, label: str | None, suffix: str, matched: bool,
              redirect_target: Judgement | None, policy: Policy) -> list[tuple[str, str]]:
    """Where the brand or an official domain appears in another site's address.

    Words are compared by skeleton, so the brand written with look-alike
    letters (``аtera-login.evil.net``) still counts as the brand.
    """
    found: list[tuple[str, str]] = []
    shapes = policy.brand_shapes
    # Host: subdomain labels (and the registrable label, when it is not already a typosquat).
    sub = host[: -len(owner) - 1] if owner and host.endswith("." + owner) else ""
    parts = [("subdomain", sub)] if sub else []
    if label and not matched:
        parts.append(("hosting" if owner and hosts.is_hosting_suffix(suffix) else "name", label))
    for where, text in parts:
        unicode_text = hosts.to_unicode(text)
        if _mentions_brand(_HOST_WORDS.split(homograph.skeleton(unicode_text)), shapes):
            found.append((where, unicode_text[:120]))
    if address.username:
        user = _decoded(address.username)
        if _mentions_brand([homograph.skeleton(user)], shapes) or _mentions_official(user, policy):
            found.append(("user info", user[:120]))
    if redirect_target is None:
        path = _decoded(address.pathname)
        if _mentions_brand(_WORDS.split(homograph.skeleton(path)), shapes, whole_token=True) \
                or _mentions_official(path, policy):
            found.append(("path", path[:120]))
        for where, text in (("query", address.search), ("fragment", address.fragment)):
            if text and _mentions_official(_decoded(text), policy):
                found.append((where, "(mentions " + ", ".join(policy.official_domains) + ")"))
    return found


def _mentions_brand(words: list[str], shapes: tuple[str, ...], whole_token: bool = False) -> bool:
    """True when one of ``words`` (skeletons) is (``whole_token``) or contains a brand
    skeleton. Short brands (under 4 characters) must be a whole word: ``ab`` is in
    too many words."""
    for word in words:
        if not word:
            continue
        for brand in shapes:
            if whole_token or len(brand) < 4:
                if word == brand:
                    return True
            elif brand in word:
                return True
    return False


def _mentions_official(text: str, policy: Policy) -> bool:
    return policy.mentions_official.search(text.lower()) is not None


def _decoded(text: str) -> str:
    return decode_layers(text)[-1]


# -- parts shared by every web address ------------------------------------------------


def _common(address: Address, on_official: bool, expected_port: bool = False) -> list[Reason]:
    """http, user info, non-default port and obfuscation: warnings on the vendor's host,
    context (and user info a trick) elsewhere. A port the profile's own sign-in
    address names (``expected_port``) is not unusual."""
    reasons: list[Reason] = []
    if address.scheme == "http":
        reasons.append(Reason("url.not_https", {"scheme": "http"}))
    if address.has_userinfo:
        reasons.append(Reason(
            "url.userinfo_official" if on_official else "url.userinfo",
            {"user": _shown_user(address.username), "password": address.has_password,
             "host": address.hostname.rstrip(".")},
        ))
    if address.port and address.port != _DEFAULT_PORTS[address.scheme] and not expected_port:
        reasons.append(Reason("url.nondefault_port", {"port": int(address.port)}))
    if address.obfuscation:
        reasons.append(Reason("url.obfuscated", {"kinds": list(address.obfuscation),
                                                 "written_host": address.raw_host[:200],
                                                 "host": address.hostname}))
    return reasons


def _shown_user(username: str) -> str:
    """The user name, only when it is the decoy itself (a host name); a person's name is redacted."""
    user = _decoded(username)
    if "." in user and re.fullmatch(r"[0-9A-Za-z.\-]+", user) and len(user) <= 120:
        return user
    return "[redacted]"


def _ip_address(address: Address, opens: dict[str, str], policy: Policy) -> Judgement:
    ip_text = address.hostname.strip("[]")
    try:
        ip = ipaddress.ip_address(ip_text)
        kind = "loopback" if ip.is_loopback else "private" if ip.is_private else "public"
    except ValueError:
        kind = "unknown"
    reasons = [
        Reason("url.ip_address", {"address": ip_text, "kind": kind,
                                  "written_host": address.raw_host[:200]}),
        Reason("url.unofficial", {"host": ip_text, "owner": ip_text}),
        *_common(address, on_official=False),
    ]
    places = _embedded(address, ip_text, None, None, "", False, None, policy)
    if places:
        reasons.insert(0, _brand_embedded(places, ip_text, ip_text, policy))
        return Judgement(LOOKALIKE, tuple(reasons), address=address, opens_host=opens)
    return Judgement(UNRELATED, tuple(reasons), address=address, opens_host=opens)


_SCHEME_WHY = {
    "javascript": "a javascript: address runs code in the current page instead of opening a site",
    "data": "a data: address carries a whole page inside the link, so there is no site behind it",
    "file": "a file: address opens a file on this computer, not a website",
    "blob": "a blob: address points to data inside another page",
    "mailto": "a mailto: address starts an email, it does not open a website",
    "ftp": "ftp: is a file-transfer address; sign-in pages use https",
    "ws": "ws: is a data connection for programs, not a page",
    "wss": "wss: is a data connection for programs, not a page",
    "view-source": "view-source: shows a page's code",
    "about": "about: addresses are the browser's own pages",
}


def _scheme_why(scheme: str) -> str:
    return _SCHEME_WHY.get(scheme, f"{scheme}: is not a web address (only https and http open websites)")
