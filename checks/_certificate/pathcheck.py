"""One candidate path checked the way Chromium checks it (BoringSSL ``pki/verify_certificate_chain.cc``).

RFC 5280 section 6.1 as Chromium's builtin verifier applies it for a server
certificate, from the trust anchor down to the site's certificate:

* the anchor: a root from the public root program (Chrome Root Store; here
  Mozilla's list stands in for it) is trusted as it is; a root trusted
  locally (installed on the device, ``--ca-file``) has its dates and its
  constraints enforced (keyUsage with keyCertSign *if present*, an EKU that
  allows serverAuth, basicConstraints not saying CA:FALSE, pathLen, name
  constraints, no unknown critical extension) but needs no keyUsage at all;
* every certificate: matching signature algorithms, an algorithm Chromium
  supports (not SHA-1), a signature by the issuer's
  key, dates, the issuer's name (normalised), name constraints, EKU;
* intermediates: basicConstraints with CA:TRUE, path length, keyCertSign if
  keyUsage is present, no unknown critical extension, an acceptable key;
* the site's certificate: no unknown critical extension and an acceptable
  key; a CA certificate is accepted (a warning only, unlike the CA/B Forum).

Each problem names the certificate (its position) and maps to Chromium's
``cert_status`` flag the way ``MapPathBuilderErrorsToCertStatus`` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509

from checks._certificate.algorithms import key_problem, signature_algorithm, signature_valid
from checks._certificate.der import DerError, children, oid_text, single
from checks._certificate.describe import Cert, iso
from checks._certificate.generalnames import GeneralNames, in_subtree, ip_in_range, ip_text
from checks._certificate.parsing import NameConstraints, extension_name

SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
ANY_EKU = "2.5.29.37.0"
EKU_NAMES = {"1.3.6.1.5.5.7.3.2": "client authentication", "1.3.6.1.5.5.7.3.3": "code signing",
             "1.3.6.1.5.5.7.3.4": "email protection", "1.3.6.1.5.5.7.3.8": "time stamping",
             "1.3.6.1.5.5.7.3.9": "OCSP signing"}
HANDLED_CRITICAL = {"2.5.29.19", "2.5.29.15", "2.5.29.37", "2.5.29.30", "2.5.29.17", "2.5.29.33", "2.5.29.36",
                    "2.5.29.54"}
POLICIES = "2.5.29.32"
POLICY_CONSTRAINTS = "2.5.29.36"
KNOWN_QUALIFIERS = {"1.3.6.1.5.5.7.2.1", "1.3.6.1.5.5.7.2.2"}
MS_APPLICATION_POLICIES = "1.3.6.1.4.1.311.21.10"

STATUS = {
    "expired": "DATE_INVALID", "not_yet_valid": "DATE_INVALID", "weak_key": "WEAK_KEY",
    "bad_signature": "AUTHORITY_INVALID", "no_issuer": "AUTHORITY_INVALID",
    "issuer_name_mismatch": "AUTHORITY_INVALID", "iteration_limit": "AUTHORITY_INVALID",
    "revoked": "REVOKED", "key_usage": "KEY_USAGE_INCOMPATIBLE", "name_mismatch": "COMMON_NAME_INVALID",
    "sha1": "WEAK_SIGNATURE_ALGORITHM", "validity_too_long": "VALIDITY_TOO_LONG",
    "non_unique_name": "NON_UNIQUE_NAME",
}
"""Chromium's cert_status flag per problem; every other problem is ``INVALID`` (ERR_CERT_INVALID)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason Chromium refuses a path, on the certificate at ``index`` (0: the site's)."""

    index: int
    code: str
    detail: str

    @property
    def status(self) -> str:
        return STATUS.get(self.code, "INVALID")

    def describe(self) -> dict[str, object]:
        return {"position": self.index, "problem": self.code, "detail": self.detail, "chromium_status": self.status}


@dataclass
class _State:
    """The RFC 5280 working state while walking down the path."""

    when: dt.datetime
    max_path_length: int
    explicit_policy: int
    issuer: Cert | None = None
    constraints: list[NameConstraints] = field(default_factory=list)
    policy_graph_null: bool = False
    problems: list[Problem] = field(default_factory=list)

    def add(self, index: int, code: str, detail: str) -> None:
        self.problems.append(Problem(index, code, detail))


def check_path(path: Sequence[Cert], *, local_anchor: bool, when: dt.datetime) -> list[Problem]:
    """Chromium's verdict on ``path`` (site's certificate first, trust anchor last)."""
    top = len(path) - 1
    when = when.replace(microsecond=0)  # Chromium compares GeneralizedTime, whole seconds
    state = _State(when, max_path_length=top, explicit_policy=top + 1)
    _anchor(state, path[top], top, local_anchor)
    for index in range(top - 1, -1, -1):
        cert = path[index]
        if not _basic(state, cert, index):
            break  # a signature that does not verify: nothing below it means anything
        if index:
            _prepare_next(state, cert, index)
        else:
            _wrap_up(state, cert)
    return state.problems


def _anchor(state: _State, cert: Cert, index: int, local: bool) -> None:
    if local:
        _dates(state, cert, index)
        _ca_rules(state, cert, index, anchor=True)
    _key(state, cert, index)
    state.issuer = cert


def _key(state: _State, cert: Cert, index: int) -> None:
    code, why = key_problem(cert.cert)
    if code:
        state.add(index, code, why)


def _basic(state: _State, cert: Cert, index: int) -> bool:
    """Signature, dates, issuer name, name constraints, policies, EKU. False: stop (no valid signature)."""
    raw = cert.reading.raw
    issuer = state.issuer
    assert raw is not None and issuer is not None
    algorithm = signature_algorithm(raw.outer_algorithm)
    if raw.outer_algorithm != raw.inner_algorithm and algorithm != signature_algorithm(raw.inner_algorithm):
        state.add(index, "algorithm_mismatch", "the signature algorithm inside the certificate differs from the "
                  "one outside it")
        return False
    if algorithm is None or algorithm.weak:
        state.add(index, "unsupported_algorithm", _algorithm_text(cert, algorithm))
        return False
    if key_problem(issuer.cert)[0] == "unreadable_key":
        return False  # the issuer's key could not be read (reported on the issuer)
    if not signature_valid(cert.cert, issuer.cert, algorithm):
        state.add(index, "bad_signature", f"its signature was not made by the key of {issuer.subject}")
        return False
    _dates(state, cert, index)
    if cert.issuer_name is None or cert.issuer_name != issuer.subject_name:
        state.add(index, "issuer_name_mismatch", f"its issuer name does not match {issuer.subject}")
    if state.constraints and (index == 0 or not cert.self_issued):
        for constraints in state.constraints:
            reason = name_constraint_violation(constraints, cert)
            if reason:
                state.add(index, "name_constraints", reason)
                break
    _policies(state, cert, index)
    _eku(state, cert, index)
    return True


def _prepare_next(state: _State, cert: Cert, index: int) -> None:
    _key(state, cert, index)
    state.issuer = cert
    if not cert.self_issued:
        state.explicit_policy = max(0, state.explicit_policy - 1)
    _policy_constraints(state, cert)
    basic = cert.reading.get(x509.BasicConstraints)
    if basic is None:
        state.add(index, "missing_basic_constraints", "it signs certificates but has no basicConstraints extension")
    elif not basic.ca:
        state.add(index, "not_a_ca", "it signs certificates but its basicConstraints say it is not a CA")
    if not cert.self_issued:
        if state.max_path_length == 0:
            state.add(index, "path_length", "path length: a certificate authority above it allows no further authority below it")
        else:
            state.max_path_length -= 1
    _ca_rules(state, cert, index, anchor=False)


def _ca_rules(state: _State, cert: Cert, index: int, *, anchor: bool) -> None:
    """keyUsage, basicConstraints' pathLen, name constraints and critical extensions of a CA."""
    basic = cert.reading.get(x509.BasicConstraints)
    if anchor and basic is not None and not basic.ca:
        state.add(index, "not_a_ca", "this root's basicConstraints say it is not a CA")
    if basic is not None and basic.path_length is not None and basic.path_length < state.max_path_length:
        state.max_path_length = basic.path_length
    usage = cert.reading.get(x509.KeyUsage)
    if usage is not None and not usage.key_cert_sign:
        state.add(index, "key_cert_sign", "its keyUsage does not allow signing certificates (keyCertSign)")
    if anchor:
        _policy_constraints(state, cert)
        _eku(state, cert, index)
    if cert.reading.name_constraints is not None:
        state.constraints.append(cert.reading.name_constraints)
    _critical(state, cert, index)


