"""The command line: bad input is one line and exit 2; exit codes follow the report."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, lab_net, signin_app
from diagnose.lab.servers import LabThread
from diagnose.settings import Settings
from reports.schema import validation_errors
from tests.conftest import ROOT, CliResult, run_cli_subprocess


def _one_line_error(result: CliResult) -> str:
    assert result.code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("login-doctor: error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["http://exa mple.com/"], "not a web address"),
        (["javascript:alert(1)"], "not an http or https address"),
        (["person@example.com"], "email address"),
        (["--profile", "no-such-profile"], "unknown profile"),
        (["--profile", "/nonexistent/p.toml"], "profile file /nonexistent/p.toml: no such file"),
        (["--resolve", "app.atera.com:443"], "HOST:PORT:ADDRESS"),
        (["--resolve", "app.atera.com:99999:127.0.0.1"], "port must be"),
        (["--resolve", "app.atera.com:443:not-an-ip"], "not an IP address"),
        (["-o", "/nonexistent-dir/report.json"], "does not exist"),
        (["-o", "report.pdf"], "cannot tell the format"),
        (["--only", "nope"], "unknown check 'nope'"),
        (["--skip", "connectivity,nope"], "unknown check 'nope'"),
        (["--timeout", "soon"], "--timeout"),
        (["--timeout", "-1"], "--timeout"),
        (["--ca-file", "/nonexistent/ca.pem"], "no such file"),
        (["--dns-server", "not a host"], "--dns-server"),
        (["--ntp-server", "[::1"], "missing ']'"),
        (["--format", "pdf"], "--format"),
        (["--no-such-option"], "unknown option --no-such-option"),
        (["render"], "required"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli: Callable[..., CliResult], args: list[str], expected: str) -> None:
    assert expected in _one_line_error(cli(args))


def test_malformed_profile_file(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed")
    assert "not valid TOML" in _one_line_error(cli(["--profile", str(bad)]))
    incomplete = tmp_path / "incomplete.toml"
    incomplete.write_text('name = "x"\nvendor = "X"\n')
    assert "default_url" in _one_line_error(cli(["--profile", str(incomplete)]))


def test_ca_file_that_is_not_pem(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    assert "not a PEM or DER certificate" in _one_line_error(cli(["--ca-file", str(junk)]))


def test_unwritable_output_is_rejected_before_the_run(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.json"
    directory.mkdir()
    assert "is a directory" in _one_line_error(cli(["-o", str(directory)]))


def test_version_and_checks_listing(cli: Callable[..., CliResult]) -> None:
    result = cli(["checks", "--format", "json"])
    assert result.code == 0
    data = json.loads(result.stdout)
    ids = {c["id"]: c for c in data["checks"]}
    assert ids["connectivity"]["source"] == "built-in"
    assert "connectivity.offline" in ids["connectivity"]["codes"]


def test_version_subprocess() -> None:
    proc = run_cli_subprocess(["--version"])
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("login-doctor ")


@pytest.fixture(scope="module")
def healthy_site() -> Iterator[tuple[LabThread, Lab, str, Callable[[Settings], object]]]:
    """The lab's healthy sign-in site, running in a background loop for in-process CLI runs."""
    with LabThread() as thread:
        lab = thread.run(Lab().__aenter__())
        host = f"app.{LAB_DOMAIN}"
        site = thread.run(lab.https(signin_app(), names=[host]))
        dns = thread.run(lab.dns({host: ["127.0.0.1"], LAB_DOMAIN: ["127.0.0.1"]}))
        url = f"https://{host}:{site.port}{SIGNIN_PATH}"
        (lab.dir / "lab-profile.toml").write_text(lab.profile_toml(url))
        yield thread, lab, url, lambda settings: lab_net(settings, dns)
        thread.run(lab.__aexit__(None, None, None))


def test_headless_run_against_lab_writes_valid_reports(
    cli: Callable[..., CliResult], healthy_site: tuple[LabThread, Lab, str, Callable[[Settings], object]],
    tmp_path: Path,
) -> None:
    _thread, lab, url, net_factory = healthy_site
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    result = cli([url, "--headless", "--format", "json", "--ca-file", str(lab.ca_file), "--note", "from the test",
                  "--profile", str(lab.dir / "lab-profile.toml"),
                  "-o", str(out_json), "-o", str(out_md)], net_factory=net_factory)
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert validation_errors(data) == []
    assert data["status"] == "pass"
    assert data["note"] == "from the test"
    assert json.loads(out_json.read_text()) == data
    assert "## Safe sign-in checklist" in out_md.read_text()
    assert re.search(r"\[\d+/\d+\] connectivity", result.stderr)  # numbered in finish order
    # The saved report re-renders.
    rendered = cli(["render", str(out_json), "--format", "text"])
    assert rendered.code == 0 and "Result: ✔ PASS" in rendered.stdout


