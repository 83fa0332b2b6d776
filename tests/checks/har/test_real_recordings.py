"""``login-doctor har`` on recordings made by real browsers: each report names the fault its lab scenario was built with.

Two ways over the same recipes (tests/checks/har/recordings.py):

* the kept fixtures (tests/checks/har/fixtures/, made by tools/record_har_fixtures.py), read without a
  browser: the report, its checklist, the sanitized copy (valid HAR 1.2, idempotent) and the canary flow;
* recorded live (marker ``browser``): Chromium 156 records every recipe again and Firefox ESR exports
  its own HAR, so a browser upgrade that changes what a HAR holds fails here, not in a person's ticket.
"""

from __future__ import annotations

import base64
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diagnose.cli import run
from diagnose.environment import Environment
from reports.schema import validation_errors
from tests.browsers.chromium import Chromium, ChromiumOptions
from tests.browsers.firefox import Firefox, FirefoxOptions
from tests.browsers.fixtures import require_chromium, require_firefox
from tests.browsers.lab import LabScenarios
from tests.browsers.netlog import NetLog
from tests.checks.har.recordings import PROFILE, RECIPES, Expect, Recipe, Recorded, Session, fixture_path, manifest
from tests.diagnose.har.harschema import har_errors
from tests.diagnose.har.leaks import leaks

FAULTY = [r for r in RECIPES if r.name != "chromium-canary"]


def har(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, stdin=io.StringIO(), stdout_isatty=False, environ={})
    return run(["har", *args, "--profile", str(PROFILE)], env), out.getvalue(), err.getvalue()


def report_on(path: Path) -> tuple[int, dict[str, Any]]:
    code, out, err = har(str(path), "--format", "json", "-q")
    assert code != 2, err
    report = json.loads(out)
    assert validation_errors(report) == []
    return code, report


def assert_names_the_fault(recipe: Recipe, code: int, report: dict[str, Any]) -> None:
    expect: Expect = recipe.expect
    status = {c["id"]: c["status"] for c in report["checks"]}
    found = {f["code"] for c in report["checks"] for f in c["findings"]}
    where = f"{recipe.name} ({recipe.fault}): {status} {sorted(found)}"
    assert set(expect.codes) <= found, where
    assert not set(expect.absent) & found, where
    assert all(status[c] == "fail" for c in expect.failing), where
    assert all(status[c] == "pass" for c in expect.passing), where
    if expect.exit_code is not None:
        assert code == expect.exit_code, where
    browser = report["source"]["browser"]["family"]
    assert browser == recipe.browser, where


# ----------------------------------------------------------------------------- the kept fixtures


def test_every_recipe_has_a_fixture_and_a_manifest_line() -> None:
    kept = manifest()
    for recipe in RECIPES:
        assert fixture_path(recipe.name).exists(), f"run: python tools/record_har_fixtures.py {recipe.name}"
        line = kept[recipe.name]
        assert (line["scenario"], line["fault"], line["browser"]) == (recipe.scenario, recipe.fault, recipe.browser)
        assert line["browser_version"], recipe.name


@pytest.mark.parametrize("recipe", FAULTY, ids=lambda r: r.name)
def test_the_report_on_a_real_recording_names_its_fault(recipe: Recipe) -> None:
    code, report = report_on(fixture_path(recipe.name))
    assert_names_the_fault(recipe, code, report)
    assert report["source"]["entries"] == manifest()[recipe.name]["entries"]


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_a_real_recording_sanitized_is_valid_har_and_stable(recipe: Recipe, tmp_path: Path) -> None:
    once, twice = tmp_path / "once.har", tmp_path / "twice.har"
    assert har(str(fixture_path(recipe.name)), "--sanitize", str(once), "-q", "--format", "json")[0] != 2
    assert har_errors(json.loads(once.read_text("utf-8"))) == []
    assert har(str(once), "--sanitize", str(twice), "-q", "--format", "json")[0] != 2
    assert twice.read_bytes() == once.read_bytes()