def _wrap_up(state: _State, cert: Cert) -> None:
    _critical(state, cert, 0)
    _key(state, cert, 0)


def _dates(state: _State, cert: Cert, index: int) -> None:
    if state.when < cert.not_before:
        state.add(index, "not_yet_valid", f"valid only from {iso(cert.not_before)}")
    if cert.not_after < state.when:
        state.add(index, "expired", f"expired on {iso(cert.not_after)}")


def _eku(state: _State, cert: Cert, index: int) -> None:
    usage = cert.reading.get(x509.ExtendedKeyUsage)
    if usage is None:
        return
    oids = {u.dotted_string for u in usage}
    if SERVER_AUTH in oids or ANY_EKU in oids:
        return  # anyEKU without serverAuth is only a warning for the site's certificate and its issuer
    names = ", ".join(sorted(EKU_NAMES.get(o, o) for o in oids)) or "nothing"
    state.add(index, "wrong_purpose", f"its extended key usage ({names}) does not include server authentication")


def _critical(state: _State, cert: Cert, index: int) -> None:
    raw = cert.reading.raw
    assert raw is not None
    has_eku = cert.reading.has("2.5.29.37")
    for ext in raw.extensions:
        if not ext.critical or ext.oid in HANDLED_CRITICAL:
            continue
        if ext.oid == POLICIES and _policies_parse_strictly(ext.value):
            continue
        if ext.oid == MS_APPLICATION_POLICIES and has_eku:
            continue
        state.add(index, "critical_extension", f"it has a critical {extension_name(ext.oid)} extension browsers "
                  "do not process")


