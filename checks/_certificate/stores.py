"""The trust stores a chain is judged against.

* **operating system**: what the browser trusts. On Linux that is OpenSSL's
  default CA file (truststore does exactly ``set_default_verify_paths``, with
  the same fallback list of distribution bundles); on Windows the ``ROOT``
  system store; on macOS the system bundle plus the admin keychain (where
  inspection products install their roots). The lab replaces it with
  ``Net.system_trust`` to simulate a root installed on the device.
* **Mozilla**: the public web PKI, as certifi ships it.
* **--ca-file**: anchors the person declared (a private CA, the lab's CA).

Bundles are parsed certificate by certificate, skipping what cannot be
parsed, and cached per file version: the first run pays a few milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import re
import ssl
import subprocess
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.x509.verification import Store

from checks._certificate.describe import Cert, load_der
from diagnose.net.tls import DISTRO_BUNDLES

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\s+.*?-----END CERTIFICATE-----", re.S)


@dataclass(frozen=True, eq=False)
class TrustStore:
    """A named set of trust anchors."""

    name: str
    """``operating_system``, ``mozilla`` or ``ca_file``."""
    label: str
    """How the report names it."""
    sources: tuple[str, ...]
    certificates: tuple[Cert, ...]
    error: str = ""

    @cached_property
    def _by_subject(self) -> dict[bytes, list[Cert]]:
        index: dict[bytes, list[Cert]] = {}
        for cert in self.certificates:
            index.setdefault(cert.subject_key, []).append(cert)
        return index

    def issuers_named(self, name: x509.Name) -> list[Cert]:
        """Anchors whose subject is ``name``."""
        return self._by_subject.get(name.public_bytes(), [])

    def contains(self, cert: Cert) -> bool:
        return cert.fingerprint in self.fingerprints

    @cached_property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(c.fingerprint for c in self.certificates)

    @cached_property
    def verifier_store(self) -> Store | None:
        """cryptography's :class:`Store` of these anchors (None when empty)."""
        return Store([c.cert for c in self.certificates]) if self.certificates else None

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "sources": list(self.sources),
            "anchors": len(self.certificates),
            **({"error": self.error} if self.error else {}),
        }


def union(name: str, label: str, stores: Sequence[TrustStore]) -> TrustStore:
    """One store holding every anchor of ``stores`` (duplicates removed; each keeps its store's name
    as ``source``). Cached: the stores themselves are cached per file version."""
    return _union(name, label, tuple(stores))


@lru_cache(maxsize=16)
def _union(name: str, label: str, stores: tuple[TrustStore, ...]) -> TrustStore:
    seen: dict[str, Cert] = {}
    for store in stores:
        for cert in store.certificates:
            seen.setdefault(cert.fingerprint, cert if cert.source == store.name else Cert(cert.cert, store.name))
    return TrustStore(name, label, tuple(s for st in stores for s in st.sources), tuple(seen.values()))


def mozilla_store() -> TrustStore:
    """Mozilla's public roots as shipped by certifi."""
    import certifi

    return _file_store("mozilla", f"Mozilla public roots (certifi {certifi.__version__})", (certifi.where(),))


def _file_store(name: str, label: str, paths: Sequence[str]) -> TrustStore:
    """A store of the certificates in ``paths``, built once per version of those files."""
    versions = []
    for path in paths:
        try:
            stat = os.stat(path)
            versions.append((path, stat.st_mtime_ns, stat.st_size))
        except OSError:
            versions.append((path, 0, -1))
    return _file_store_cached(name, label, tuple(versions))


@lru_cache(maxsize=16)
def _file_store_cached(name: str, label: str, versions: tuple[tuple[str, int, int], ...]) -> TrustStore:
    certs: list[Cert] = []
    errors = []
    for path, _mtime, _size in versions:
        loaded, error = _load_file(path, name)
        certs.extend(loaded)
        if error:
            errors.append(error)
    return TrustStore(name, label, tuple(p for p, _m, _s in versions), tuple(certs), "; ".join(errors))


def ca_file_store(paths: Iterable[Path]) -> TrustStore:
    """The anchors given with ``--ca-file``."""
    return _file_store("ca_file", "--ca-file", tuple(str(p) for p in paths))


def os_store(override: Sequence[Path] | None = None) -> TrustStore:
    """The operating system's trust store (or the lab's stand-in for it)."""
    if override is not None:
        return _file_store("operating_system", "this device's trust store (simulated)", tuple(str(p) for p in override))
    if sys.platform == "win32":  # pragma: no cover - not reachable on the test machine
        return _windows_store()
    files = _openssl_files()
    if sys.platform == "darwin":  # pragma: no cover - not reachable on the test machine
        return _macos_store(files)
    if not files:
        return TrustStore("operating_system", "this device's trust store", (), (), "no system CA bundle found")
    return _file_store("operating_system", "this device's trust store", tuple(files))


def _openssl_files() -> list[str]:
    """The CA bundle OpenSSL (and so truststore on Linux) loads by default."""
    paths = ssl.get_default_verify_paths()
    for candidate in (os.environ.get(paths.openssl_cafile_env or ""), paths.cafile, paths.openssl_cafile):
        if candidate and os.path.isfile(candidate):
            return [candidate]
    return [p for p in DISTRO_BUNDLES if os.path.isfile(p)][:1]


def _windows_store() -> TrustStore:  # pragma: no cover - Windows only
    certs = []
    for der, encoding, trust in ssl.enum_certificates("ROOT"):  # type: ignore[attr-defined,unused-ignore]
        if encoding == "x509_asn" and (trust is True or "1.3.6.1.5.5.7.3.1" in trust):
            try:
                certs.append(Cert(load_der(der), "operating_system"))
            except ValueError:
                continue
    return TrustStore("operating_system", "this device's trust store", ("Windows ROOT store",), tuple(certs))


def _macos_store(files: list[str]) -> TrustStore:  # pragma: no cover - macOS only
    certs: list[Cert] = []
    for path in files:
        certs.extend(_load_file(path, "operating_system")[0])
    sources = list(files)
    for keychain in ("/Library/Keychains/System.keychain",):
        try:
            out = subprocess.run(["security", "find-certificate", "-a", "-p", keychain],
                                 capture_output=True, timeout=5, check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        certs.extend(_parse_pem(out, "operating_system"))
        sources.append(keychain)
    return TrustStore("operating_system", "this device's trust store", tuple(sources), tuple(certs))


def _load_file(path: str, source: str) -> tuple[tuple[Cert, ...], str]:
    try:
        stat = os.stat(path)
    except OSError as exc:
        return (), f"{path}: {exc.strerror or exc}"
    return _load_cached(path, stat.st_mtime_ns, stat.st_size, source)


@lru_cache(maxsize=32)
def _load_cached(path: str, _mtime: int, _size: int, source: str) -> tuple[tuple[Cert, ...], str]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return (), f"{path}: {exc.strerror or exc}"
    certs = _parse_pem(data, source)
    if not certs and data and b"-----BEGIN" not in data:
        with contextlib.suppress(ValueError):
            certs = [Cert(load_der(data), source)]
    return tuple(certs), "" if certs else f"{path}: no certificate could be read"


def _parse_pem(data: bytes, source: str) -> list[Cert]:
    """Every certificate in a PEM bundle, one by one: a bad entry costs only itself."""
    out = []
    for block in _PEM.findall(data):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(Cert(x509.load_pem_x509_certificate(block), source))
        except ValueError:
            continue
    return out
