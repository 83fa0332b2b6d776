"""``login-doctor url ADDRESS...|-``: batch judging, output formats, exit codes, hostile stdin."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from diagnose.cli import run
from diagnose.environment import Environment

ROOT = Path(__file__).resolve().parents[2]
VERDICTS = {"official", "official-but-warn", "lookalike", "unrelated", "invalid"}


def url_command(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["url", *args], Environment(stdin=io.StringIO(stdin), stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def subprocess_url(args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "diagnose", "url", *args],
        input=stdin, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True, timeout=60, check=False,
    )


def test_all_official_exits_0_with_one_json_object_per_address() -> None:
    code, out, err = url_command(["--format", "json", "https://app.atera.com/users/login", "atera.com/app"])
    assert code == 0, err
    rows = json_lines(out)
    assert [r["verdict"] for r in rows] == ["official", "official"]
    assert rows[1]["details"]["fixup"]["added"] == "https://"  # type: ignore[index]
    assert rows[0]["details"]["opens_host"] == {"ascii": "app.atera.com", "unicode": "app.atera.com"}
    assert rows[0]["status"] == "pass" and rows[0]["codes"] == [] and rows[0]["findings"] == []


@pytest.mark.parametrize(
    "address, verdict",
    [
        ("http://app.atera.com/users/login", "official-but-warn"),
        ("https://аtera.com/", "lookalike"),
        ("https://example.com/", "unrelated"),
        ("javascript:alert(1)", "invalid"),
    ],
)
def test_any_address_that_is_not_official_exits_1(address: str, verdict: str) -> None:
    code, out, _err = url_command(["--format", "json", "https://app.atera.com/users/login", address])
    assert code == 1
    assert [r["verdict"] for r in json_lines(out)] == ["official", verdict]


def test_stdin_one_address_per_line_in_order_blank_lines_skipped() -> None:
    lines = "https://app.atera.com/users/login\r\n\n   \nhttps://atera.com@evil.net/\nbit.ly/x\n"
    code, out, _err = url_command(["-", "--format", "json"], stdin=lines)
    assert code == 1
    rows = json_lines(out)
    assert [r["verdict"] for r in rows] == ["official", "lookalike", "unrelated"]
    assert rows[2]["input"] == "bit.ly/x"
    assert "url.shortener" in rows[2]["codes"]  # type: ignore[operator]


def test_findings_carry_plain_messages_and_no_secrets() -> None:
    code, out, _err = url_command(["--format", "json", "https://bob:s3cret@app.atera.com/users/login?token=t0k"])
    assert code == 1
    (row,) = json_lines(out)
    assert "s3cret" not in out and "t0k" not in out
    assert row["verdict"] == "official-but-warn"
    (finding,) = row["findings"]  # type: ignore[misc]
    assert finding["code"] == "url.userinfo_official" and finding["severity"] == "medium"
    assert "password" in finding["message"] and finding["remediation"]


def test_the_input_is_echoed_as_given_when_it_holds_no_secret() -> None:
    """The redactor must not hide the trick (``evil.net\\@``) that the verdict explains."""
    code, out, _err = url_command(["--format", "json", "https://evil.net\\@atera.com/"])
    assert code == 1
    (row,) = json_lines(out)
    assert row["input"] == "https://evil.net\\@atera.com/"
    assert row["details"]["opens_host"]["ascii"] == "evil.net"  # type: ignore[index]


def test_a_decoy_host_before_the_at_stays_visible_a_person_does_not() -> None:
    code, out, _err = url_command(["--format", "json", "https://atera.com@evil.net/",
                                   "https://john@app.atera.com/users/login"])
    assert code == 1
    decoy, person = json_lines(out)
    assert decoy["input"] == "https://atera.com@evil.net/"
    assert "john" not in person["input"] and "john" not in json.dumps(person)
    assert "user name or password" in person["summary"]  # type: ignore[operator]


def test_text_format_for_people() -> None:
    code, out, _err = url_command(["--format", "text", "https://аtera.com/", "app.atera.com/users/login"])
    assert code == 1
    assert "LOOKALIKE" in out and "opens xn--tera-43d.com (shown as аtera.com)" in out
    assert "[url.homograph]" in out
    assert "OFFICIAL" in out and "https:// was added" in out


def test_default_format_is_json_when_not_on_a_terminal() -> None:
    code, out, _err = url_command(["https://app.atera.com/users/login"])
    assert code == 0
    assert json_lines(out)[0]["verdict"] == "official"


def test_profile_file_is_honoured(tmp_path: Path) -> None:
    profile = tmp_path / "contoso.toml"
    profile.write_text(
        'name = "contoso"\nvendor = "Contoso"\ndefault_url = "https://login.contoso.com/"\n'
        'official_domains = ["contoso.com"]\nbrand = "contoso"\n'
        '[url]\nbrand_keywords = ["payroll"]\n',
        "utf-8",
    )
    code, out, _err = url_command(
        ["--profile", str(profile), "--format", "json", "https://login.contoso.com/", "https://contoso-payroll.net/"]
    )
    assert code == 1
    rows = json_lines(out)
    assert [r["verdict"] for r in rows] == ["official", "lookalike"]
    typo = next(f for f in rows[1]["findings"] if f["code"] == "url.typosquat")  # type: ignore[attr-defined]
    assert typo["evidence"]["kind"] == "brand-plus-keyword"


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give at least one address"),
        (["-", "-"], "only once"),
        (["--format", "xml", "x"], "--format"),
        (["--profile", "nope", "x"], "unknown profile"),
        (["--profile", "/nonexistent/p.toml", "x"], "profile file /nonexistent/p.toml: no such file"),
        (["--bogus", "x"], "unknown option --bogus"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, out, err = url_command(args)
    assert code == 2
    assert out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


# -- hostile standard input (a real process, real bytes) ------------------------------------


@pytest.mark.timeout(60)
def test_binary_garbage_on_stdin_is_judged_invalid_never_a_traceback() -> None:
    garbage = random.Random(20261122).randbytes(200_000)
    proc = subprocess_url(["-", "--format", "json"], garbage)
    assert proc.returncode == 1
    assert b"Traceback" not in proc.stderr and proc.stderr == b""
    rows = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    expected = [line for line in garbage.split(b"\n") if line.decode("utf-8", "surrogateescape").strip()]
    assert len(rows) == len(expected) > 100
    assert {r["verdict"] for r in rows} == {"invalid"}


@pytest.mark.timeout(60)
def test_huge_lines_nul_bytes_and_surrogate_bytes_on_stdin() -> None:
    stdin = b"".join(
        [
            b"https://app.atera.com/users/login\n",
            b"https://app.atera.com/" + b"a" * (1 << 20) + b"\n",  # a 1 MB line
            b"https://app.atera.com/users/login\x00\n",  # NUL
            b"https://app.atera.com/\xed\xb2\x80\n",  # an encoded lone surrogate
            b"https://" + b"a." * 10_000 + b"atera.com/\n",  # 10,000 labels
            b"\xff\xfe\xfd\n",
            b"x" * (3 << 20),  # 3 MB without a newline at the end
        ]
    )
    proc = subprocess_url(["-", "--format", "json"], stdin)
    assert proc.returncode == 1
    assert proc.stderr == b""
    rows = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    # The trailing NUL is trimmed, as the URL Standard trims C0 controls: the official address.
    assert [r["verdict"] for r in rows] == ["official", "invalid", "official"] + ["invalid"] * 4
    reasons = [r["details"].get("invalid_reason") for r in rows[1:]]
    assert reasons == ["too_long", None, "not_text", "too_long", "not_text", "too_long"]
    assert all(len(r["input"]) < 3000 for r in rows)


def test_the_url_command_imports_no_tui_and_no_http_client() -> None:
    code = (
        "import io, sys\n"
        "from diagnose.cli import run\n"
        "from diagnose.environment import Environment\n"
        "rc = run(['url', 'https://app.atera.com/users/login'], Environment(stdout=io.StringIO()))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'httpx', 'httpcore', 'dns', 'cryptography', 'truststore', 'ntplib', 'jsonschema', 'rich'))\n"
        "print(rc, heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={"PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.stdout.strip() == "0 []", proc.stderr


@pytest.mark.parametrize("address", ["127.0.0.1:²", "app.atera.com:٤٤٣", "https://app.atera.com:¹²³/",
                                     "https://127.0.0.1:0" + "9" * 5000 + "/"])
def test_a_port_of_non_ascii_digits_is_invalid_not_a_crash(address: str) -> None:
    # Found by the fuzz suite: "²".isdigit() is true but int("²") raises ValueError, and so does
    # int() of 4,300 digits or more.
    code, out, err = url_command(["--format", "json", "--", address])
    assert code == 1 and "internal error" not in err, err
    assert json_lines(out)[0]["verdict"] == "invalid"
