"""``login-doctor checks``: which checks exist, where they come from, their codes."""

from __future__ import annotations

import json
from typing import Any

from diagnose.environment import Environment, ExitStatus
from diagnose.frontend import CommandParser


def main(argv: list[str], env: Environment) -> int:
    parser = CommandParser(prog="login-doctor checks", description="List the available checks.")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--codes", action="store_true", help="also list each check's finding codes")
    parser.add_argument("--no-plugins", action="store_true")
    ns = parser.parse_args(argv)
    from diagnose.registry import discover

    registry = discover(plugins=not ns.no_plugins, extra=env.extra_checks)
    rows: list[dict[str, Any]] = [
        {
            "id": info.id,
            "title": info.cls.title,
            "source": info.source,
            "version": info.cls.version,
            "requires": list(info.cls.requires),
            "timeout_s": info.cls.timeout,
            "description": info.cls.description,
            "codes": {
                code: {"severity": spec.severity.value, "message": spec.message, "remediation": spec.remediation}
                for code, spec in info.cls.findings.items()
            },
        }
        for info in registry.checks.values()
    ]
    if ns.format == "json":
        env.stdout.write(json.dumps({"checks": rows, "warnings": list(registry.warnings)}, indent=2) + "\n")
        return ExitStatus.OK
    for row in rows:
        needs = f" (needs {', '.join(row['requires'])})" if row["requires"] else ""
        env.stdout.write(f"{row['id']:<14} {row['source']:<24} v{row['version']:<6} {row['title']}{needs}\n")
        if ns.codes:
            for code, spec in row["codes"].items():
                env.stdout.write(f"    {code:<44} {spec['severity']}\n")
    for warning in registry.warnings:
        env.stderr.write(f"login-doctor: warning: {warning}\n")
    return ExitStatus.OK
