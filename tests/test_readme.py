"""The README stays true: it lists every finding code, and its catalogue is the generated one."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tools.catalogue_md import readme_with_catalogue

ROOT = Path(__file__).resolve().parent.parent


def test_readme_catalogue_is_current() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert readme_with_catalogue(readme) == readme, "run: python tools/catalogue_md.py --write"
    for code in tomllib.loads((ROOT / "checks" / "findings.toml").read_text("utf-8")):
        assert f"`{code}`" in readme


def test_readme_has_the_two_fresh_machine_commands() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert 'python -m pip install . && login-doctor' in readme
    assert 'python -m pip install -e ".[test]" && python -m pytest' in readme
