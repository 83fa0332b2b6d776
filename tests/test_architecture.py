"""The layers, kept by a test: dependencies point one way, no circle, no other package's private names.

Every module of ``diagnose/``, ``checks/`` and ``reports/`` is read with
:mod:`ast` (nothing is imported). Every import counts, also one inside a
function (a lazy import is still a dependency); an import under
``if TYPE_CHECKING:`` must point down like any other, but is left out of the
circle search, since it never runs. ``docs/architecture.md`` says the same in
words; change both together.

The layers, bottom first. A module may import modules of its own layer and of
the layers below. A layer made of several independent groups (checks and
renderers; the front ends) does not let one group import another.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("diagnose", "checks", "reports")

LAYERS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    # the result model and the data results are decided with (no I/O beyond reading package data)
    ("model", (("diagnose", "diagnose.model", "diagnose.checklist", "diagnose.settings",
                "diagnose.profiles.*", "diagnose.redact.*", "diagnose.psl", "diagnose.facts",
                "diagnose.deadline", "diagnose.words", "diagnose.inputs.*"),)),
    # the inputs from outside: the one place that touches the network (diagnose/net.py, or the
    # package diagnose/net/), and browser recordings (HAR files: read, typed, sanitized; no
    # findings, no files written). Each on its own: checks read both, neither needs the other.
    ("net", (("diagnose.net.*",), ("diagnose.har.*",))),
    # the Check base class and CheckContext, which carries the Net
    ("check base", (("diagnose.check",),)),
    # built-in checks and report renderers: neither knows the other
    ("checks and renderers", (("checks.*",), ("reports.*",))),
    # registry, runner, session and what they emit and write
    ("engine", (("diagnose.registry", "diagnose.runner", "diagnose.session", "diagnose.events",
                 "diagnose.writer"),)),
    # what every front end shares: streams and exit codes, the parser, report files, the report on a recording
    ("front-end support", (("diagnose.environment", "diagnose.frontend", "diagnose.recording",
                            "diagnose.inputs.report"),)),
    # the front ends, each on its own
    ("front ends", (("diagnose.commands.*",), ("diagnose.tui.*",), ("diagnose.lab.*",))),
    # the command line starts every front end (subcommands by name, the TUI lazily)
    ("entry point", (("diagnose.cli", "diagnose.__main__"),)),
)
"""``name`` matches that module only; ``name.*`` matches it and every module below it."""

NOT_BY_NAME: dict[str, tuple[str, ...]] = {"engine": ("checks.*", "reports.*")}
"""Lower modules a layer must not name: the engine reaches checks through the registry's
entry points and never renders (the front ends choose and call the renderers)."""


@dataclass(frozen=True, slots=True)
class Import:
    """One import statement's edge: ``importer`` uses ``target`` (and, for ``from``, ``name``)."""

    importer: str
    target: str
    name: str | None
    line: int
    type_checking: bool

    def where(self) -> str:
        what = f"{self.target}.{self.name}" if self.name else self.target
        return f"{self.importer} (line {self.line}) imports {what}"


# --------------------------------------------------------------------------- reading


