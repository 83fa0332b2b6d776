"""The ``browser`` check end to end over fake home trees with the real layouts and schemas.

Each test builds what a browser would have written (files, SQLite schemas,
JSON preferences) and runs the real check; nothing inside the check is mocked.
Real-browser tests (the browsers writing these files themselves) come with the
shared browser harness (issue 17, phase 2).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checks._browser.host import Host
from diagnose.deadline import Deadline
from diagnose.facts import Intercepted, OutOfTime
from diagnose.model import CheckResult, Finding, Severity, Status
from diagnose.settings import Settings
from reports.render import render
from tests.checks.browser_fixtures import NOW, FakeCookie, FakeHome
from tests.checks.browser_run import SIGNIN, codes, finding, run_browser_check, vendor_profile

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def linux(tmp_path: Path) -> FakeHome:
    return FakeHome(tmp_path / "home", "linux")


def big(n: int, size: int, host: str = ".atera.com", prefix: str = "c") -> list[FakeCookie]:
    return [FakeCookie(f"{prefix}{i}", "x" * size, host) for i in range(n)]


# --------------------------------------------------------------------- the whole check


def test_a_clean_profile_passes_and_says_what_it_read(linux: FakeHome) -> None:
    [chrome] = linux.chromium("chrome")
    chrome.cookies([FakeCookie("session", "s3cr3t-session", "app.atera.com")])
    [firefox] = linux.firefox()
    firefox.cookies([FakeCookie("session", "s3cr3t-session", "app.atera.com")])
    result = run_browser_check(linux)
    assert result.status is Status.PASS, result.findings
    assert result.summary.startswith("Read the local settings of 2 browser profiles (Chrome 'Person 1', "
                                     "Firefox 'default-release'), read-only and without cookie values")
    assert "nothing in them gets in the way of signing in to app.atera.com" in result.summary
    details = result.details
    assert "without reading any cookie value" in details["privacy"] and "--skip browser" in details["privacy"]
    files = {(f["browser"], f["file"]) for f in details["files_read"]}
    assert ("Chrome", "~/.config/google-chrome/Default/Cookies") in files
    assert ("Firefox", "~/.mozilla/firefox/abcd1234.default-release/cookies.sqlite") in files
    assert all(f["file"].startswith("~/") for f in details["files_read"])
    chrome_details = details["profiles"][0]
    assert chrome_details["version"] == "156.0.8078.129"
    assert chrome_details["cookies"]["sent_count"] == 1
    assert chrome_details["cookies"]["sizes"] == "estimated"


def test_no_home_directory_skips_with_the_reason(tmp_path: Path) -> None:

    result = run_browser_check(Host("linux", None, {}))
    assert result.status is Status.SKIP
    assert "without a home directory (a service account)" in result.summary
    windows_service = tmp_path / "Windows" / "system32" / "config" / "systemprofile"
    windows_service.mkdir(parents=True)
    result = run_browser_check(Host("windows", windows_service, {}))
    assert result.status is Status.SKIP and "Windows service account" in result.summary


def test_a_home_without_browsers_skips_and_says_where_it_looked(linux: FakeHome) -> None:
    linux.root.mkdir(parents=True)
    result = run_browser_check(linux)
    assert result.status is Status.SKIP
    assert "No browser data was found for this user" in result.summary
    assert "~/.config/google-chrome" in result.summary
    assert result.details["files_read"] == []


def test_skip_browser_leaves_it_out_of_the_plan() -> None:
    from diagnose.registry import discover

    registry = discover(plugins=False)
    assert "browser" in registry.plan().ids
    plan = registry.plan([], ["browser"])
    assert "browser" not in plan.ids and plan.skipped_by_request == ("browser",)


def test_the_lab_never_reads_the_persons_browsers() -> None:
    import asyncio

    from diagnose.lab.scenario import diagnose_scenario

    report = asyncio.run(diagnose_scenario("healthy", only=("browser",))).report
    [result] = report.checks
    assert result.status is Status.SKIP
    assert "No browser data was found" in result.summary


# --------------------------------------------------------------------- cookies


def test_a_cookie_header_larger_than_nginx_and_apache_accept(linux: FakeHome) -> None:
    [chrome] = linux.chromium("chrome")
    chrome.cookies([*big(40, 230), FakeCookie("unrelated", "y" * 3000, ".example.org")])
    result = run_browser_check(linux)
    found = finding(result, "browser.cookie_header_too_large")
    assert found.severity is Severity.MEDIUM  # over nginx's 8 KB and Apache's 8190, not IIS's 16 KB
    assert found.evidence["exceeds_defaults_of"] == ["nginx", "Apache httpd"]
    assert found.evidence["cookie_count"] == 40
    # Encrypted values: the smallest plaintext that fits each ciphertext (never more than the real size).
    real = 40 * (3 + 230) + 2 * 39 + 40
    assert found.evidence["cookie_bytes"] <= real <= found.evidence["cookie_bytes_up_to"]
    assert found.evidence["sizes"] == "estimated from the encrypted values' lengths"
    sizes = [c["size"] for c in found.evidence["largest_cookies"]]
    assert sizes == sorted(sizes, reverse=True) and len(sizes) == 5
    assert found.evidence["largest"].startswith(f"{found.evidence['largest_cookies'][0]['name']} ({sizes[0]}–")
    low, high = found.evidence["cookie_bytes"], found.evidence["cookie_bytes_up_to"]
    assert f"about {low:,}–{high:,} bytes, estimated" in found.message
    assert "400 \"Request Header Or Cookie Too Large\"" in found.message
    assert result.status is Status.WARN


def test_a_cookie_header_larger_than_every_server_limit_fails(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.cookies(big(60, 300))
    result = run_browser_check(linux)
    found = finding(result, "browser.cookie_header_too_large")
    assert found.severity is Severity.HIGH
    assert set(found.evidence["exceeds_defaults_of"]) == {"nginx", "Apache httpd", "IIS", "Node.js"}
    assert found.evidence["cookie_bytes"] == found.evidence["cookie_bytes_up_to"]  # Firefox: exact sizes
    assert f"60 cookies ({found.evidence['cookie_bytes']:,} bytes)" in found.message
    assert result.status is Status.FAIL


def test_the_limits_are_the_redirects_checks_own() -> None:
    from checks.browser import _facts  # the one place the check takes them from
    from checks.redirects import SERVER_LIMITS

    assert _facts.__module__ == "checks.browser"
    import checks.browser

    assert checks.browser.SERVER_LIMITS is SERVER_LIMITS


def test_only_cookies_the_browser_would_send_count(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.cookies(
        big(20, 400, "other.atera.com")  # another host's host-only cookies
        + big(10, 400, ".atera.com", prefix="p") * 1
        + [FakeCookie(f"path{i}", "z" * 400, ".atera.com", path="/billing") for i in range(20)]
        + [FakeCookie(f"old{i}", "z" * 400, ".atera.com", expires=NOW - 10) for i in range(20)]
        + [FakeCookie(f"part{i}", "z" * 400, ".atera.com",
                      origin_attributes="^partitionKey=%28https%2Cexample.org%29") for i in range(20)]
    )
    result = run_browser_check(linux)
    assert "browser.cookie_header_too_large" not in codes(result)
    sent = result.details["profiles"][0]["cookies"]
    assert sent["sent_count"] == 10


def test_too_many_cookies_for_the_site(linux: FakeHome) -> None:
    [chrome] = linux.chromium("edge")
    chrome.cookies(big(170, 5))
    found = finding(run_browser_check(linux), "browser.too_many_cookies")
    assert found.evidence["count"] == 170 and found.evidence["limit"] == 180 and found.evidence["keeps"] == 150
    assert found.evidence["browser"] == "Edge"


def test_firefox_uses_its_own_per_host_limit(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.pref("network.cookie.maxPerHost", 50)
    firefox.cookies(big(30, 5))
    found = finding(run_browser_check(linux), "browser.too_many_cookies")
    assert found.evidence["limit"] == 50


def test_duplicate_cookie_names_for_several_domains_or_paths(linux: FakeHome) -> None:
    [chrome] = linux.chromium()
    chrome.cookies([
        FakeCookie("session", "a1", ".atera.com"),
        FakeCookie("session", "a2", "app.atera.com"),
        FakeCookie("session", "a3", "app.atera.com", path="/users"),
        FakeCookie("lang", "en", "app.atera.com"),
        FakeCookie("only_billing", "1", "app.atera.com", path="/billing"),
        FakeCookie("only_billing", "2", "app.atera.com"),  # the /billing copy is never sent to the sign-in page
    ])
    found = finding(run_browser_check(linux), "browser.duplicate_cookies")
    assert found.evidence["cookies"] == "session"
    assert len(found.evidence["copies"]["session"]) == 3


def test_expired_cookies_still_present(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.cookies([FakeCookie("old", "1", ".atera.com", expires=NOW - 3600), FakeCookie("new", "1", ".atera.com")])
    found = finding(run_browser_check(linux), "browser.expired_cookies")
    assert found.evidence["count"] == 1 and found.evidence["cookies"] == "old"
    assert found.severity is Severity.LOW


def test_a_needed_cookie_kept_only_under_another_top_level_site(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.cookies([FakeCookie("atera_sid", "1", "app.atera.com",
                                origin_attributes="^partitionKey=%28https%2Cpartner.example%29")])
    profile = vendor_profile(needed_cookies=["atera_sid"])
    found = finding(run_browser_check(linux, profile=profile), "browser.needed_cookie_partitioned")
    assert found.evidence["cookies"] == "atera_sid"
    assert found.evidence["copies"]["atera_sid"][0]["partitioned_under"] == "https://partner.example"
    # The same cookie also kept unpartitioned is sent: nothing to report.
    firefox.cookies([FakeCookie("atera_sid", "1", "app.atera.com",
                                origin_attributes="^partitionKey=%28https%2Cpartner.example%29"),
                     FakeCookie("atera_sid", "2", "app.atera.com")])
    assert "browser.needed_cookie_partitioned" not in codes(run_browser_check(linux, profile=profile))


# --------------------------------------------------------------------- settings


def test_per_site_blocks_in_chrome(linux: FakeHome) -> None:
    [chrome] = linux.chromium()
    chrome.exception("cookies", "[*.]atera.com,*", 2)
    chrome.exception("javascript", "https://app.atera.com:443,*", 2)
    chrome.exception("popups", "https://[*.]atera.com,*", 2)
    chrome.exception("cookies", "https://[*.]login.microsoftonline.com,*", 2)
    result = run_browser_check(linux)
    cookies = [f for f in result.findings if f.code == "browser.site_cookies_blocked"]
    assert {f.evidence["host"] for f in cookies} == {"app.atera.com", "login.microsoftonline.com"}
    own = next(f for f in cookies if f.evidence["host"] == "app.atera.com")
    idp = next(f for f in cookies if f.evidence["host"] != "app.atera.com")
    assert own.severity is Severity.HIGH and idp.severity is Severity.MEDIUM
    assert "the identity provider login.microsoftonline.com" in idp.message
    assert finding(result, "browser.site_javascript_blocked").evidence["pattern"] == "https://app.atera.com:443,*"
    assert finding(result, "browser.site_popups_blocked").severity is Severity.MEDIUM  # Atera: pop-ups may be needed
    assert result.status is Status.FAIL


def test_blocked_cookies_are_not_counted_as_sent(linux: FakeHome) -> None:
    """A "block cookies" setting for the sign-in host withholds the stored cookies as well (Chromium:
    EXCLUDE_USER_PREFERENCES), so 40 big stored cookies make no oversized header, only the block."""
    [chrome] = linux.chromium()
    chrome.cookies([*big(40, 300), FakeCookie("dup", "1", "app.atera.com"), FakeCookie("dup", "1", ".atera.com")])
    assert "browser.cookie_header_too_large" in codes(run_browser_check(linux))
    chrome.exception("cookies", "[*.]atera.com,*", 2)
    result = run_browser_check(linux)
    assert "browser.cookie_header_too_large" not in codes(result)
    assert "browser.duplicate_cookies" not in codes(result)
    blocked = finding(result, "browser.site_cookies_blocked")
    assert blocked.evidence["withheld"] == 42
    assert "keeps the 42 cookies stored for the site from being sent" in blocked.message
    assert result.details["profiles"][0]["cookies"]["sent_count"] == 0


def test_a_firefox_cookie_permission_withholds_the_stored_cookies(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.cookies(big(40, 300))
    firefox.permissions([("https://atera.com", "cookie", 2, 0, 0)])
    result = run_browser_check(linux)
    assert "browser.cookie_header_too_large" not in codes(result)
    assert finding(result, "browser.site_cookies_blocked").evidence["withheld"] == 40


def test_a_more_specific_allow_wins_over_a_domain_block(linux: FakeHome) -> None:
    [chrome] = linux.chromium()
    chrome.exception("cookies", "[*.]atera.com,*", 2)
    chrome.exception("cookies", "https://app.atera.com:443,*", 1)
    assert "browser.site_cookies_blocked" not in codes(run_browser_check(linux))


def test_global_blocks_in_chrome(linux: FakeHome) -> None:
    [chrome] = linux.chromium()
    chrome.set("profile.default_content_setting_values", {"cookies": 2, "javascript": 2})
    chrome.set("profile.cookie_controls_mode", 1)
    result = run_browser_check(linux)
    assert finding(result, "browser.all_cookies_blocked").evidence["setting"] == (
        "profile.default_content_setting_values.cookies is 2 (block)")
    assert finding(result, "browser.javascript_disabled").severity is Severity.HIGH
    third = finding(result, "browser.third_party_cookies_blocked")
    assert third.severity is Severity.INFO  # Atera signs in by top-level redirects
    needing = run_browser_check(linux, profile=vendor_profile(needs_third_party_cookies=True))
    assert finding(needing, "browser.third_party_cookies_blocked").severity is Severity.MEDIUM


def test_a_site_allow_exception_lifts_a_global_cookie_block(linux: FakeHome) -> None:
    [chrome] = linux.chromium()
    chrome.set("profile.default_content_setting_values", {"cookies": 2})
    chrome.exception("cookies", "[*.]atera.com,*", 1)
    assert "browser.all_cookies_blocked" not in codes(run_browser_check(linux))


def test_firefox_cookie_settings_and_permissions(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.pref("network.cookie.cookieBehavior", 1)
    firefox.pref("javascript.enabled", False)
    firefox.permissions([
        ("https://atera.com", "cookie", 2, 0, 0),                   # covers app.atera.com too
        ("https://app.atera.com", "popup", 2, 0, 0),
        ("https://app.atera.com^userContextId=2", "cookie", 2, 0, 0),  # a container's own: not this jar
        ("https://accounts.google.com", "cookie", 2, 2, int((NOW - 60) * 1000)),  # expired
        ("http://app.atera.com", "cookie", 2, 0, 0),                # another scheme
    ])
    result = run_browser_check(linux)
    blocked = [f for f in result.findings if f.code == "browser.site_cookies_blocked"]
    assert [f.evidence["pattern"] for f in blocked] == ["https://atera.com"]
    assert finding(result, "browser.site_popups_blocked").evidence["pattern"] == "https://app.atera.com"
    assert finding(result, "browser.javascript_disabled").evidence["setting"] == "javascript.enabled is false"
    assert "cookieBehavior is 1" in finding(result, "browser.third_party_cookies_blocked").evidence["setting"]


def test_firefox_blocking_all_cookies_unless_the_site_is_allowed(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.pref("network.cookie.cookieBehavior", 2)
    assert "browser.all_cookies_blocked" in codes(run_browser_check(linux))
    firefox.permissions([("https://app.atera.com", "cookie", 1, 0, 0)])
    assert "browser.all_cookies_blocked" not in codes(run_browser_check(linux))


def test_user_js_overrides_prefs_js(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.pref("network.cookie.cookieBehavior", 2)
    firefox.pref("network.cookie.cookieBehavior", 5, user_js=True)
    assert "browser.all_cookies_blocked" not in codes(run_browser_check(linux))


def test_a_browser_proxy_that_differs_from_the_systems(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.pref("network.proxy.type", 1)
    firefox.pref("network.proxy.ssl", "old-proxy.corp.example")
    firefox.pref("network.proxy.ssl_port", 8080)
    result = run_browser_check(linux, system_proxy="http://proxy.corp.example:3128")
    found = finding(result, "browser.proxy_differs")
    assert found.evidence["server"] == "http://old-proxy.corp.example:8080"
    assert found.evidence["system_proxy"] == "http://proxy.corp.example:3128"
    # The same proxy as the system's is no finding; "direct" is one only when the system uses a proxy.
    firefox.pref("network.proxy.ssl", "proxy.corp.example")
    firefox.pref("network.proxy.ssl_port", 3128)
    assert "browser.proxy_differs" not in codes(run_browser_check(linux, system_proxy="http://proxy.corp.example:3128"))
    firefox.pref("network.proxy.type", 0)
    assert "browser.proxy_differs" not in codes(run_browser_check(linux))
    direct = finding(run_browser_check(linux, system_proxy="http://user:pw@proxy.corp.example:3128"),
                     "browser.proxy_differs")
    assert "pw" not in json.dumps(direct.evidence)  # the system proxy's credentials are redacted


def test_an_extension_that_sets_chromes_proxy(linux: FakeHome) -> None:
    [chrome] = linux.chromium()
    chrome.extension("abcdefghijklmnopabcdefghijklmnop", name="Free VPN")
    chrome.set("extensions.settings.abcdefghijklmnopabcdefghijklmnop.preferences",
               {"proxy": {"mode": "fixed_servers", "server": "vpn.example:443"}})
    found = finding(run_browser_check(linux), "browser.proxy_differs")
    assert found.evidence["controlled_by"] == "Free VPN"
    assert "set by the extension Free VPN" in found.message


def _intercepted(store: str = "operating_system") -> dict[str, CheckResult]:
    """A certificate result as the certificate check hands it on: the finding, and the typed fact."""
    evidence = {"issuer": "CN=Corp Inspection CA", "product": "Zscaler", "trusted_on_this_device": True,
                "trusted_publicly": False, "anchor": {"subject": "CN=Corp Inspection CA", "store": store}}
    certificate = CheckResult("certificate", "t", Status.FAIL, "s", 1,
                              findings=(Finding("certificate.intercepted", Severity.HIGH, "m", "r", evidence),),
                              facts=(Intercepted("CN=Corp Inspection CA", "Zscaler", "CN=Corp Inspection CA", store),))
    return {"certificate": certificate}


def test_firefox_not_trusting_an_os_installed_interception_root(tmp_path: Path) -> None:
    windows = FakeHome(tmp_path / "win", "windows")
    [firefox] = windows.firefox()
    firefox.pref("security.enterprise_roots.enabled", False)
    found = finding(run_browser_check(windows, results=_intercepted()), "browser.firefox_ignores_os_roots")
    assert found.evidence["product"] == "Zscaler"
    assert found.evidence["setting"] == "security.enterprise_roots.enabled is false"
    # Without interception, or with the default (trusted since Firefox 120), nothing to say.
    assert "browser.firefox_ignores_os_roots" not in codes(run_browser_check(windows))
    (firefox.directory / "prefs.js").unlink()
    assert "browser.firefox_ignores_os_roots" not in codes(run_browser_check(windows, results=_intercepted()))
    # A root from --ca-file is not the operating system's.
    firefox.pref("security.enterprise_roots.enabled", False)
    assert "browser.firefox_ignores_os_roots" not in codes(run_browser_check(windows, results=_intercepted("ca_file")))


def test_on_linux_firefox_and_chrome_do_not_differ_over_the_systems_roots(linux: FakeHome) -> None:
    """Chromium on Linux trusts the Chrome Root Store plus the user's NSS database, not the system's bundle
    (system_trust_store.cc: TrustStoreNSS with kIgnoreSystemTrust), and Firefox has no enterprise-roots
    import there: no Firefox-only warning to predict, so no finding, and no waiting for the certificate check."""
    [firefox] = linux.firefox()
    firefox.pref("security.enterprise_roots.enabled", False)
    result = run_browser_check(linux, results=_intercepted())
    assert "browser.firefox_ignores_os_roots" not in codes(result)
    settings = result.details["profiles"][0]["settings"]
    assert settings["trusts_os_roots"] is None and "~/.pki/nssdb" in settings["trusts_os_roots_because"]


async def test_the_certificate_checks_interception_fact_reaches_the_browser_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the real engine: the certificate check finds the lab's inspection proxy (its root in the
    simulated operating-system store) and hands on the fact; a Windows Firefox that ignores the system's
    roots will warn where Chrome does not."""
    from dataclasses import replace

    from diagnose.lab.scenario import Lab, all_scenarios
    from diagnose.registry import discover
    from diagnose.session import Diagnosis, make_target

    monkeypatch.setattr("checks._browser.host.current_os", lambda: "windows")
    home = FakeHome(tmp_path / "home", "windows")
    [firefox] = home.firefox()
    firefox.pref("security.enterprise_roots.enabled", False)
    async with Lab() as lab, all_scenarios()["certificate-intercepted"].factory(lab) as run:
        settings = replace(run.settings, browser_home=home.root)
        plan = discover(plugins=False).plan(("connectivity", "certificate", "browser"))
        report = await Diagnosis(target=make_target(run.url, run.profile), profile=run.profile, plan=plan,
                                 settings=settings, net=run.net).run()
    certificate, browser = report.check("certificate"), report.check("browser")
    assert certificate is not None and browser is not None
    intercepted = certificate.fact(Intercepted)
    assert intercepted is not None and intercepted.installed_in_os and intercepted.product == "Zscaler"
    found = finding(browser, "browser.firefox_ignores_os_roots")
    assert found.evidence["product"] == "Zscaler"


