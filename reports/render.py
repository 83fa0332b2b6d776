"""Format dispatch: one canonical JSON object in, one document out.

Every renderer takes the report's JSON object (``report_to_json``), never
live objects, so a saved report re-renders exactly (``login-doctor render``).
Renderer modules are imported on first use: writing JSON never loads Jinja2.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

FORMATS: dict[str, str] = {
    "json": "reports.json_format:render",
    "markdown": "reports.markdown:render",
    "html": "reports.html:render",
    "text": "reports.text:render",
    "junit": "reports.junit:render",
}
"""Format name → ``module:function`` rendering a report's JSON object to a string."""

EXTENSIONS: dict[str, str] = {
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".xml": "junit",
}
"""File extension (lower case) → format, for ``-o FILE``."""


def format_for_path(path: str | Path) -> str | None:
    """The format a file name asks for by its extension, or None."""
    return EXTENSIONS.get(Path(path).suffix.lower())


def renderer(fmt: str) -> Callable[..., str]:
    """The render function for ``fmt`` (imported on first use)."""
    module, _, func = FORMATS[fmt].partition(":")
    fn: Callable[..., str] = getattr(import_module(module), func)
    return fn


def render(data: dict[str, Any], fmt: str, *, color: bool = False) -> str:
    """Render a report's JSON object as ``fmt`` (colour applies to ``text`` only)."""
    fn = renderer(fmt)
    if fmt == "text":
        return fn(data, color=color)
    return fn(data)
