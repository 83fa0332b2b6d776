"""Path building the way Chromium does it (BoringSSL ``pki/path_builder.cc``).

A depth-first search from the site's certificate towards a trust anchor that
backtracks over *every* candidate issuer: when two intermediates share a name
(cross-signing) and the first leads nowhere, or to a path that fails
verification, the next one is tried. For each certificate the candidates are
the intermediates the server sent and the trust anchors whose subject is its
issuer's name (normalised), sorted as Chromium sorts them: trusted ones whose
key identifier matches first, then by key identifier match, not self-issued
before self-issued, newest first. Only when those are exhausted are the
certificate's AIA caIssuers addresses asked (:class:`NeedAia` hands that to the
async caller, which fetches and restarts the deterministic search). A
certificate already on the path (same subject, subjectAltName and key) is
skipped; the search gives up after Chromium's iteration limit.

Every path that reaches an anchor is verified (:func:`~checks._certificate.pathcheck.check_path`);
the first valid one ends the search. Otherwise the best failure is kept the way
``CertPathBuilder::AddResultPath`` keeps it: the first path that reached an
anchor, or else the first partial one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cryptography import x509

from checks._certificate.describe import Cert
from checks._certificate.generalnames import Name
from checks._certificate.pathcheck import Problem, check_path

ITERATION_LIMIT = 20
"""``kPathBuilderIterationLimit`` in Chromium's cert_verify_proc_builtin.cc."""


@dataclass(frozen=True, eq=False)
class Anchor:
    """A trust anchor: public (the browser's root program) or trusted locally (device store, --ca-file)."""

    cert: Cert
    known: bool


@dataclass
class Anchors:
    """The trust store Chromium consults, by subject name and by exact certificate."""

    anchors: Sequence[Anchor]
    _by_name: dict[Name, list[Anchor]] = field(init=False, default_factory=dict)
    _by_print: dict[str, Anchor] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        for anchor in self.anchors:
            if anchor.cert.reading.refusals or anchor.cert.subject_name is None:
                continue  # Chromium cannot parse it, so cannot use it
            if not anchor.known and not _may_sign(anchor.cert):
                continue  # NSS does not treat it as a CA (observed with Chromium 156 on Linux)
            self._by_name.setdefault(anchor.cert.subject_name, []).append(anchor)
            self._by_print.setdefault(anchor.cert.fingerprint, anchor)

    def named(self, name: Name | None) -> list[Anchor]:
        return self._by_name.get(name, []) if name is not None else []

    def trust(self, cert: Cert) -> Anchor | None:
        return self._by_print.get(cert.fingerprint)


class NeedAia(Exception):
    """The search needs the issuers named in ``cert``'s AIA caIssuers addresses."""

    def __init__(self, cert: Cert) -> None:
        super().__init__(cert.subject)
        self.cert = cert


@dataclass(frozen=True)
class BuiltPath:
    """One path the search produced: certificates (site's first), the anchor it reached, its problems."""

    certs: tuple[Cert, ...]
    anchor: Anchor | None
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return self.anchor is not None and not self.problems


@dataclass
class _Candidate:
    cert: Cert
    anchor: Anchor | None
    order: tuple[object, ...]


class _Issuers:
    """The candidate issuers of one certificate on the current path (CertIssuersIter)."""

    def __init__(self, cert: Cert, search: _Search) -> None:
        self.cert = cert
        self.search = search
        self.entries: list[_Candidate] | None = None
        self.position = 0
        self.skipped = 0
        self.asked_aia = False
        self.seen: set[str] = set()

    def next(self) -> _Candidate | None:
        if self.entries is None:
            self.entries = []
            self._add(self.search.sync_issuers(self.cert))
        if self.position >= len(self.entries) and not self.asked_aia:
            self.asked_aia = True
            self._add(self.search.aia_issuers(self.cert))
        if self.position < len(self.entries):
            self.position += 1
            return self.entries[self.position - 1]
        return None

    def _add(self, certs: Sequence[Cert]) -> None:
        assert self.entries is not None
        fresh = []
        for cert in certs:
            if cert.fingerprint not in self.seen:
                self.seen.add(cert.fingerprint)
                fresh.append(self.search.candidate(self.cert, cert))
        rest = self.entries[self.position:] + fresh
        self.entries[self.position:] = sorted(rest, key=lambda c: c.order)

    @property
    def had_issuers(self) -> bool:
        return self.entries is not None and len(self.entries) > self.skipped


