"""Print the safe sign-in checklist's mapping (diagnose/checklist.toml) as one Markdown table for docs/reports.md.

Run:  python tools/checklist_md.py [--write]
With --write the table between the markers in docs/reports.md is replaced; tests/test_checklist.py keeps
them in step (the table is generated from the loaded data, so it shows what the program reads).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from diagnose.checklist import ChecklistItem, Input, load_checklist  # noqa: E402

DOC = ROOT / "docs" / "reports.md"
START, END = "<!-- checklist:start -->", "<!-- checklist:end -->"


def _codes(patterns: tuple[str, ...]) -> str:
    return ", ".join(f"`{p}`" for p in patterns)


def _decided_by(item: ChecklistItem, spec: Input) -> str:
    if spec.codes:
        parts = [f"only {_codes(spec.codes)}"]
    elif spec.except_:
        parts = [f"every finding except {_codes(spec.except_)}"]
    else:
        parts = ["its status and every finding"]
    if spec.at_most is not None:
        parts.append(f"at most {spec.at_most.value}")
    if spec.inconclusive:
        parts.append(f"did not look when it reports only {_codes(spec.inconclusive)}")
    return "; ".join(parts)


def _says(spec: Input) -> str:
    if spec.passes:
        return f"passes it: “{spec.passes}”"
    if spec.confirms:
        return f"adds to a pass: “{spec.confirms}”"
    return "cannot pass it (only makes it worse)"


def _advice(item: ChecklistItem) -> str:
    if item.manual:
        return f"always manual: “{item.advice_manual}”"
    parts = ["the decisive finding's message and what to do"]
    parts += [f"for `{pattern}`: a pointer to `{target}`" for pattern, target in item.see.items()]
    if item.symptoms:
        parts.append(f"a cause before the symptoms {_codes(item.symptoms)}")
    status = "manual" if item.manual_when_undecided else "skip"
    text = item.advice_manual if item.manual_when_undecided else item.advice_unknown
    parts.append(f"nothing decided: {status}, “{text}”")
    return "; ".join(parts)


def checklist_markdown() -> str:
    lines = [
        "| item | check | what of its result decides the item | when it looked and found nothing | the item's advice |",
        "| --- | --- | --- | --- | --- |",
    ]
    for item in load_checklist():
        name = f"**{item.title}** (`{item.id}`)"
        if item.manual:
            lines.append(f"| {name} | (none) | the person, following the steps | | {_advice(item)} |")
            continue
        for n, spec in enumerate(item.inputs):
            check = f"`{spec.check}`" + (" (recording)" if spec.recording else "")
            first = n == 0
            lines.append(
                f"| {name if first else ''} | {check} | {_decided_by(item, spec)} | {_says(spec)} | "
                f"{_advice(item) if first else ''} |"
            )
    return "\n".join(line.replace("\n", " ") for line in lines) + "\n"


def doc_with_table(doc: str) -> str:
    """``doc`` with the text between the checklist markers replaced by the current table."""
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{checklist_markdown()}{END}{tail}"


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        DOC.write_text(doc_with_table(DOC.read_text("utf-8")), "utf-8")
    else:
        sys.stdout.write(checklist_markdown())