# --------------------------------------------------------------------- extensions and versions


def test_extensions_known_to_break_sign_in(linux: FakeHome) -> None:
    [chrome] = linux.chromium()
    chrome.extension("cjpalhdlnbpafiamejdnhcphjbkeiagm", name="uBlock Origin")
    chrome.extension("doojmbjmlfjjnbmnoijecmcbfeoakpjm", name="__MSG_extName__", enabled=False,
                     messages={"extName": "NoScript"})
    result = run_browser_check(linux)
    found = finding(result, "browser.extension_known_to_break")
    assert found.evidence["extensions"] == "uBlock Origin"  # the enabled one is named
    assert found.severity is Severity.LOW
    listed = {e["name"]: e for e in found.evidence["extension_list"]}
    assert listed["NoScript"]["enabled"] is False and listed["NoScript"]["vendor_note"] == "Atera advises against NoScript."


def test_noscript_enabled_in_firefox_is_medium_with_atera_s_own_note(linux: FakeHome) -> None:
    [firefox] = linux.firefox()
    firefox.addons([
        {"id": "{73a6fe31-595d-460b-a920-fcc0f8843232}", "type": "extension", "active": True, "userDisabled": False,
         "location": "app-profile", "version": "13.0", "defaultLocale": {"name": "NoScript"}},
        {"id": "uBlock0@raymondhill.net", "type": "extension", "active": False, "userDisabled": True,
         "location": "app-profile", "version": "1.60", "defaultLocale": {"name": "uBlock Origin"}},
    ])
    found = finding(run_browser_check(linux), "browser.extension_known_to_break")
    assert found.severity is Severity.MEDIUM
    assert "NoScript blocks JavaScript on every site" in found.message
    assert "Atera advises against NoScript." in found.message


