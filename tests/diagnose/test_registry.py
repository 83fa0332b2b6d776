"""The registry: built-ins and plugins through one entry-point mechanism; broken plugins are warnings."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from diagnose.registry import discover
from diagnose.settings import UsageError


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group="login_doctor.checks")


def test_builtins_are_loaded_with_their_source() -> None:
    registry = discover(plugins=False)
    assert "connectivity" in registry.checks
    assert registry.checks["connectivity"].source == "built-in"
    assert registry.warnings == ()


def test_broken_plugins_are_warnings_not_crashes() -> None:
    registry = discover(
        plugins=False,
        extra=[
            _ep("missing", "tests.diagnose.no_such_module:Check"),
            _ep("not_a_check", "tests.diagnose.fake_checks:NotACheck"),
            _ep("bad_id", "tests.diagnose.fake_checks:BadId"),
            _ep("dup", "tests.diagnose.fake_checks:DuplicateConnectivity"),
            _ep("cycle_a", "tests.diagnose.fake_checks:CycleA"),
            _ep("cycle_b", "tests.diagnose.fake_checks:CycleB"),
            _ep("alpha", "tests.diagnose.fake_checks:Alpha"),
        ],
    )
    text = "\n".join(registry.warnings)
    assert "'missing'" in text and "could not be loaded" in text
    assert "not a subclass" in text
    assert "id must be lower-case" in text
    assert "already taken by built-in" in text
    assert "cycle" in text
    assert registry.checks["connectivity"].source == "built-in"
    assert "alpha" in registry.checks
    assert "cycle_a" not in registry.checks and "cycle_b" not in registry.checks


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[Path]:
    """A real installed distribution (dist-info on sys.path) declaring two checks, one broken."""
    (tmp_path / "ld_hello_plugin.py").write_text(textwrap.dedent('''
        from diagnose.check import Check, CheckContext, Outcome

        class HelloCheck(Check):
            id = "hello"
            title = "Hello"
            failure_title = "No hello"
            description = "Says hello."
            version = "2.1"

            async def run(self, ctx: CheckContext) -> Outcome:
                return self.outcome("hello")
    '''))
    info = tmp_path / "ld_hello_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ld-hello-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[login_doctor.checks]\nhello = ld_hello_plugin:HelloCheck\nbroken = ld_hello_plugin:Missing\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("ld_hello_plugin", None)


def test_installed_plugins_are_discovered_from_distribution_metadata(installed_plugin: Path) -> None:
    registry = discover()
    assert registry.checks["hello"].source == "plugin ld-hello-plugin 1.0"
    assert any("'broken'" in w for w in registry.warnings)
    assert "hello" not in discover(plugins=False).checks


def test_no_plugins_env_var_disables_autoload(installed_plugin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGIN_DOCTOR_NO_PLUGINS", "1")
    assert "hello" not in discover().checks


def test_plan_orders_dependencies_and_pulls_them_in_for_only() -> None:
    registry = discover(plugins=False, extra=[_ep("alpha", "tests.diagnose.fake_checks:Alpha"),
                                               _ep("needs_alpha", "tests.diagnose.fake_checks:NeedsAlpha")])
    plan = registry.plan(["needs_alpha"])
    assert plan.ids == ("alpha", "needs_alpha")
    assert "needs_alpha" not in registry.plan([], ["needs_alpha"]).ids


def test_plan_rejects_unknown_ids() -> None:
    registry = discover(plugins=False)
    with pytest.raises(UsageError, match="unknown check 'nope'"):
        registry.plan(["nope"])
    with pytest.raises(UsageError, match="unknown check"):
        registry.plan([], ["nope"])


def test_needed_loads_only_those_built_ins_and_what_they_require() -> None:
    registry = discover(plugins=False, needed=("certificate",))
    assert list(registry.checks) == ["connectivity", "certificate"]
    assert set(registry.unloaded) == {"url", "clock", "redirects", "browser"}
    assert registry.plan(("certificate",), ("browser",)).ids == ("connectivity", "certificate")
    with pytest.raises(UsageError, match=r"unknown check 'nope'.*browser"):
        registry.plan(("certificate",), ("nope",))
    everything = discover(plugins=False)
    assert everything.unloaded == ()
    assert everything.plan(("certificate",)).ids == registry.plan(("certificate",)).ids
