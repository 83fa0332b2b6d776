"""The ``browser`` check over profiles real browsers wrote themselves.

Debian's Chromium and Firefox ESR visit the lab's ``browser-stored-cookies`` site in a throw-away
profile and are shut down cleanly, so *they* write the cookie database: 40 large cookies, one name
on two paths, and a 6-second cookie that expires while the browser is closed (the store keeps it
until the browser next reads the site's cookies). The check then reads that profile, as the person
would run it (``login-doctor URL --browser-profile DIR``), and reports each. Then the browser visits
again (Chromium after a restart, Firefox at once, before the short cookie expires) and the lab
server records the Cookie header it really sent: the check's size is the browser's (exact for
Firefox, a range that holds it for Chromium's encrypted values), and Chromium no longer sends the
expired cookie.

A per-site "block cookies" exception written into the Chromium profile's ``Preferences`` is shown,
in the same test, to make Chromium withhold the site's cookies (its net-log says
``EXCLUDE_USER_PREFERENCES`` for every stored cookie and every ``Set-Cookie``), and the check
reports the block and no oversized header.

Every cookie value carries the lab's canary; no report format holds it, and no SQL statement the
check runs on the real databases selects a value column.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from checks._browser.host import Host
from diagnose.check import SystemClock
from diagnose.lab.scenario import SIGNIN_PATH
from diagnose.lab.scenarios.browser import CANARY, DUPLICATE, SHORT, SHORT_MAX_AGE, SHORT_VALUE_BYTES, bulk_names
from diagnose.model import CheckResult
from diagnose.settings import Settings
from tests.browsers.chromium import ChromiumOptions
from tests.browsers.firefox import FirefoxOptions
from tests.browsers.fixtures import LaunchChromium, LaunchFirefox
from tests.browsers.lab import LabScenarios, StartedScenario
from tests.checks.browser_run import codes, finding, run_browser_check
from tests.checks.test_browser_sqlite import selects_a_value, traced_statements

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ("json", "md", "html", "txt", "xml")
STORED = [*bulk_names(), DUPLICATE, DUPLICATE]
"""The cookies a browser sends on the next visit: all but the expired one."""
BLOCK_SITE = {"profile": {"content_settings": {"exceptions": {"cookies": {"[*.]atera-lab.test,*": {"setting": 2}}}}}}
"""What Chrome's Settings, Privacy, Site settings, "Not allowed to use third-party cookies / save data" writes."""


def test_chromium_writes_the_cookies_and_the_check_reports_each(
        launch_chromium: LaunchChromium, lab_scenarios: LabScenarios, tmp_path: Path) -> None:
    profile = tmp_path / "chromium-profile"
    with lab_scenarios.start("browser-stored-cookies") as started:
        options = ChromiumOptions(user_data_dir=profile, trusted_roots=(started.ca_file,))
        set_at = _visit_chromium(launch_chromium, options, started)
        _until_expired(set_at)
        # The person runs login-doctor while the browser is closed.
        report, rendered = _cli(started.url, profile, tmp_path / "first")
        check = _browser(report)
        _assert_pileup(check, exact=False)
        _assert_no_value_in(rendered, profile / "Default" / "Cookies", plaintext_in_store=False)
        _assert_no_value_selected(started.url, profile)

        # The next visit: what Chromium really sends (it drops the expired cookie as it reads the store).
        _visit_chromium(launch_chromium, options, started)
        [sent] = _signin_requests(started)[1:]
        assert sorted(sent["names"]) == sorted(STORED) and SHORT not in sent["names"]
        cookies = check["details"]["profiles"][0]["cookies"]
        assert cookies["sizes"] == "estimated" and cookies["sent_count"] == len(STORED)
        assert cookies["sent_bytes"] <= sent["bytes"] <= cookies["sent_bytes_up_to"], (sent, cookies)

        # The person blocks cookies for the site; Chromium then withholds the stored ones and refuses new ones.
        blocked = launch_chromium(ChromiumOptions(user_data_dir=profile, trusted_roots=(started.ca_file,),
                                                  preferences=BLOCK_SITE))
        with blocked.capture() as capture:
            assert blocked.default_context().new_page().navigate(started.url).ok
        blocked.close()
    assert capture.netlog is not None
    [navigation] = capture.netlog.navigations()
    [hop] = navigation.hops
    assert len(hop.sent) == len(STORED)
    assert all(d.exclusions == ("EXCLUDE_USER_PREFERENCES",) and not d.included for d in hop.sent), hop.sent
    assert len(hop.set_cookies) == len(STORED) + 1
    assert all(line.decision is not None and "EXCLUDE_USER_PREFERENCES" in line.decision.exclusions
               for line in hop.set_cookies)
    assert _signin_requests(started)[-1]["bytes"] == 0  # the server got no Cookie header at all
    capture.netlog.assert_loopback_only()

    result = _in_process(started.url, profile)
    block = finding(result, "browser.site_cookies_blocked")
    assert block.evidence["pattern"] == "[*.]atera-lab.test,*" and block.evidence["withheld"] == len(STORED)
    assert "browser.cookie_header_too_large" not in codes(result)
    assert "browser.duplicate_cookies" not in codes(result)  # none of them is sent