def test_chromium_writes_the_refused_20th_redirect_with_its_answer_and_the_error() -> None:
    """What Chromium 156 writes for ERR_TOO_MANY_REDIRECTS: 20 requests; the 20th was answered 302 and
    refused, and keeps that status and Location with the error (DevTools takes them from the ExtraInfo)."""
    entries = json.loads(fixture_path("chromium-too-many").read_text("utf-8"))["log"]["entries"]
    documents = [e for e in entries if e["_resourceType"] == "document"]
    assert len(documents) == 20
    last = documents[-1]["response"]
    assert (last["status"], last["_error"]) == (302, "net::ERR_TOO_MANY_REDIRECTS") and last["redirectURL"]
    assert all(e["response"]["_error"] is None for e in documents[:-1])
    # the error page's own images are data: URLs, recorded too; they are not requests of the sign-in
    assert {e["request"]["url"][:5] for e in entries if e["_resourceType"] != "document"} == {"data:"}


def test_chromium_writes_blocked_mixed_content_with_status_0_and_no_error_text() -> None:
    """A script over http on an https page: CDP says blockedReason mixed-content with an empty
    errorText, so the HAR's ``_error`` is empty; the analysis knows it by the page and the scheme."""
    entries = json.loads(fixture_path("chromium-mixed-content").read_text("utf-8"))["log"]["entries"]
    [script] = [e for e in entries if e["_resourceType"] == "script"]
    assert script["request"]["url"].startswith("http://")
    assert (script["response"]["status"], script["response"]["_error"]) == (0, "")


def test_top_level_navigations_are_told_apart_in_real_recordings() -> None:
    """Sec-Fetch-Dest (Chromium and Firefox send it) tells navigations from subresources: the
    canary flow's form posts and redirects are navigations; its fetches, favicons and scripts are not."""
    from checks.har import navigations_of
    from diagnose.har import read_recording

    navs = [e.url.split("?")[0].rsplit("/", 1)[-1] for e in navigations_of(
        read_recording(fixture_path("chromium-canary")).recording)]
    assert navs == ["", "sso", "login", "acs", "callback"]
    loop = navigations_of(read_recording(fixture_path("firefox-loop")).recording)
    assert len(loop) == 21  # Firefox sends 21 requests before it gives up (network.http.redirection-limit 20)


# ----------------------------------------------------------------------------- the canary flow


def canary_values(recorded: dict[str, str]) -> dict[str, str]:
    """The planted values, and their encoded forms where the HAR only holds those (HTTP Basic)."""
    out = dict(recorded)
    for name in ("basic_pw", "proxy_pw"):
        user = "client" if name == "basic_pw" else "alice"
        out[name + "_basic"] = base64.b64encode(f"{user}:{recorded[name]}".encode()).decode()
    return out


def assert_no_canary_anywhere(path: Path, canaries: dict[str, str], tmp_path: Path) -> None:
    original = path.read_text("utf-8")
    encoded_only = {"basic_pw", "proxy_pw", "saml_id"}  # inside base64 (Basic) or a deflated SAMLRequest
    assert set(leaks(original, canaries)) == set(canaries) - encoded_only, "every canary is in the recording"
    safe = tmp_path / "safe.har"
    reports = [tmp_path / f"report.{ext}" for ext in ("json", "md", "html", "txt", "xml")]
    code, out, err = har(str(path), "--sanitize", str(safe), *[a for r in reports for a in ("-o", str(r))],
                         "--format", "text")
    assert code in (0, 1), err
    outputs = {"sanitized copy": safe.read_text("utf-8"), "stdout": out, "stderr": err,
               **{r.name: r.read_text("utf-8") for r in reports}}
    for fmt in ("json", "markdown", "html", "junit"):
        outputs[f"stdout {fmt}"] = har(str(path), "--format", fmt, "-q")[1]
    for where, text in outputs.items():
        assert leaks(text, canaries) == [], where
    copy = json.loads(outputs["sanitized copy"])
    assert har_errors(copy) == []
    again = tmp_path / "again.har"
    har(str(safe), "--sanitize", str(again), "-q", "--format", "json")
    assert again.read_bytes() == safe.read_bytes()
    replaced = json.loads(outputs["report.json"])["source"]["sanitized"]
    assert {"cookie", "set-cookie", "authorization", "credential-header", "query", "form-field", "json-field",
            "token", "hidden-input"} <= set(replaced["by_kind"])
    names = {r["name"] for r in replaced["replaced"]}
    assert {"password", "username", "code", "state", "SAMLRequest", "SAMLResponse", "code_verifier", "client_secret",
            "csrf", "idp_session", "session", "Proxy-Authorization", "Authorization"} <= names