def _policies_parse_strictly(value: bytes) -> bool:
    """certificatePolicies whose qualifiers are all CPS or userNotice (what Chromium accepts as critical)."""
    try:
        for info in children(single(value).value):
            parts = children(info.value)
            if len(parts) == 2:
                for qualifier in children(parts[1].value):
                    if oid_text(children(qualifier.value)[0].value) not in KNOWN_QUALIFIERS:
                        return False
    except (DerError, IndexError):
        return False
    return True


def _policies(state: _State, cert: Cert, index: int) -> None:
    """A simplified valid-policy tree: only whether it became empty while policies were required."""
    if not cert.reading.has(POLICIES):
        state.policy_graph_null = True
    if state.explicit_policy == 0 and state.policy_graph_null:
        state.add(index, "policy", "a certificate authority above requires a certificate policy this path lacks")


def _policy_constraints(state: _State, cert: Cert) -> None:
    constraints = cert.reading.get(x509.PolicyConstraints)
    if constraints is not None and constraints.require_explicit_policy is not None:
        state.explicit_policy = min(state.explicit_policy, constraints.require_explicit_policy)


def _algorithm_text(cert: Cert, algorithm: object) -> str:
    if algorithm is not None:
        return "it is signed with SHA-1"
    return f"it is signed with an algorithm browsers do not support ({cert.signature_name})"


# ------------------------------------------------------------------------------- name constraints

SUPPORTED_TYPES = {"dns", "ip", "directory", "email"}


def name_constraint_violation(constraints: NameConstraints, cert: Cert) -> str:
    """Why ``cert``'s names break ``constraints`` (BoringSSL ``NameConstraints::IsPermittedCert``); '' if they do not."""
    permitted, excluded = constraints.permitted, constraints.excluded
    constrained = (permitted.types if permitted else set()) | (excluded.types if excluded else set())
    if not constraints.critical:
        constrained &= SUPPORTED_TYPES
    san = cert.reading.san
    if san is not None:
        unsupported = constrained & san.types - SUPPORTED_TYPES
        if unsupported:
            return f"its {', '.join(sorted(unsupported))} names fall under constraints browsers cannot check"
        for name in san.dns:
            if not _dns_permitted(name, permitted, excluded):
                return f"the name {name} is outside what the issuing authority may certify"
        for directory in san.directory:
            if not _directory_permitted(directory, permitted, excluded):
                return "a directory name in its subjectAltName is outside what the issuing authority may certify"
        for ip in san.ips:
            if not _ip_permitted(ip, permitted, excluded):
                return f"the address {ip_text(ip)} is outside what the issuing authority may certify"
        raw = cert.reading.raw
        if raw is not None and not raw.subject:
            return ""
    if cert.subject_name is not None and not _directory_permitted(cert.subject_name, permitted, excluded):
        return f"its subject ({cert.subject}) is outside what the issuing authority may certify"
    return ""


def _dns_permitted(name: str, permitted: GeneralNames | None, excluded: GeneralNames | None) -> bool:
    if excluded is not None and any(dns_matches(name, c, partial_wildcard=True) for c in excluded.dns):
        return False
    if permitted is None or not permitted.dns:
        return True
    return any(dns_matches(name, c, partial_wildcard=False) for c in permitted.dns)


def _directory_permitted(name: object, permitted: GeneralNames | None, excluded: GeneralNames | None) -> bool:
    if excluded is not None and any(in_subtree(name, c) for c in excluded.directory):  # type: ignore[arg-type]
        return False
    if permitted is None or not permitted.directory:
        return True
    return any(in_subtree(name, c) for c in permitted.directory)  # type: ignore[arg-type]


def _ip_permitted(ip: bytes, permitted: GeneralNames | None, excluded: GeneralNames | None) -> bool:
    if excluded is not None and any(ip_in_range(ip, r) for r in excluded.ip_ranges):
        return False
    if permitted is None or not permitted.ip_ranges:
        return True
    return any(ip_in_range(ip, r) for r in permitted.ip_ranges)


def dns_matches(name: str, constraint: str, *, partial_wildcard: bool) -> bool:
    """BoringSSL's DNSNameMatches: ``name`` in the subtree ``constraint``."""
    if not constraint:
        return True
    name, constraint = name.removesuffix("."), constraint.removesuffix(".")
    if (partial_wildcard and len(name) > 2 and name.startswith("*.") and "." in constraint
            and name[2:].lower() == constraint.split(".", 1)[1].lower()):
        return True
    if not name.lower().endswith(constraint.lower()):
        return False
    if len(name) == len(constraint):
        return True
    bare = constraint.removeprefix(".")
    return len(name) > len(bare) and name[len(name) - len(bare) - 1] == "."
