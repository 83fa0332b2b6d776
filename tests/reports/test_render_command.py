"""``login-doctor render``: bad input is one line and exit code 2; stdin and -o work."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from diagnose.cli import run
from diagnose.environment import Environment
from tests.reports.make_fixtures import FIXTURES, GOLDEN


def render(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdin=io.StringIO(stdin), stdout=out, stderr=err, stdout_isatty=False, environ={})
    return run(["render", *args], env), out.getvalue(), err.getvalue()


def test_reads_stdin_and_defaults_to_markdown() -> None:
    code, out, _err = render(["-"], stdin=(FIXTURES / "failures.json").read_text("utf-8"))
    assert code == 0
    assert out == (GOLDEN / "failures.md").read_text("utf-8")


def test_format_from_the_output_extension(tmp_path: Path) -> None:
    for ext in ("html", "htm", "xml", "txt", "md", "json"):
        out = tmp_path / f"r.{ext}"
        assert render([str(FIXTURES / "all_pass.json"), "-o", str(out)])[0] == 0
    assert (tmp_path / "r.htm").read_text("utf-8") == (GOLDEN / "all_pass.html").read_text("utf-8")
    assert (tmp_path / "r.xml").read_text("utf-8") == (GOLDEN / "all_pass.xml").read_text("utf-8")


def _write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a JSON report (Expecting property name enclosed in double quotes at line 1, column 2)"),
        (b"\xff\xfe\x00\x01", "not UTF-8 text (byte 0xff at line 1, offset 0)"),
        ('{"hello": "world"}', "not a valid login-doctor report"),
        ("[]", "not a valid login-doctor report"),
    ],
)
def test_bad_reports_are_one_line_and_exit_2(tmp_path: Path, content: str | bytes, message: str) -> None:
    code, out, err = render([_write(tmp_path, "r.json", content)])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_a_newer_schema_version_is_named(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "all_pass.json").read_text("utf-8"))
    data["schema_version"] = 2
    code, _out, err = render([_write(tmp_path, "r.json", json.dumps(data))])
    assert code == 2
    assert "report schema version 2 is not one this login-doctor reads (it reads version 1)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["MISSING.json"], "MISSING.json: no such file"),
        (["."], ".: is a directory"),
        ([str(FIXTURES / "all_pass.json"), "--format", "pdf"], "--format 'pdf': choose one of"),
        ([str(FIXTURES / "all_pass.json"), "-o", "report.pdf"], "cannot tell the format from the extension"),
        ([str(FIXTURES / "all_pass.json"), "-o", "/nonexistent-dir/r.html"], "does not exist"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    code, _out, err = render(args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
