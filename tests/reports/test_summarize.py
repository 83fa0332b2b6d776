"""``login-doctor summarize``: fleet counts, ordering, formats, and unreadable files."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from diagnose.cli import run
from diagnose.environment import Environment
from reports.schema import validation_errors
from reports.summary import structural_problem
from tests.reports.make_fixtures import FIXTURES, load_fixture


def _env(stdin: str = "") -> Environment:
    return Environment(stdin=io.StringIO(stdin), stdout=io.StringIO(), stderr=io.StringIO(),
                       stdout_isatty=False, stdin_isatty=False, environ={})


def summarize(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    env = _env(stdin)
    code = run(["summarize", *args], env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


def variant(n: int, statuses: dict[str, str], findings: dict[str, list[tuple[str, str]]] | None = None) -> dict[str, Any]:
    """The all-pass fixture with its own id and the given check statuses and findings."""
    data = copy.deepcopy(load_fixture("all_pass"))
    data["report_id"] = f"fleet-{n}"
    data["started_at"] = f"2026-11-{10 + n:02d}T08:00:00Z"
    for check in data["checks"]:
        check["status"] = statuses.get(check["id"], check["status"])
        check["findings"] = [
            {"code": code, "severity": sev, "message": f"{code} seen", "remediation": "", "evidence": {}}
            for code, sev in (findings or {}).get(check["id"], [])
        ]
    for item in data["checklist"]:
        decided = [statuses.get(c, "pass") for c in item["checks"]]
        if decided:
            item["status"] = next((s for s in ("fail", "error", "warn") if s in decided), "pass")
    worst = [c["status"] for c in data["checks"]]
    data["status"] = next((s for s in ("fail", "error", "warn") if s in worst), "pass")
    assert validation_errors(data) == []
    return data


def write(directory: Path, name: str, data: Any) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """Five endpoints: clock fails on three, connectivity on one, certificate errors on one."""
    root = tmp_path / "fleet"
    tmo = ("clock.totp_rejected", "high")
    write(root / "a", "1.json", variant(1, {"clock": "fail"}, {"clock": [tmo, ("clock.totp_rejected", "medium")]}))
    write(root / "a", "2.json", variant(2, {"clock": "fail"}, {"clock": [tmo]}))
    write(root / "b", "3.json", variant(3, {"clock": "fail", "connectivity": "fail"},
                                      {"clock": [tmo], "connectivity": [("connectivity.tcp_timeout", "high"),
                                                                        ("connectivity.proxy_in_use", "info")]}))
    write(root / "b", "4.json", variant(4, {"certificate": "error"}))
    write(root / "b" / "deep", "5.json", variant(5, {"redirects": "warn"}, {"redirects": [("redirects.cookie_too_large", "medium")]}))
    return root


def test_counts_per_item_check_and_code_most_failures_first(fleet: Path) -> None:
    code, out, err = summarize([str(fleet), "--format", "json"])
    assert code == 0, err
    summary = json.loads(out)
    assert summary["reports"] == 5 and summary["skipped"] == 0
    assert summary["status"] == {"pass": 0, "warn": 1, "fail": 3, "error": 1, "skip": 0}
    checks = {row["id"]: row for row in summary["checks"]}
    assert [row["id"] for row in summary["checks"]][:2] == ["clock", "connectivity"]
    assert (checks["clock"]["fail"], checks["clock"]["pass"], checks["clock"]["total"]) == (3, 2, 5)
    assert checks["certificate"]["error"] == 1 and checks["redirects"]["warn"] == 1
    items = {row["id"]: row for row in summary["checklist"]}
    assert summary["checklist"][0]["id"] == "clock" and items["clock"]["fail"] == 3
    assert items["credentials"]["manual"] == 5
    findings = [(f["code"], f["endpoints"], f["fail"], f["warn"], f["pass"]) for f in summary["findings"]]
    # The same code twice in one report counts that endpoint once, at its worst severity.
    assert findings == [
        ("clock.totp_rejected", 3, 3, 0, 0),
        ("connectivity.tcp_timeout", 1, 1, 0, 0),
        ("redirects.cookie_too_large", 1, 0, 1, 0),
        ("connectivity.proxy_in_use", 1, 0, 0, 1),
    ]
    assert summary["findings"][0]["share"] == 0.6
    assert "summarized 5 reports" in err


def test_unreadable_files_are_skipped_with_a_warning_and_counted(fleet: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    write(bad, "truncated.json", json.dumps(variant(9, {}))[:200])
    write(bad, "not-a-report.json", {"hello": "world"})
    future = variant(10, {})
    future["schema_version"] = 2
    write(bad, "future.json", future)
    (bad / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    write(bad, "empty.json", "")
    code, out, err = summarize([str(fleet), str(bad), str(tmp_path / "missing.json"), "--format", "json"])
    assert code == 0
    summary = json.loads(out)
    assert summary["reports"] == 5
    assert summary["skipped"] == 6
    reasons = {Path(s["path"]).name: s["reason"] for s in summary["skipped_files"]}
    assert reasons["missing.json"] == "no such file"
    assert reasons["future.json"].startswith("schema version 2")
    assert reasons["binary.json"].startswith(("not UTF-8 text", "not JSON"))
    assert reasons["not-a-report.json"] == "schema version None (this login-doctor reads version 1)"
    assert err.count("warning: skipped") == 6
    assert "summarized 5 reports; skipped 6 unreadable" in err
    _code, md, _err = summarize([str(fleet), str(bad)])
    assert "5 unreadable skipped" in md


def test_warnings_are_capped_but_the_count_is_complete(tmp_path: Path) -> None:
    for i in range(25):
        write(tmp_path / "bad", f"{i:02d}.json", "{")
    write(tmp_path / "good", "ok.json", variant(1, {}))
    code, _out, err = summarize([str(tmp_path), "--format", "csv"])
    assert code == 0
    assert err.count("warning: skipped") == 20
    assert "and 5 more unreadable files" in err and "skipped 25 unreadable" in err


def test_globs_stdin_and_duplicates(fleet: Path, tmp_path: Path) -> None:
    copy_dir = tmp_path / "copies"
    write(copy_dir, "same-as-1.json", json.loads((fleet / "a" / "1.json").read_text()))
    pattern = str(fleet / "**" / "*.json")
    names = f"{fleet / 'a' / '1.json'}\n{fleet / 'a' / '2.json'}\n"
    code, out, err = summarize([pattern, "-", str(copy_dir), "--format", "json"], stdin=names)
    assert code == 0, err
    summary = json.loads(out)
    # The glob finds all five, stdin repeats two of them (read once), the copy has a known report id.
    assert summary["files"] == 6 and summary["reports"] == 5 and summary["duplicates"] == 1
    assert "1 duplicate counted once" in err


def test_no_readable_report_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, "broken.json", "{")
    code, out, err = summarize([str(tmp_path)])
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1] == "login-doctor: error: no readable login-doctor report among 1 file"
    code, _out, err = summarize([str(tmp_path / "empty-dir-that-does-not-exist")])
    assert code == 2


def test_csv_is_one_table_with_neutralised_formulas(fleet: Path) -> None:
    hostile = variant(7, {"clock": "fail"}, {"clock": [("clock.totp_rejected", "high")]})
    hostile["checks"][3]["findings"][0]["message"] = "=HYPERLINK(\"https://evil.example\")"
    hostile["checks"][3]["findings"][0]["code"] = "clock.formula_test"
    write(fleet, "hostile.json", hostile)
    code, out, _err = summarize([str(fleet), "--format", "csv"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["section"] == "reports" and rows[0]["total"] == "6"
    sections = [r["section"] for r in rows]
    assert sections == sorted(sections, key=["reports", "checklist", "check", "finding"].index)
    formula = next(r for r in rows if r["id"] == "clock.formula_test")
    assert formula["title"].startswith("'=")
    clock = next(r for r in rows if r["section"] == "check" and r["id"] == "clock")
    assert (clock["fail"], clock["pass"]) == ("4", "2")


def test_output_file_format_from_extension(fleet: Path, tmp_path: Path) -> None:
    for name, check in (("s.json", json.loads), ("s.csv", lambda t: list(csv.reader(io.StringIO(t)))),
                        ("s.md", lambda t: t.startswith("# login-doctor fleet summary: 5 reports"))):
        out = tmp_path / name
        code, stdout, _err = summarize([str(fleet), "-o", str(out)])
        assert code == 0 and stdout == ""
        assert check(out.read_text("utf-8"))
    code, _out, err = summarize([str(fleet), "--format", "xml"])
    assert code == 2 and "choose one of markdown, csv, json" in err


def test_markdown_summary_lists_failures_first(fleet: Path) -> None:
    code, out, _err = summarize([str(fleet)])
    assert code == 0
    findings = out.split("## Findings", 1)[1]
    assert findings.index("clock.totp_rejected") < findings.index("redirects.cookie_too_large")
    assert "| `clock.totp_rejected` | high | 3 | 60.0% | 3 | 0 | 0 |" in findings


@pytest.mark.parametrize("name", ["all_pass", "failures", "errors_skips", "plugin"])
def test_structural_check_accepts_every_fixture(name: str) -> None:
    assert structural_problem(load_fixture(name)) is None


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.update(status="maybe"), "no valid overall status"),
        (lambda d: d["checks"][0].update(status="ok"), "a check without a valid id or status"),
        (lambda d: d["checks"][1].update(findings=[{"code": 1, "severity": "high"}]), "finding"),
        (lambda d: d.pop("checklist"), "no checklist"),
        (lambda d: d["tool"].update(name="other"), "not a login-doctor report"),
    ],
)
def test_structural_check_rejects_what_the_tally_cannot_use(mutate: Any, reason: str) -> None:
    data = json.loads((FIXTURES / "failures.json").read_text("utf-8"))
    mutate(data)
    problem = structural_problem(data)
    assert problem is not None and reason in problem


@pytest.mark.parametrize("where", ["status", "severity", "checklist"])
def test_a_list_where_a_status_or_severity_belongs_is_a_skipped_report_not_a_crash(where: str) -> None:
    # Found by the fuzz suite: `[...] in frozenset` raised TypeError (unhashable) and crashed summarize.
    from reports.summary import structural_problem

    data = json.loads((Path(__file__).parent / "fixtures" / "failures.json").read_text("utf-8"))
    if where == "status":
        data["checks"][0]["status"] = ["fail"]
    elif where == "severity":
        data["checks"][1]["findings"][0]["severity"] = {"high": 1}
    else:
        data["checklist"][0]["status"] = ["pass"]
    structural_problem(data)  # a reason or None; never an exception