def test_only_turned_off_known_extensions_are_information(linux: FakeHome) -> None:
    [chrome] = linux.chromium()
    chrome.extension("pkehgijcmpdhfbdbbnkijodmdjhbjlgp", name="Privacy Badger", enabled=False)
    result = run_browser_check(linux)
    assert finding(result, "browser.extension_known_to_break").severity is Severity.INFO
    assert result.status is Status.PASS


def test_a_browser_older_than_the_vendor_minimum(tmp_path: Path) -> None:
    mac = FakeHome(tmp_path / "mac", "macos")
    mac.chromium("chrome", version="104.0.5112.101")
    mac.firefox(version="128.5.0")
    result = run_browser_check(mac)
    outdated = [f for f in result.findings if f.code == "browser.outdated"]
    assert [(f.evidence["browser"], f.evidence["minimum"]) for f in outdated] == [("Chrome", 109)]
    assert "Atera expects at least version 109" in outdated[0].message
    assert "Atera names no minimum version" in outdated[0].evidence["why_minimum"]


# --------------------------------------------------------------------- unreadable profiles


def test_a_damaged_profile_is_a_finding_not_a_crash(linux: FakeHome) -> None:
    [chrome] = linux.chromium()
    chrome.cookies([FakeCookie("session", "x", "app.atera.com")])
    (chrome.directory / "Preferences").write_text("{ not json")
    (chrome.cookie_db).write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    result = run_browser_check(linux)
    problems = [f for f in result.findings if f.code == "browser.profile_unreadable"]
    assert {f.evidence["file"] for f in problems} == {"~/.config/google-chrome/Default/Preferences",
                                                      "~/.config/google-chrome/Default/Cookies"}
    assert all(f.evidence["kind"] == "corrupt" for f in problems)
    assert result.status is Status.WARN


