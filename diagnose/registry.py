"""Which checks exist, where they come from, and in what order they may run.

Built-in and third-party checks load through one mechanism: an
:class:`importlib.metadata.EntryPoint` in the group ``login_doctor.checks``,
loaded and validated by :func:`_load`. Third-party ones are found in installed
distributions' metadata; the built-ins are the same kind of entry point listed
in :data:`BUILTIN_CHECKS`, so a source checkout runs without being installed and
``--no-plugins`` never scans site-packages.

A plugin that fails to import, is not a :class:`~diagnose.check.Check`
subclass, has bad metadata, reuses a taken id or takes part in a dependency
cycle is left out with a warning that ends up in the report: a broken plugin
never breaks a run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from diagnose.check import Check
from diagnose.settings import UsageError

GROUP = "login_doctor.checks"
"""The entry-point group third-party checks register under."""

NO_PLUGINS_ENV = "LOGIN_DOCTOR_NO_PLUGINS"
"""Set to a non-empty value to disable plugin autoloading (like ``--no-plugins``)."""

BUILTIN_CHECKS: tuple[EntryPoint, ...] = tuple(
    EntryPoint(name=name, value=value, group=GROUP)
    for name, value in (
        ("url", "checks.url:UrlCheck"),
        ("connectivity", "checks.connectivity:ConnectivityCheck"),
        ("certificate", "checks.certificate:CertificateCheck"),
        ("clock", "checks.clock:ClockCheck"),
        ("redirects", "checks.redirects:RedirectsCheck"),
        ("browser", "checks.browser:BrowserCheck"),
    )
)

_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """A loaded check class and where it came from."""

    cls: type[Check]
    source: str
    """``built-in``, or ``plugin <distribution> <version>``."""

    @property
    def id(self) -> str:
        return self.cls.id


@dataclass(frozen=True, slots=True)
class Registry:
    """Every usable check, by id, plus warnings about the ones left out."""

    checks: dict[str, CheckInfo]
    warnings: tuple[str, ...] = ()
    unloaded: tuple[str, ...] = ()
    """Built-in checks not imported because the run does not need them (``discover(needed=...)``)."""

    def plan(self, only: Sequence[str] = (), skip: Sequence[str] = ()) -> Plan:
        """Choose checks for a run and order them so dependencies come first.

        ``only`` adds the hard dependencies of the checks it names (the
        ``certificate`` check cannot run without ``connectivity``); ``skip``
        wins over both. Unknown ids, and a choice that leaves no check to run, are a
        :class:`UsageError`.
        """
        for check_id in (*only, *skip):
            if check_id not in self.checks and check_id not in self.unloaded:
                raise UsageError(
                    f"unknown check {check_id!r} (available: {', '.join(sorted({*self.checks, *self.unloaded}))})"
                )
        only = [check_id for check_id in only if check_id in self.checks]
        chosen: set[str] = set(only) if only else set(self.checks)
        pending = list(chosen)
        while pending:
            for dep in self.checks[pending.pop()].cls.requires:
                if dep in self.checks and dep not in chosen:
                    chosen.add(dep)
                    pending.append(dep)
        chosen -= set(skip)
        ordered = [info for info in _topological(self.checks.values()) if info.id in chosen]
        if not ordered and self.checks:
            raise UsageError("no check is left to run: --skip leaves out every check chosen")
        return Plan(tuple(ordered), skipped_by_request=tuple(sorted(set(skip))))


@dataclass(frozen=True, slots=True)
class Plan:
    """The checks of one run, dependencies before dependants."""

    checks: tuple[CheckInfo, ...]
    skipped_by_request: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(info.id for info in self.checks)


def discover(*, plugins: bool = True, extra: Iterable[EntryPoint] = (), needed: Collection[str] = ()) -> Registry:
    """Load built-in checks and, unless disabled, every installed plugin.

    ``extra`` entry points are treated as plugins (tests use it to load a
    check from the test suite without installing a distribution).
    ``needed`` (the ids of ``--only``) imports only those built-in checks and
    what they require, so ``--only url`` never loads the certificate check's
    cryptography; the others are listed in :attr:`Registry.unloaded`. Plugins
    are always loaded: their ids are known only once they are.
    """
    warnings: list[str] = []
    checks: dict[str, CheckInfo] = {}
    builtins = {ep.name: ep for ep in BUILTIN_CHECKS}
    _load_builtins(checks, warnings, needed or builtins)
    if plugins and not os.environ.get(NO_PLUGINS_ENV):
        _load_plugins(checks, warnings)
    for ep in extra:
        _add(checks, warnings, ep, f"plugin {ep.value}")
    if needed:
        checks = _complete(checks, warnings)
    unloaded = tuple(name for name in builtins if name not in checks) if needed else ()
    _drop_broken_dependencies(checks, warnings)
    return Registry(checks, tuple(warnings), unloaded)


def _load_plugins(checks: dict[str, CheckInfo], warnings: list[str]) -> None:
    for ep in entry_points(group=GROUP):
        dist = ep.dist
        if dist is not None and dist.name.lower().replace("_", "-") == "login-doctor":
            continue
        source = f"plugin {dist.name} {dist.version}" if dist is not None else f"plugin {ep.value}"
        _add(checks, warnings, ep, source)


def _complete(checks: dict[str, CheckInfo], warnings: list[str]) -> dict[str, CheckInfo]:
    """After a partial load: a plugin never takes a built-in's id (as when every built-in loads first),
    the built-ins the plugins require are loaded too, and built-ins come first in their usual order."""
    builtins = [ep.name for ep in BUILTIN_CHECKS]
    for name in [n for n, info in checks.items() if n in builtins and info.source != "built-in"]:
        warnings.append(f"check {name!r} ({checks.pop(name).source}) was left out: the id is already "
                        "taken by built-in")
    _load_builtins(checks, warnings, [d for info in list(checks.values()) for d in info.cls.requires])
    return {**{n: checks[n] for n in builtins if n in checks}, **{n: i for n, i in checks.items() if n not in builtins}}


def _load_builtins(checks: dict[str, CheckInfo], warnings: list[str], ids: Iterable[str]) -> None:
    """Load the built-in checks ``ids`` and, transitively, the built-ins they require."""
    builtins = {ep.name: ep for ep in BUILTIN_CHECKS}
    wanted = list(ids)
    while wanted:
        ep = builtins.get(wanted.pop(0))
        if ep is None or ep.name in checks:
            continue
        _add(checks, warnings, ep, "built-in")
        info = checks.get(ep.name)
        if info is not None:
            wanted.extend(info.cls.requires)


def _add(checks: dict[str, CheckInfo], warnings: list[str], ep: EntryPoint, source: str) -> None:
    try:
        cls = ep.load()
    except ModuleNotFoundError as exc:
        if source == "built-in" and exc.name is not None and exc.name.startswith("checks."):
            return  # a built-in that this build does not ship
        warnings.append(f"check {ep.name!r} ({source}) could not be loaded: {exc}")
        return
    except Exception as exc:  # a plugin may fail in any way at import time
        warnings.append(f"check {ep.name!r} ({source}) could not be loaded: {type(exc).__name__}: {exc}")
        return
    problem = _metadata_problem(cls)
    if problem:
        warnings.append(f"check {ep.name!r} ({source}) was left out: {problem}")
        return
    if cls.id in checks:
        warnings.append(
            f"check {cls.id!r} ({source}) was left out: the id is already taken by "
            f"{checks[cls.id].source}"
        )
        return
    checks[cls.id] = CheckInfo(cls, source)


def _metadata_problem(cls: object) -> str | None:
    if not (isinstance(cls, type) and issubclass(cls, Check)):
        return "it is not a subclass of diagnose.check.Check"
    if getattr(cls, "__abstractmethods__", None):
        return "it does not implement run()"
    check_id = getattr(cls, "id", None)
    if not isinstance(check_id, str) or not _ID.match(check_id):
        return "its id must be lower-case letters, digits and underscores"
    for attr in ("title", "failure_title", "description"):
        value = getattr(cls, attr, None)
        if not isinstance(value, str) or not value.strip():
            return f"it has no {attr}"
    for attr in ("requires", "optional", "reads_later", "reconciles_with"):
        value = getattr(cls, attr, ())
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            return f"its {attr} must be a tuple of check ids"
    if not isinstance(cls.timeout, (int, float)) or not 0 < cls.timeout <= 600:
        return "its timeout must be between 0 and 600 seconds"
    for code in cls.findings:
        if not code.startswith(check_id + "."):
            return f"finding code {code!r} must start with {check_id + '.'!r}"
    return None


def _drop_broken_dependencies(checks: dict[str, CheckInfo], warnings: list[str]) -> None:
    """Leave out checks whose hard dependencies are missing or cyclic (repeat to a fixed point)."""
    changed = True
    while changed:
        changed = False
        for info in list(checks.values()):
            missing = [d for d in info.cls.requires if d not in checks]
            if missing:
                warnings.append(
                    f"check {info.id!r} ({info.source}) was left out: it requires "
                    f"{', '.join(missing)}, which is not available"
                )
                del checks[info.id]
                changed = True
    ordered = {i.id for i in _topological(checks.values())}
    for check_id in sorted(set(checks) - ordered):
        warnings.append(f"check {check_id!r} ({checks[check_id].source}) was left out: dependency cycle")
        del checks[check_id]


def _topological(infos: Iterable[CheckInfo]) -> list[CheckInfo]:
    """Kahn's algorithm over ``requires`` and ``optional``; stable by registration order.

    Checks caught in a cycle are not returned.
    """
    by_id = {i.id: i for i in infos}
    deps = {
        i.id: {d for d in (*i.cls.requires, *i.cls.optional) if d in by_id and d != i.id}
        for i in by_id.values()
    }
    ordered: list[CheckInfo] = []
    placed: set[str] = set()
    progress = True
    while progress:
        progress = False
        for check_id, info in by_id.items():
            if check_id not in placed and deps[check_id] <= placed:
                ordered.append(info)
                placed.add(check_id)
                progress = True
    return ordered
