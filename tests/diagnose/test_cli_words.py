"""What the command line makes of a word: a mistyped command, an option, or an address.

The rule (diagnose/cli.py): the first argument that names a command runs it. A
*bare word* (letters, digits, ``-``, ``_``: no dot, colon, slash or ``@``) that is
close to a command's name is a typo: exit 2, "did you mean `checks`?". Anything
else is an address, diagnosed when a browser's address bar would open it
(``app.atera.com``, ``localhost``, ``10.0.0.1``, ``intranet:8080``) and refused
with exit 2 and one line when the address bar would search for it instead (a
single word such as ``frobnicate``, text with spaces, ``ht!tp://[bad``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest

from tests.conftest import CliResult, run_cli_inprocess


def one_line_error(result: CliResult) -> str:
    assert result.code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("login-doctor: error: ")
    assert result.stdout == "" and "Traceback" not in result.stderr and "usage:" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "meant"),
    [
        (["chekcs"], "checks"),
        (["check"], "checks"),
        (["Checks", "--codes"], "checks"),
        (["sumarize", "a.json"], "summarize"),
        (["rendr", "a.json"], "render"),
        (["demos"], "demo"),
        (["--headless", "chekcs"], "checks"),
    ],
)
def test_a_mistyped_command_is_not_diagnosed(cli: Callable[..., CliResult], args: list[str], meant: str) -> None:
    # was: a full diagnosis of https://chekcs/ and exit code 1
    line = one_line_error(cli(args))
    assert f"did you mean `{meant}`?" in line, line


def test_a_command_in_the_wrong_place_says_where_it_goes(cli: Callable[..., CliResult]) -> None:
    line = one_line_error(cli(["--headless", "checks"]))
    assert "login-doctor checks" in line


@pytest.mark.parametrize("args", [["frobnicate", "--help"], ["frobnicate"], ["--quiet", "frobnicate", "-h"]])
def test_a_word_that_is_neither_a_command_nor_an_address(cli: Callable[..., CliResult], args: list[str]) -> None:
    # was: `frobnicate --help` printed the help and exited 0; `frobnicate` diagnosed https://frobnicate/
    line = one_line_error(cli(args))
    assert "'frobnicate'" in line and "a browser would search for it" in line
    assert "checks, url, render, summarize, demo and har" in line  # what it could have meant


@pytest.mark.parametrize("address", ["ht!tp://[bad", "foo bar.com", "ex!ample"])
def test_what_an_address_bar_would_search_for_is_refused(cli: Callable[..., CliResult], address: str) -> None:
    # was: "fixed up" to https://ht!tp//[bad and diagnosed
    line = one_line_error(cli([address]))
    assert "a browser would search for it" in line or "not a web address" in line, line


def test_the_url_command_still_judges_it_invalid(cli: Callable[..., CliResult]) -> None:
    result = cli(["url", "--format", "json", "ht!tp://[bad"])
    assert result.code == 1
    row = json.loads(result.stdout)
    assert row["verdict"] == "invalid" and row["codes"] == ["url.invalid"]
    assert "search for it" in row["summary"]


@pytest.mark.parametrize(
    ("address", "host"),
    [("app.atera.com", "app.atera.com"), ("localhost", "localhost"), ("localhost:8443", "localhost"),
     ("10.0.0.1", "10.0.0.1"), ("https://sso/", "sso"), ("http://ht!tp/", "ht!tp")],
)
def test_an_address_is_still_diagnosed(cli: Callable[..., CliResult], address: str, host: str) -> None:
    # the url check alone: offline, instant; the report is about the address given
    result = cli(["--headless", "-q", "--only", "url", "--format", "json", address])
    assert result.code in (0, 1), result.stderr
    assert json.loads(result.stdout)["target"]["host"] == host


@pytest.mark.parametrize(
    ("args", "meant"),
    [
        (["--fromat", "json"], "--format"),
        (["--headlees"], "--headless"),
        (["--ouptut=x.json"], "--output"),
        (["url", "--fromat", "json", "x.com"], "--format"),
        (["checks", "--codse"], "--codes"),
        (["demo", "--lsit"], "--list"),
    ],
)
def test_a_mistyped_option_gets_a_suggestion(cli: Callable[..., CliResult], args: list[str], meant: str) -> None:
    line = one_line_error(cli(args))
    assert f"did you mean {meant}?" in line, line


def test_an_unknown_option_with_nothing_close(cli: Callable[..., CliResult]) -> None:
    line = one_line_error(cli(["--no-such-option"]))
    assert "unknown option --no-such-option" in line and "did you mean" not in line


def test_options_still_work_abbreviated_and_attached() -> None:
    result = run_cli_inprocess(["--headl", "-q", "--only=url", "--form", "json", "app.atera.com"])
    assert result.code == 0, result.stderr


def test_url_from_empty_standard_input_is_a_usage_error() -> None:
    # was: exit 0 with nothing judged
    line = one_line_error(run_cli_inprocess(["url", "-"], stdin=io.StringIO("")))
    assert "standard input" in line
    line = one_line_error(run_cli_inprocess(["url", "-"], stdin=io.StringIO("\n  \n")))
    assert "standard input" in line


def test_url_text_shows_what_to_do() -> None:
    # was: the findings only, never the advice
    result = run_cli_inprocess(["url", "--format", "text", "https://atera-login.com/", "http://app.atera.com/"])
    assert result.code == 1
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 2
    for block in blocks:
        assert "\n  What to do: " in block, block
    assert "Do not enter your password here" in blocks[0]
