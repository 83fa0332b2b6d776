"""NSS certificate databases for the browsers under test (``certutil`` from libnss3-tools).

Chromium on Linux trusts, besides its built-in Chrome Root Store, the
certificates marked as trusted CAs in the user's NSS database
``$HOME/.pki/nssdb``; Firefox trusts those in its profile's ``cert9.db``.
Both are SQLite databases (``sql:`` prefix) that NSS opens shared, so a root
added while the browser runs is honoured by the next verification (checked
by ``test_chromium_smoke.py``): one browser process can serve many lab
scenarios, each with its own freshly generated root CA.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from cryptography import x509


class NssError(RuntimeError):
    """certutil failed; the message carries its output."""


def certutil_path() -> str | None:
    return shutil.which("certutil")


def _run(args: list[str]) -> str:
    binary = certutil_path()
    if binary is None:
        raise NssError("certutil is not installed (Debian: libnss3-tools)")
    proc = subprocess.run([binary, *args], capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise NssError(f"certutil {' '.join(args)} failed ({proc.returncode}): {proc.stdout}{proc.stderr}")
    return proc.stdout


def create_db(directory: Path) -> Path:
    """An empty NSS database (no password) in ``directory``; returns ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "cert9.db").exists():
        _run(["-N", "-d", f"sql:{directory}", "--empty-password"])
    return directory


def add_trusted_root(directory: Path, pem: Path, nickname: str | None = None) -> str:
    """Mark the CA certificate in ``pem`` (its first certificate) as a trusted TLS root
    (``-t C,,``) in the database at ``directory``; returns the nickname used."""
    certificate = x509.load_pem_x509_certificates(pem.read_bytes())[0]
    name = nickname or f"lab-root-{certificate.serial_number:x}"[:60]
    single = directory / f".{name}.pem"
    single.write_bytes(pem.read_bytes().split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n")
    try:
        _run(["-A", "-d", f"sql:{directory}", "-t", "C,,", "-n", name, "-i", str(single)])
    finally:
        single.unlink(missing_ok=True)
    return name


def remove(directory: Path, nickname: str) -> None:
    """Delete the certificate ``nickname`` from the database."""
    _run(["-D", "-d", f"sql:{directory}", "-n", nickname])


def nicknames(directory: Path) -> list[str]:
    """The nicknames of the certificates in the database."""
    out = _run(["-L", "-d", f"sql:{directory}"])
    names = []
    for line in out.splitlines()[4:]:
        if line.strip():
            names.append(line.rsplit(None, 1)[0].strip())
    return names
