"""The package's public face: what it exports, and what importing it costs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import diagnose.net

ROOT = Path(__file__).resolve().parents[3]


def test_exported_members_are_the_public_names() -> None:
    public = {
        name for name, value in vars(diagnose.net).items()
        if not name.startswith("_") and not isinstance(value, ModuleType) and name != "annotations"
    }
    assert set(diagnose.net.__all__) == public
    assert diagnose.net.__all__ == sorted(diagnose.net.__all__, key=lambda n: (not n.isupper(), n))


def test_importing_the_package_loads_no_heavy_library() -> None:
    """httpx, httpcore, dnspython, pyOpenSSL and truststore load on first use, not on import."""
    code = (
        "import sys, diagnose.net, diagnose.check, diagnose.session\n"
        "print(sorted(m for m in ('httpx', 'httpcore', 'dns', 'OpenSSL', 'truststore') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
