"""HTML: one self-contained file to attach to a ticket, open in any browser and print.

* A pure function of the JSON (Lighthouse): the template sees the report's
  JSON object and the helpers of :mod:`reports.view`, nothing else.
* Autoescaped Jinja2 template (``reports/templates/report.html.j2``), never
  f-string HTML with hand-placed escapes (Prowler's ~90 ``escape()`` calls are
  the counter-example): every value is escaped by the engine, and
  :func:`reports.view.printable` first neutralises control and bidi
  characters, which escaping alone does not.
* No script and no external resource (stylesheet, font, image, link): the
  file is complete when it is attached, works offline, and a
  Content-Security-Policy ``default-src 'none'`` in the file forbids loading
  anything even if a value slipped through.
* The summary is at the top; technical details fold (``<details>``) and
  unfold when printed in browsers that support ``::details-content``.

Jinja2 is imported when the first HTML report is rendered, not at start-up.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from reports.labels import INTERRUPTED_SENTENCE, NOT_DECIDED_ADVICE, OVERALL_SENTENCE, label
from reports.view import (
    actionable,
    attention_summary,
    context_rows,
    counts_sentence,
    environment_rows,
    is_plugin,
    notes,
    overall,
    printable,
    problems,
    technical_json,
)

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

TEMPLATE = "templates/report.html.j2"


def render(data: dict[str, Any]) -> str:
    """The HTML document for a report's JSON object."""
    data = _with_defaults(data)
    return _template().render(
        data=data,
        overall=OVERALL_SENTENCE.get(data["status"], ""),  # the status by the one rule: see _with_defaults
        counts=counts_sentence(data),
        interrupted=INTERRUPTED_SENTENCE,
        not_decided=NOT_DECIDED_ADVICE,
        context=context_rows(data),
        environment=environment_rows(data),
        problems=problems(data),
    )


def _with_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Fill the optional fields of schema version 1 so the (strict) template never meets a gap."""
    out = {"report_id": "", "note": "", "interrupted": False, "warnings": [], "redactions": [], **data}
    out["status"] = overall(data)
    out["checks"] = [
        {"source": "built-in", "version": "", "details": {}, **c,
         "findings": [{"evidence": {}, **f} for f in c.get("findings", [])]}
        for c in data["checks"]
    ]
    out["checklist"] = [{"steps": [], **item} for item in data["checklist"]]
    return out


_BREAK_AFTER = re.compile(r"(?<=[/.?&=_:@,;-])(?=[^/.?&=_:@,;\s-])")
"""Where a long token may wrap: after the punctuation of an address (``app.`` ``atera-`` ``/users/``)."""

_LONG_TOKEN = re.compile(r"\S{24,}")


def breakable(value: Any) -> Markup:
    """``value`` escaped, with ``<wbr>`` after the punctuation of every token of 24 characters
    or more, so a long address or identifier wraps between its parts instead of inside a word."""
    from markupsafe import Markup, escape

    text = str(value)
    out: list[str] = []
    last = 0
    for token in _LONG_TOKEN.finditer(text):
        out.append(str(escape(text[last:token.start()])))
        out.append("<wbr>".join(str(escape(part)) for part in _BREAK_AFTER.split(token.group())))
        last = token.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def _finalize(value: Any) -> Any:
    """Applied to every ``{{ value }}`` before autoescaping.

    Already-escaped markup (a filter's result) stays markup: replacing control
    characters by backslash escapes cannot make it unsafe.
    """
    from markupsafe import Markup

    if isinstance(value, Markup):
        return Markup(printable(str(value), multiline=True))
    if isinstance(value, str):
        return printable(value, multiline=True)
    return value


@cache
def _template() -> jinja2.Template:
    import jinja2

    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["breakable"] = breakable
    env.globals.update(
        label=label,
        actionable=actionable,
        attention_summary=attention_summary,
        notes=notes,
        is_plugin=is_plugin,
        technical_json=technical_json,
    )
    source = resources.files("reports").joinpath(TEMPLATE).read_text("utf-8")
    return env.from_string(source)