def module_sources(root: Path = ROOT) -> dict[str, str]:
    """``{"diagnose.cli": source, "diagnose": source of diagnose/__init__.py, …}``."""
    sources = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            sources[".".join(parts)] = path.read_text("utf-8")
    return sources


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(tree: ast.AST, type_checking: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement anywhere in ``tree``, and whether it sits under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, type_checking
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                yield from _statements(ast.Module([child], []), True)
            for child in node.orelse:
                yield from _statements(ast.Module([child], []), type_checking)
        else:
            yield from _statements(node, type_checking)


def imports(sources: Mapping[str, str]) -> list[Import]:
    """Every import of every module, with relative imports resolved and ``from pkg import module``
    taken as an import of that module."""
    packages = {m for m in sources if any(other.startswith(m + ".") for other in sources)}
    found = []
    for module, source in sources.items():
        package = module if module in packages else module.rpartition(".")[0]
        for node, type_checking in _statements(ast.parse(source, module)):
            if isinstance(node, ast.Import):
                found += [Import(module, alias.name, None, node.lineno, type_checking) for alias in node.names]
                continue
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in sources:
                    found.append(Import(module, f"{base}.{alias.name}", None, node.lineno, type_checking))
                else:
                    found.append(Import(module, base, alias.name, node.lineno, type_checking))
    return found


# --------------------------------------------------------------------------- rules


def _matches(pattern: str, module: str) -> bool:
    if pattern.endswith(".*"):
        stem = pattern[:-2]
        return module == stem or module.startswith(stem + ".")
    return module == pattern


def place(module: str) -> tuple[int, int] | None:
    """(layer, group) of ``module`` by its most specific pattern; None when no pattern covers it."""
    best: tuple[int, int, int] | None = None
    for layer, (_, groups) in enumerate(LAYERS):
        for group, patterns in enumerate(groups):
            for pattern in patterns:
                if _matches(pattern, module) and (best is None or len(pattern) > best[2]):
                    best = (layer, group, len(pattern))
    return None if best is None else best[:2]


def ours(module: str) -> bool:
    return module.split(".")[0] in PACKAGES


def unplaced(sources: Iterable[str]) -> list[str]:
    return [f"{m} is in no layer: add it to LAYERS (tests/test_architecture.py)" for m in sources if place(m) is None]


def layering_violations(edges: Iterable[Import]) -> list[str]:
    """Imports that point up, or across to another group of the same layer."""
    problems = []
    for edge in edges:
        if not ours(edge.target):
            continue
        source, target = place(edge.importer), place(edge.target)
        if source is None or target is None:
            continue
        layer = LAYERS[source[0]][0]
        if target[0] > source[0]:
            problems.append(f"upward: {edge.where()} ({layer} -> {LAYERS[target[0]][0]})")
        elif any(_matches(p, edge.target) for p in NOT_BY_NAME.get(layer, ())):
            problems.append(f"by name: {edge.where()} (the {layer} must not name it)")
        elif target[0] == source[0] and target[1] != source[1]:
            problems.append(f"sideways: {edge.where()} (two independent parts of {LAYERS[source[0]][0]})")
    return problems


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _package_of(module: str, packages: set[str]) -> str:
    return module if module in packages else module.rpartition(".")[0]


def privacy_violations(edges: Iterable[Import], packages: set[str]) -> list[str]:
    """Imports of another package's private names.

    A private module or package (``checks._url``) belongs to the package that
    holds it (``checks``): that package and everything inside the private one
    may import it. A private name (``_Parser`` in ``diagnose.cli``) belongs to
    its module's package (``diagnose``) alone, not to subpackages
    (``diagnose.commands``). Nothing private of a third-party package is imported.
    """
    problems = []
    for edge in edges:
        importer_package = _package_of(edge.importer, packages)
        parts = edge.target.split(".")
        for i, part in enumerate(parts):
            if not _private(part):
                continue
            owner, inside = ".".join(parts[:i]), ".".join(parts[: i + 1])
            if not ours(edge.target) or not (importer_package == owner or _matches(inside + ".*", edge.importer)):
                problems.append(f"private module: {edge.where()}")
                break
        else:
            if edge.name is not None and _private(edge.name):
                owner = _package_of(edge.target, packages) if ours(edge.target) else None
                if owner != importer_package:
                    problems.append(f"private name: {edge.where()}")
    return problems


def circles(edges: Iterable[Import]) -> list[list[str]]:
    """Groups of our modules that import each other at run time (Tarjan's strongly connected components)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if ours(edge.target) and not edge.type_checking and edge.target != edge.importer:
            graph.setdefault(edge.importer, set()).add(edge.target)
            graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def problems_of(sources: Mapping[str, str]) -> list[str]:
    edges = imports(sources)
    packages = {m for m in sources if any(other.startswith(m + ".") for other in sources)}
    return [
        *unplaced(sources),
        *layering_violations(edges),
        *privacy_violations(edges, packages),
        *(f"circle: {', '.join(c)} import each other" for c in circles(edges)),
    ]


# --------------------------------------------------------------------------- the project


def test_the_project_keeps_its_layers() -> None:
    problems = problems_of(module_sources())
    assert problems == [], "\n".join(problems)


def test_every_pattern_of_the_table_names_something_that_exists() -> None:
    modules = module_sources()
    stale = [p for _, groups in LAYERS for g in groups for p in g if not any(_matches(p, m) for m in modules)]
    assert stale == []


def test_the_net_layer_is_diagnose_net_as_a_module_or_a_package() -> None:
    assert place("diagnose.net") == place("diagnose.net.tls") == (1, 0)
    assert place("diagnose.network") is None  # a name that only starts the same is not the net


# --------------------------------------------------------------------------- the rules themselves


BASE = {
    "diagnose": "",
    "diagnose.model": "",
    "diagnose.check": "from diagnose.model import Status\n",
    "diagnose.cli": "from diagnose.frontend import PROG\n",
    "diagnose.frontend": "",
    "diagnose.environment": "",
    "diagnose.session": "from diagnose.check import Check\n",
    "diagnose.commands": "",
    "diagnose.commands.url": "from checks.url import AddressJudge\n",
    "diagnose.tui": "",
    "diagnose.tui.app": "def conclude():\n    from diagnose.frontend import finish\n",
    "checks": "",
    "checks.url": "from checks._url.judge import judge\nfrom diagnose.check import Check\n",
    "checks._url": "",
    "checks._url.judge": "from checks._url.policy import _build\nfrom . import policy\n",
    "checks._url.policy": "def _build(): ...\n",
    "reports": "",
    "reports.render": "from diagnose.model import Status\n",
}


def with_change(module: str, source: str) -> dict[str, str]:
    return {**BASE, module: BASE.get(module, "") + source}


def test_a_clean_example_passes() -> None:
    assert problems_of(BASE) == []


def test_an_upward_import_fails_also_when_lazy() -> None:
    problems = problems_of(with_change("diagnose.model", "def f():\n    from diagnose.tui.app import conclude\n"))
    assert problems == ["upward: diagnose.model (line 2) imports diagnose.tui.app.conclude (model -> front ends)"]


def test_a_sideways_import_between_checks_and_renderers_fails() -> None:
    problems = problems_of(with_change("reports.render", "import checks.url\n"))
    assert problems == ["sideways: reports.render (line 2) imports checks.url (two independent parts of "
                        "checks and renderers)"]


def test_the_engine_names_no_check_and_no_renderer() -> None:
    assert problems_of(with_change("diagnose.session", "def f():\n    from reports.render import render\n")) == [
        "by name: diagnose.session (line 3) imports reports.render.render (the engine must not name it)"
    ]


def test_type_checking_imports_may_point_down_but_not_up() -> None:
    down = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from diagnose.model import Status\n"
    assert problems_of(with_change("reports.render", down)) == []
    up = "import typing\nif typing.TYPE_CHECKING:\n    from diagnose.tui.app import conclude\n"
    assert [p.split(":")[0] for p in problems_of(with_change("diagnose.frontend", up))] == ["upward"]


def test_a_circle_fails_but_not_through_type_checking() -> None:
    circle = with_change("diagnose.frontend", "def f():\n    import diagnose.environment\n")
    circle["diagnose.environment"] = "from diagnose.frontend import PROG\n"
    assert problems_of(circle) == ["circle: diagnose.environment, diagnose.frontend import each other"]
    circle["diagnose.environment"] = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import diagnose.frontend\n"
    assert problems_of(circle) == []


def test_private_names_stay_in_their_package() -> None:
    assert problems_of(with_change("diagnose.commands.url", "from checks._url.policy import policy_for\n")) == [
        "private module: diagnose.commands.url (line 2) imports checks._url.policy.policy_for"
    ]
    assert problems_of(with_change("diagnose.commands.url", "from diagnose.frontend import _Parser\n")) == [
        "private name: diagnose.commands.url (line 2) imports diagnose.frontend._Parser"
    ]
    assert problems_of(with_change("diagnose.frontend", "from httpx._transports import default\n")) == [
        "private module: diagnose.frontend (line 1) imports httpx._transports.default"
    ]
    # the package that holds a private package, and modules inside it, may use it (BASE does both) ...
    assert problems_of(with_change("checks.url", "from checks._url.policy import policy_for\n")) == []
    # ... but a private name stays in its own package
    assert problems_of(with_change("checks.url", "from checks._url.policy import _build\n")) == [
        "private name: checks.url (line 3) imports checks._url.policy._build"
    ]


def test_a_module_in_no_layer_fails() -> None:
    assert problems_of(with_change("diagnose.somewhere_new", "")) == [
        "diagnose.somewhere_new is in no layer: add it to LAYERS (tests/test_architecture.py)"
    ]