@dataclass
class _Search:
    leaf: Cert
    pool: Sequence[Cert]
    anchors: Anchors
    when: dt.datetime
    fetched: Mapping[str, Sequence[Cert]]
    """AIA results so far, by the fingerprint of the certificate whose issuers they are."""

    def sync_issuers(self, cert: Cert) -> list[Cert]:
        name = cert.issuer_name
        if name is None:
            return []
        sent = [c for c in self.pool if c.subject_name == name]
        return sent + [a.cert for a in self.anchors.named(name)]

    def aia_issuers(self, cert: Cert) -> Sequence[Cert]:
        from cryptography.x509.oid import AuthorityInformationAccessOID

        if cert.fingerprint in self.fetched:
            return self.fetched[cert.fingerprint]
        if cert.urls(AuthorityInformationAccessOID.CA_ISSUERS):
            raise NeedAia(cert)
        return ()

    def candidate(self, subject: Cert, issuer: Cert) -> _Candidate:
        anchor = self.anchors.trust(issuer)
        match = _key_id_match(subject, issuer)
        # TrustAndKeyIdentifierMatchToOrder: trusted+match 0, trusted 1, match 2, neither 3, trusted+mismatch 4, 5
        order = (match if anchor is not None else 2 + match) if match < 2 else (4 if anchor is not None else 5)
        return _Candidate(issuer, anchor, (order, issuer.self_issued, -issuer.not_before.timestamp(),
                                           -issuer.not_after.timestamp()))

    def verify(self, certs: list[Cert], anchor: Anchor) -> BuiltPath:
        problems = check_path(certs, local_anchor=not anchor.known, when=self.when)
        return BuiltPath(tuple(certs), anchor, tuple(problems))


def _may_sign(cert: Cert) -> bool:
    """A keyUsage, if present, that allows signing certificates."""
    usage = cert.reading.get(x509.KeyUsage)
    return usage is None or usage.key_cert_sign


def _key_id_match(subject: Cert, issuer: Cert) -> int:
    """0: the authority key identifier matches the issuer's key identifier; 1: no data; 2: mismatch."""
    aki = subject.reading.get(x509.AuthorityKeyIdentifier)
    ski = issuer.reading.get(x509.SubjectKeyIdentifier)
    if aki is None or aki.key_identifier is None or ski is None:
        return 1
    return 0 if aki.key_identifier == ski.digest else 2


def build_paths(leaf: Cert, pool: Sequence[Cert], anchors: Anchors, when: dt.datetime, *,
                fetched: Mapping[str, Sequence[Cert]]) -> list[BuiltPath]:
    """Every path Chromium's search tries, in order, up to the first valid one (raises :class:`NeedAia`)."""
    search = _Search(leaf, pool, anchors, when, fetched)
    out: list[BuiltPath] = []
    stack: list[_Issuers] = []
    present: set[object] = set()
    pending: _Candidate | None = _Candidate(leaf, anchors.trust(leaf), ())
    iterations = 0
    while True:
        if pending is None:
            if not stack:
                return out
            iterations += 1
            if iterations > ITERATION_LIMIT:
                certs = tuple(i.cert for i in stack)
                out.append(BuiltPath(certs, None, (Problem(len(certs) - 1, "iteration_limit",
                                                           "Chromium gave up searching for a path"),)))
                return out
            pending = stack[-1].next()
            if pending is None:
                if not stack[-1].had_issuers:
                    certs = tuple(i.cert for i in stack)
                    out.append(BuiltPath(certs, None, (Problem(len(certs) - 1, "no_issuer",
                                                               f"no issuer found for {certs[-1].subject}"),)))
                present.discard(stack.pop().cert.path_key)
                continue
        anchor = pending.anchor if stack else None  # the site's own certificate is never its own anchor
        if anchor is not None:
            out.append(search.verify([*(i.cert for i in stack), pending.cert], anchor))
            if out[-1].valid:
                return out
            pending = None
            continue
        if pending.cert.path_key in present:
            stack[-1].skipped += 1
            pending = None
            continue
        stack.append(_Issuers(pending.cert, search))
        present.add(pending.cert.path_key)
        pending = None


def best_path(paths: Sequence[BuiltPath]) -> BuiltPath | None:
    """``CertPathBuilder::AddResultPath``: the valid one, else the first that reached an anchor, else the first."""
    best: BuiltPath | None = None
    for path in paths:
        if best is None or (not best.valid and (path.valid or (path.anchor is not None and best.anchor is None))):
            best = path
    return best