def test_firefox_writes_the_cookies_and_the_check_reports_each(
        launch_firefox: LaunchFirefox, lab_scenarios: LabScenarios, tmp_path: Path) -> None:
    profile = tmp_path / "firefox-profile"
    with lab_scenarios.start("browser-stored-cookies") as started:
        firefox = launch_firefox(FirefoxOptions(profile_dir=profile, trusted_roots=(started.ca_file,)))
        assert firefox.navigate(started.url).ok
        set_at = time.time()
        # A second visit at once: what Firefox really sends, the short-lived cookie still alive and last
        # (Firefox orders by path length, then creation). One Firefox start is 3-10 s, so no relaunch.
        assert firefox.navigate(started.url).ok
        firefox.quit()
        firefox.assert_loopback_only()
        _until_expired(set_at)
        report, rendered = _cli(started.url, profile, tmp_path / "first")
        check = _browser(report)
        _assert_pileup(check, exact=True)
        _assert_no_value_in(rendered, profile / "cookies.sqlite", plaintext_in_store=True)
        _assert_no_value_selected(started.url, profile)
    [sent] = _signin_requests(started)[1:]
    assert sorted(sent["names"]) == sorted([*STORED, SHORT]) and sent["names"][-1] == SHORT
    cookies = check["details"]["profiles"][0]["cookies"]
    assert cookies["sizes"] == "exact" and cookies["sent_count"] == len(STORED)
    # The check's header is Firefox's, less the cookie that has expired since: "; short_lived=<30 bytes>".
    assert cookies["sent_bytes"] == sent["bytes"] - len(f"; {SHORT}=") - SHORT_VALUE_BYTES, (sent, cookies)


# ----------------------------------------------------------------------------- helpers


def _visit_chromium(launch_chromium: LaunchChromium, options: ChromiumOptions, started: StartedScenario) -> float:
    """Visit the sign-in page once in the profile and shut Chromium down cleanly; when the page answered."""
    browser = launch_chromium(options)
    assert browser.default_context().new_page().navigate(started.url).ok
    answered = time.time()
    browser.close()
    return answered


def _until_expired(set_at: float) -> None:
    """Wait, with the browser closed, until the short-lived cookie has expired."""
    time.sleep(max(0.0, set_at + SHORT_MAX_AGE + 0.5 - time.time()))


def _signin_requests(started: StartedScenario) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = started.run.observed["cookie_headers"]
    return [r for r in received if r["path"] == SIGNIN_PATH]


def _cli(url: str, profile: Path, out: Path) -> tuple[dict[str, Any], str]:
    """``login-doctor URL --only browser --browser-profile DIR`` as a subprocess, in every report format."""
    out.mkdir()
    outputs = [out / f"report.{ext}" for ext in FORMATS]
    args = [sys.executable, "-m", "diagnose", url, "--only", "browser", "--browser-profile", str(profile),
            "--headless", "--format", "json", *[a for o in outputs for a in ("-o", str(o))]]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, timeout=120, check=False)
    assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
    rendered = done.stdout.decode() + done.stderr.decode() + "".join(o.read_text("utf-8") for o in outputs)
    return json.loads(done.stdout), rendered


def _browser(report: dict[str, Any]) -> dict[str, Any]:
    checks: list[dict[str, Any]] = report["checks"]
    [check] = checks
    assert check["id"] == "browser"
    return check


def _assert_pileup(check: dict[str, Any], *, exact: bool) -> None:
    by_code = {f["code"]: f for f in check["findings"]}
    header = by_code["browser.cookie_header_too_large"]
    assert header["evidence"]["cookie_count"] == len(STORED)
    assert header["evidence"]["exceeds_defaults_of"] == ["nginx", "Apache httpd"]
    assert header["evidence"]["sizes"] == ("exact" if exact else "estimated from the encrypted values' lengths")
    assert header["severity"] == "medium"  # IIS and Node.js take 16 KB
    assert by_code["browser.duplicate_cookies"]["evidence"]["copies"] == {
        DUPLICATE: [{"domain": "app.atera-lab.test", "path": "/users"}, {"domain": "app.atera-lab.test", "path": "/"}],
    }
    expired = by_code["browser.expired_cookies"]["evidence"]
    assert (expired["count"], expired["cookies"]) == (1, SHORT)
    [profile] = check["details"]["profiles"]
    assert profile["cookies"]["this_site"] == len(STORED) + 1
    read = {Path(f["file"]).name for f in check["details"]["files_read"]}
    assert ("Cookies" if not exact else "cookies.sqlite") in read


def _assert_no_value_in(rendered: str, store: Path, *, plaintext_in_store: bool) -> None:
    """The canary is in every value the browser stored, and in no report format."""
    if plaintext_in_store:  # Firefox keeps values in clear: the check could have leaked them
        files = [store, store.with_name(store.name + "-wal")]
        assert any(CANARY.encode() in f.read_bytes() for f in files if f.exists())
    assert CANARY not in rendered
    assert "bulk00" in rendered and DUPLICATE in rendered  # the names are there: the right reports were read


def _in_process(url: str, profile: Path) -> CheckResult:
    nobody = profile.parent / "no-home"
    nobody.mkdir(exist_ok=True)
    return run_browser_check(Host("linux", nobody, {}), url=url, settings=Settings(browser_profiles=(profile,)),
                             clock=SystemClock())


def _assert_no_value_selected(url: str, profile: Path) -> None:
    with traced_statements() as statements:
        result = _in_process(url, profile)
    assert "browser.cookie_header_too_large" in codes(result)
    assert any(" FROM cookies" in s or " FROM moz_cookies" in s for s in statements)
    assert [s for s in statements if selects_a_value(s)] == []
