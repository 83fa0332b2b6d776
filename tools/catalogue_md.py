"""Print the finding-code catalogue (checks/findings.toml) as Markdown for the README.

Run:  python tools/catalogue_md.py [--write]
With --write the README's catalogue section is replaced; tests/test_readme.py keeps them in sync.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


_PLURAL = re.compile(r"\{(\w+):~([^}]*)\}")
"""A plural spec of a message template (``{count:~redirect}``, ``{names:~it|them}``; see diagnose.words)."""


def readable(template: str) -> str:
    """A template as the catalogue shows it: plural specs as ``{count} redirect(s)`` or ``it/them``."""

    def one(m: re.Match[str]) -> str:
        name, spec = m.group(1), m.group(2)
        if "|" not in spec and "#" not in spec:
            return f"{{{name}}} {spec}(s)"
        return "/".join(form.replace("#", f"{{{name}}}") for form in spec.split("|"))

    return _PLURAL.sub(one, template)


def catalogue_markdown() -> str:
    data = tomllib.loads((ROOT / "checks" / "findings.toml").read_text("utf-8"))
    lines: list[str] = []
    current = ""
    for code, entry in data.items():
        check = code.split(".", 1)[0]
        if check != current:
            current = check
            lines += ["", f"#### `{check}`", "", "| code | severity | what it means | what to do |", "| --- | --- | --- | --- |"]
        message = readable(entry["message"]).replace("|", "\\|")
        remediation = readable(entry["remediation"]).replace("|", "\\|")
        lines.append(f"| `{code}` | {entry['severity']} | {entry.get('title') or message} | {remediation} |")
    return "\n".join(lines).strip() + "\n"


START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"


def readme_with_catalogue(readme: str) -> str:
    """``readme`` with the text between the catalogue markers replaced by the current catalogue."""
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{catalogue_markdown()}{END}{tail}"


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        path = ROOT / "README.md"
        path.write_text(readme_with_catalogue(path.read_text("utf-8")), "utf-8")
    else:
        sys.stdout.write(catalogue_markdown())