def test_no_canary_of_the_recorded_flow_reaches_any_output(tmp_path: Path) -> None:
    assert_no_canary_anywhere(fixture_path("chromium-canary"),
                              canary_values(manifest()["chromium-canary"]["canaries"]), tmp_path)


# ----------------------------------------------------------------------------- recorded live


@pytest.fixture(scope="module")
def session(lab_scenarios: LabScenarios, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    chromium_binary, firefox_binary = require_chromium(), require_firefox()
    work = tmp_path_factory.mktemp("recordings")
    launched: list[Chromium] = []

    def launch_chromium(options: ChromiumOptions) -> Chromium:
        browser = Chromium.launch(options, binary=chromium_binary, workdir=Path(tempfile.mkdtemp(dir=work)))
        launched.append(browser)
        return browser

    def launch_firefox(options: FirefoxOptions) -> Firefox:
        return Firefox.launch(options, binary=firefox_binary, workdir=Path(tempfile.mkdtemp(dir=work)))

    yield Session(lab_scenarios, work, launch_chromium=launch_chromium, launch_firefox=launch_firefox)
    for browser in launched:
        browser.close()
        NetLog.load(browser.netlog_path).assert_loopback_only()


def record(recipe: Recipe, session: Session, tmp_path: Path) -> tuple[Recorded, Path]:
    recorded = recipe.record(session)
    path = tmp_path / f"{recipe.name}.har"
    path.write_text(json.dumps(recorded.har, indent=2), "utf-8")
    return recorded, path


@pytest.mark.browser
@pytest.mark.parametrize("recipe", FAULTY, ids=lambda r: r.name)
def test_a_live_recording_names_its_fault(recipe: Recipe, session: Session, tmp_path: Path) -> None:
    _recorded, path = record(recipe, session, tmp_path)
    code, report = report_on(path)
    assert_names_the_fault(recipe, code, report)


@pytest.mark.browser
def test_no_canary_of_a_live_recording_reaches_any_output(session: Session, tmp_path: Path) -> None:
    recipe = next(r for r in RECIPES if r.name == "chromium-canary")
    recorded, path = record(recipe, session, tmp_path)
    assert_no_canary_anywhere(path, canary_values(recorded.canaries), tmp_path)


# ----------------------------------------------------------------------------- --browser-profile


def test_browser_profile_beside_a_recording_reads_that_folder_only(tmp_path: Path) -> None:
    """``--browser-profile DIR``: the browser check reads the person's profile folder (a copy a helpdesk
    was given, or the person's own) for the recording's site, and nothing of this computer's browsers."""
    from tests.checks.browser_fixtures import ChromiumProfile, FakeCookie

    profile = ChromiumProfile(tmp_path / "person" / "Default", "linux")
    profile.save()
    secret = "cookievalue" + "9" * 3000
    profile.cookies([FakeCookie(f"big{i}", secret, ".atera-lab.test") for i in range(8)])
    code, out, err = har(str(fixture_path("chromium-healthy")), "--browser-profile", str(profile.directory),
                         "--format", "json", "-q")
    assert code == 1, err
    report = json.loads(out)
    assert validation_errors(report) == []
    browser = next(c for c in report["checks"] if c["id"] == "browser")
    assert "browser.cookie_header_too_large" in {f["code"] for f in browser["findings"]}
    files = json.dumps(browser["details"])
    assert str(profile.directory) in files or profile.directory.name in files
    assert "cookievalue" not in out and "9999999999" not in out  # lengths, never values
    code, _, err = har(str(fixture_path("chromium-healthy")), "--browser-profile", str(tmp_path / "nowhere"))
    assert code == 2 and "no such folder" in err
