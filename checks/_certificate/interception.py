"""Known TLS-inspection products and known-bad roots, from the TOML data beside this module.

Product matching follows Chrome's ``MatchKnownMITMSoftware``: regular
expressions over the issuer's common name and organisation, every given
expression must match the whole value. Chrome looks at the leaf's issuer
only; here every CA certificate on the path is looked at too, because some
products sign through an intermediate named after the customer.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cryptography import x509
from cryptography.x509.oid import NameOID

from checks._certificate.describe import Cert


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    kind: str
    """``corporate``, ``antivirus`` or ``debugging``."""
    issuer_cn: re.Pattern[str] | None
    issuer_o: re.Pattern[str] | None
    source: str

    def matches(self, name: x509.Name) -> bool:
        if self.issuer_cn is None and self.issuer_o is None:
            return False
        for pattern, oid in ((self.issuer_cn, NameOID.COMMON_NAME), (self.issuer_o, NameOID.ORGANIZATION_NAME)):
            if pattern is None:
                continue
            values = [str(a.value) for a in name.get_attributes_for_oid(oid)]
            if not any(pattern.fullmatch(v) for v in values):
                return False
        return True


@dataclass(frozen=True, slots=True)
class BadRoot:
    name: str
    spki_sha256: str
    subject_cn: str
    subject_o: str

    def matches(self, cert: Cert) -> str:
        """How ``cert`` matches this root: ``key``, ``name`` or '' (no match)."""
        if self.spki_sha256 and cert.spki_sha256 == self.spki_sha256:
            return "key"
        if not (self.subject_cn or self.subject_o):
            return ""
        return "name" if _name_matches(cert.cert.subject, self.subject_cn, self.subject_o) else ""


@dataclass(frozen=True, slots=True)
class ProductMatch:
    product: Product
    certificate: Cert
    whom: str


@dataclass(frozen=True, slots=True)
class BadRootMatch:
    root: BadRoot
    certificate: Cert
    matched_by: str


@cache
def _data() -> tuple[tuple[Product, ...], dict[str, str], tuple[BadRoot, ...]]:
    base = resources.files("checks._certificate")
    products_raw = tomllib.loads(base.joinpath("interception.toml").read_text("utf-8"))
    products = tuple(
        Product(
            name=str(p["name"]),
            kind=str(p.get("kind", "corporate")),
            issuer_cn=re.compile(p["issuer_cn"]) if p.get("issuer_cn") else None,
            issuer_o=re.compile(p["issuer_o"]) if p.get("issuer_o") else None,
            source=str(p.get("source", "")),
        )
        for p in products_raw.get("product", [])
    )
    whom = {str(k): str(v) for k, v in products_raw.get("whom", {}).items()}
    roots_raw = tomllib.loads(base.joinpath("known_bad_roots.toml").read_text("utf-8"))
    roots = tuple(
        BadRoot(
            name=str(r["name"]),
            spki_sha256=str(r.get("spki_sha256", "")).lower(),
            subject_cn=str(r.get("subject_cn", "")),
            subject_o=str(r.get("subject_o", "")),
        )
        for r in roots_raw.get("root", [])
    )
    return products, whom, roots


def whom_to_ask(kind: str) -> str:
    whom = _data()[1]
    return whom.get(kind, whom.get("unknown", "your IT team"))


def match_product(certs: Iterable[Cert]) -> ProductMatch | None:
    """The first known inspection product among the issuers of ``certs`` (leaf first)."""
    products = _data()[0]
    for cert in certs:
        for name in (cert.cert.issuer, cert.cert.subject) if cert.is_ca else (cert.cert.issuer,):
            for product in products:
                if product.matches(name):
                    return ProductMatch(product, cert, whom_to_ask(product.kind))
    return None


def match_bad_root(certs: Iterable[Cert]) -> BadRootMatch | None:
    """The first certificate of ``certs`` that is (or is named like) a root with a public private key."""
    roots = _data()[2]
    for cert in certs:
        for root in roots:
            how = root.matches(cert)
            if how:
                return BadRootMatch(root, cert, how)
    return None


def match_bad_issuer(leaf: Cert) -> BadRoot | None:
    """A known-bad root named as the leaf's issuer (when the root itself was not sent)."""
    for root in _data()[2]:
        if (root.subject_cn or root.subject_o) and _name_matches(leaf.cert.issuer, root.subject_cn, root.subject_o):
            return root
    return None


def _name_matches(name: x509.Name, cn: str, o: str) -> bool:
    cns = [str(a.value) for a in name.get_attributes_for_oid(NameOID.COMMON_NAME)]
    orgs = [str(a.value) for a in name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    return (not cn or cn in cns) and (not o or o in orgs)