def test_exit_code_1_when_a_check_fails(cli: Callable[..., CliResult],
                                        healthy_site: tuple[LabThread, Lab, str, Callable[[Settings], object]],
                                        tmp_path: Path) -> None:
    _thread, lab, url, net_factory = healthy_site
    profile = tmp_path / "lab.toml"
    profile.write_text(f'name = "lab"\nvendor = "Lab"\ndefault_url = "{url}"\nofficial_domains = ["{LAB_DOMAIN}"]\n'
                       f'[connectivity]\ncontrol_hosts = ["{LAB_DOMAIN}"]\n')
    wrong_name = url.replace(f"app.{LAB_DOMAIN}", f"missing.{LAB_DOMAIN}")
    result = cli([wrong_name, "--profile", str(profile), "--format", "json", "-q", "--ca-file", str(lab.ca_file)],
                 net_factory=net_factory)
    assert result.code == 1
    data = json.loads(result.stdout)
    codes = [f["code"] for c in data["checks"] for f in c["findings"]]
    assert "connectivity.dns_nxdomain" in codes
    assert result.stderr == ""


def test_exit_code_3_when_a_check_errors(cli: Callable[..., CliResult],
                                         healthy_site: tuple[LabThread, Lab, str, Callable[[Settings], object]]) -> None:
    _thread, lab, url, net_factory = healthy_site
    crash = EntryPoint(name="crashes", value="tests.diagnose.fake_checks:Crashes", group="login_doctor.checks")
    result = cli([url, "--format", "json", "-q", "--ca-file", str(lab.ca_file),
                  "--profile", str(lab.dir / "lab-profile.toml")], net_factory=net_factory, extra_checks=(crash,))
    assert result.code == 3, result.stderr
    data = json.loads(result.stdout)
    statuses = {c["id"]: c["status"] for c in data["checks"]}
    assert statuses["connectivity"] == "pass" and statuses["crashes"] == "error"
    assert all(status != "error" for check, status in statuses.items() if check != "crashes")  # other built-ins
    assert data["status"] == "error"


def test_render_rejects_files_that_are_not_reports(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    not_json = tmp_path / "x.json"
    not_json.write_text("{nope")
    assert "not a JSON report" in _one_line_error(cli(["render", str(not_json)]))
    wrong_shape = tmp_path / "y.json"
    wrong_shape.write_text('{"hello": 1}')
    assert "not a valid login-doctor report" in _one_line_error(cli(["render", str(wrong_shape)]))
    assert "no such file" in _one_line_error(cli(["render", str(tmp_path / "missing.json")]))


@pytest.mark.parametrize("typed", ["a\u2028b", "a\rb", "a\x1db", "\u202eevil"])
def test_a_usage_error_quoting_what_was_typed_stays_one_line(typed: str) -> None:
    # Found by the fuzz suite: argparse and the door quote arguments as typed; U+2028, \r and \x1d break
    # the line on a terminal (and str.splitlines), a bidi override turns the message around.
    import io as _io

    from diagnose.cli import run as _run
    from diagnose.environment import Environment as _Environment

    err = _io.StringIO()
    code = _run(["--headless", "--bogus", typed, "-o", typed], _Environment(stdout=_io.StringIO(), stderr=err))
    assert code == 2
    assert len(err.getvalue().splitlines()) == 1, err.getvalue()
    assert "\u202e" not in err.getvalue()


@pytest.mark.parametrize("command", ["url", "render", "summarize", "har", "checks", "demo"])
def test_every_command_takes_debug(cli: Callable[..., CliResult], command: str) -> None:
    """``--debug`` is the way to see a traceback, whichever command failed (it was refused by the
    subcommands as an unknown option)."""
    result = cli([command, "--debug", "--this-is-no-option"])
    assert result.code == 2
    assert "--debug" not in result.stderr and "--this-is-no-option" in result.stderr, result.stderr


def test_an_internal_error_in_a_subcommand_is_one_line_unless_debug(
    cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    import reports.render

    def crash(*_: object, **__: object) -> str:
        raise RuntimeError("/home/someone/secret-path")

    monkeypatch.setattr(reports.render, "render", crash)
    report = str(ROOT / "tests" / "reports" / "fixtures" / "all_pass.json")
    result = cli(["render", report, "--format", "text"])
    assert result.code == 3
    assert result.stderr == ("login-doctor: internal error: RuntimeError (a bug in login-doctor; "
                          "run again with --debug for details)\n")
    with pytest.raises(RuntimeError, match="secret-path"):
        cli(["render", report, "--format", "text", "--debug"])