def test_hostile_preferences_of_the_wrong_shape(linux: FakeHome) -> None:
    [chrome] = linux.chromium()
    chrome.preferences = {"profile": {"content_settings": {"exceptions": {"cookies": ["x"], "javascript": {
        "[*.]atera.com,*": {"setting": "2"}, 5: None}}}, "default_content_setting_values": [],
        "cookie_controls_mode": "1"}, "extensions": {"settings": {"x": 1, "y": {"manifest": "z", "path": 7}}},
        "proxy": "direct"}
    chrome.save()
    (chrome.directory.parent / "Local State").write_text(json.dumps({"profile": {"info_cache": ["Default"]}}))
    result = run_browser_check(linux)
    assert result.status in (Status.PASS, Status.WARN)


# --------------------------------------------------------------------- the run's deadline


class _TickingClock:
    """A clock whose monotonic time moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return NOW

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


def test_no_time_left_to_start_reading_is_out_of_time(linux: FakeHome) -> None:
    linux.chromium()
    clock = _TickingClock()
    result = run_browser_check(linux, clock=clock, deadline=Deadline.after(0.1, clock.monotonic))
    assert result.status is Status.ERROR
    assert result.details["out_of_time"]["step"] == "inspection"
    assert "ran out of time during the reading of the browser profiles" in result.summary
    assert "files_read" not in result.details  # nothing was opened


def test_the_runs_deadline_cuts_the_reading_and_the_report_says_where(linux: FakeHome) -> None:
    for chrome in linux.chromium(profiles={"Default": "A", "Profile 1": "B", "Profile 2": "C"}):
        chrome.cookies([FakeCookie("a", "1", "app.atera.com")])
    clock = _TickingClock()
    # Five seconds left on a clock that moves a second per reading: the deadline, not the check's
    # own 8-second limit, stops the reading after a profile or two.
    result = run_browser_check(linux, clock=clock, deadline=Deadline.after(5.3, clock.monotonic))
    assert result.status is Status.ERROR, result.summary
    out = result.details["out_of_time"]
    assert out["step"] == "inspection" and " not" in out["seen"], out
    assert result.fact(OutOfTime) is not None
    assert result.details["files_read"]  # what was read is still listed


def test_the_checks_own_limit_is_a_profile_problem_not_the_runs_deadline(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    for chrome in home.chromium(profiles={f"Profile {i}": f"P{i}" for i in range(10)}):
        chrome.cookies([FakeCookie("a", "1", "app.atera.com")])
    clock = _TickingClock()
    result = run_browser_check(home, clock=clock)  # no run deadline: only the 8 s inspection limit
    assert "out_of_time" not in result.details
    assert "browser.profile_unreadable" in codes(result)
    assert result.status is not Status.ERROR


# --------------------------------------------------------------------- privacy: the canary


CANARY = "CANARY-7f3a9c1e-never-in-a-report"


def test_a_canary_cookie_value_appears_in_no_report_format(tmp_path: Path) -> None:
    """The real CLI, as a subprocess, over a fake home: no report format holds a cookie value."""
    home = FakeHome(tmp_path / "home", "linux")
    [chrome] = home.chromium()
    chrome.cookies([FakeCookie("session", CANARY, "app.atera.com"), *big(40, 300)])
    [chrome_plain] = home.chromium("chromium")
    chrome_plain.cookies([FakeCookie("session", CANARY, "app.atera.com")], encrypted=False)
    [firefox] = home.firefox()
    firefox.cookies([FakeCookie("session", CANARY, ".atera.com"), FakeCookie("dup", CANARY, "app.atera.com"),
                     FakeCookie("dup", CANARY, ".atera.com")])
    outputs = [tmp_path / f"report.{ext}" for ext in ("json", "md", "html", "txt", "xml")]
    args = [sys.executable, "-m", "diagnose", SIGNIN, "--only", "browser", "--headless", "--format", "json",
            *[a for o in outputs for a in ("-o", str(o))]]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOGIN_DOCTOR_BROWSER_HOME": str(home.root), "NO_COLOR": "1"}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, timeout=120, check=False)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    data = json.loads(proc.stdout)
    [check] = data["checks"]
    assert check["id"] == "browser" and "browser.cookie_header_too_large" in {f["code"] for f in check["findings"]}
    assert len(check["details"]["profiles"]) == 3
    everything = proc.stdout.decode() + proc.stderr.decode() + "".join(o.read_text() for o in outputs)
    everything += "".join(render(data, fmt) for fmt in ("markdown", "html", "text", "junit"))
    assert CANARY not in everything
    assert "session" in everything  # the names are there: the test looks at the right reports


def test_settings_carry_the_browser_profile_folders(tmp_path: Path) -> None:
    from diagnose.cli import build_parser, settings_from
    from diagnose.settings import UsageError

    folder = tmp_path / "profile"
    folder.mkdir()
    ns = build_parser().parse_args(["--browser-profile", str(folder), "--browser-profile", str(folder)])
    assert settings_from(ns).browser_profiles == (folder, folder)
    with pytest.raises(UsageError, match="no such folder"):
        settings_from(build_parser().parse_args(["--browser-profile", str(tmp_path / "missing")]))
    assert Settings().browser_profiles == ()


def test_the_checklist_names_browser_codes_that_exist() -> None:
    """The checklist items the browser check decides name only catalogued codes, each on one item
    but the settings that block the site's cookies (the cookie item, and the extensions item, which
    points to it), and every code a finding about the person's browser can carry is placed."""
    from diagnose.check import builtin_catalogue
    from diagnose.checklist import load_checklist, matches

    patterns = [(item.id, p) for item in load_checklist() for i in item.inputs if i.check == "browser" for p in i.codes]
    catalogue = {c for c in builtin_catalogue() if c.startswith("browser.")}
    placed = {c: [item for item, p in patterns if matches(c, (p,))] for c in catalogue}
    assert all(any(matches(c, (p,)) for c in catalogue) for _item, p in patterns)  # every pattern names codes
    blocking = {c for c in catalogue if c.endswith("cookies_blocked")}
    assert blocking == {"browser.all_cookies_blocked", "browser.site_cookies_blocked",
                        "browser.third_party_cookies_blocked"}
    assert all(placed[c] == ["no-loop", "extensions"] for c in blocking), placed
    extensions = next(item for item in load_checklist() if item.id == "extensions")
    assert all(matches(c, tuple(extensions.see)) and "no-loop" in extensions.see.values() for c in blocking)
    assert all(len(items) <= 1 for c, items in placed.items() if c not in blocking), placed  # one item each
    assert {c for c, items in placed.items() if not items} == {"browser.profile_locked", "browser.profile_unreadable"}
