"""Finding browser profiles on Linux, Windows and macOS (fake homes with the real layouts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checks._browser.files import Budget, FileReader
from checks._browser.host import HOME_ENV, Host
from checks._browser.locations import MAX_PROFILES_PER_BROWSER, discover
from checks._browser.model import Family
from tests.checks.browser_fixtures import FakeHome


def found(home: FakeHome | Host, extra: tuple[Path, ...] = ()) -> tuple[list[tuple[str, str, str, bool]], FileReader]:
    host = home.host if isinstance(home, FakeHome) else home
    reader = FileReader(host, Budget(10))
    result = discover(host, reader, extra)
    return [(p.browser, p.name, host.show(p.directory), p.default) for p in result.profiles], reader


def test_linux_layouts(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    home.chromium("chrome", {"Default": "Work", "Profile 1": "Personal"})
    home.chromium("edge")
    home.chromium("brave")
    home.chromium("chromium-snap")
    home.firefox("linux", {"abcd1234.default-release": "default-release", "zz.other": "other"})
    home.firefox("linux-snap", {"snap1.default": "snap-profile"})
    home.firefox("linux-flatpak", {"flat1.default": "flatpak-profile"})
    home.firefox("linux-xdg", {"h4iyrwll.default-esr": "default-esr"})
    profiles, reader = found(home)
    assert ("Chrome", "Work", "~/.config/google-chrome/Default", True) in profiles
    assert ("Chrome", "Personal", "~/.config/google-chrome/Profile 1", False) in profiles
    assert ("Edge", "Person 1", "~/.config/microsoft-edge/Default", True) in profiles
    assert ("Brave", "Person 1", "~/.config/BraveSoftware/Brave-Browser/Default", True) in profiles
    assert ("Chromium (snap)", "Person 1", "~/snap/chromium/common/chromium/Default", True) in profiles
    assert ("Firefox", "default-release", "~/.mozilla/firefox/abcd1234.default-release", True) in profiles
    assert ("Firefox", "other", "~/.mozilla/firefox/zz.other", False) in profiles
    assert ("Firefox", "snap-profile", "~/snap/firefox/common/.mozilla/firefox/snap1.default", True) in profiles
    assert ("Firefox", "flatpak-profile", "~/.var/app/org.mozilla.firefox/.mozilla/firefox/flat1.default",
            True) in profiles
    # Firefox 153 on Linux keeps new profiles under the XDG config folder.
    assert ("Firefox", "default-esr", "~/.config/mozilla/firefox/h4iyrwll.default-esr", True) in profiles
    assert len(profiles) == 10
    read = {r.path for r in reader.records}
    assert "~/.config/google-chrome/Local State" in read and "~/.mozilla/firefox/installs.ini" in read
    assert all(r.outcome == "read" for r in reader.records)


def test_windows_layouts(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "windows")
    home.chromium("chrome")
    home.chromium("edge", {"Default": "Personal", "Profile 2": "Work"})
    home.firefox()
    profiles, _ = found(home)
    assert ("Chrome", "Person 1", "~/AppData/Local/Google/Chrome/User Data/Default", True) in profiles
    assert ("Edge", "Work", "~/AppData/Local/Microsoft/Edge/User Data/Profile 2", False) in profiles
    # profiles.ini on Windows and macOS says Path=Profiles/<folder>.
    assert ("Firefox", "default-release", "~/AppData/Roaming/Mozilla/Firefox/Profiles/abcd1234.default-release",
            True) in profiles


def test_windows_folders_follow_localappdata_and_appdata(tmp_path: Path) -> None:
    elsewhere = FakeHome(tmp_path / "D", "windows")
    elsewhere.chromium("chrome")
    elsewhere.firefox()
    (tmp_path / "home").mkdir()
    host = Host("windows", tmp_path / "home", {"LOCALAPPDATA": str(tmp_path / "D" / "AppData" / "Local"),
                                                 "APPDATA": str(tmp_path / "D" / "AppData" / "Roaming")})
    profiles, _ = found(host)
    assert {p[0] for p in profiles} == {"Chrome", "Firefox"}


def test_macos_layouts(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "macos")
    home.chromium("chrome")
    home.chromium("brave")
    home.chromium("edge")
    home.firefox()
    profiles, _ = found(home)
    assert ("Chrome", "Person 1", "~/Library/Application Support/Google/Chrome/Default", True) in profiles
    assert ("Brave", "Person 1", "~/Library/Application Support/BraveSoftware/Brave-Browser/Default", True) in profiles
    assert ("Edge", "Person 1", "~/Library/Application Support/Microsoft Edge/Default", True) in profiles
    assert ("Firefox", "default-release",
            "~/Library/Application Support/Firefox/Profiles/abcd1234.default-release", True) in profiles


def test_chrome_channels_side_by_side_on_windows_and_macos(tmp_path: Path) -> None:
    windows = FakeHome(tmp_path / "w", "windows")
    windows.chromium("chrome-dev")
    windows.chromium("chrome-canary")
    profiles, _ = found(windows)
    assert ("Chrome Dev", "Person 1", "~/AppData/Local/Google/Chrome Dev/User Data/Default", True) in profiles
    assert ("Chrome Canary", "Person 1", "~/AppData/Local/Google/Chrome SxS/User Data/Default", True) in profiles
    macos = FakeHome(tmp_path / "m", "macos")
    macos.chromium("chrome-dev")
    macos.chromium("chrome-canary")
    profiles, _ = found(macos)
    assert ("Chrome Dev", "Person 1", "~/Library/Application Support/Google/Chrome Dev/Default", True) in profiles
    assert ("Chrome Canary", "Person 1", "~/Library/Application Support/Google/Chrome Canary/Default",
            True) in profiles


def test_chrome_config_home_moves_chrome_and_chromium_on_linux(tmp_path: Path) -> None:
    """chrome_paths_linux.cc: $CHROME_CONFIG_HOME first, then $XDG_CONFIG_HOME, then ~/.config."""
    elsewhere = FakeHome(tmp_path / "cfg", "linux")
    elsewhere.chromium("chrome")
    elsewhere.chromium("chromium")
    elsewhere.firefox("linux-xdg")
    (tmp_path / "home").mkdir()
    config = str(tmp_path / "cfg" / ".config")
    host = Host("linux", tmp_path / "home", {"CHROME_CONFIG_HOME": config})
    profiles, _ = found(host)
    assert {p[0] for p in profiles} == {"Chrome", "Chromium"}  # Firefox does not read CHROME_CONFIG_HOME
    host = Host("linux", tmp_path / "home", {"XDG_CONFIG_HOME": config})
    assert {p[0] for p in found(host)[0]} == {"Chrome", "Chromium", "Firefox"}
    current = Host.current(environ={"CHROME_CONFIG_HOME": config, "HOME": str(tmp_path / "home")})
    assert current.os != "linux" or current.env.get("CHROME_CONFIG_HOME") == config


def test_without_local_state_the_usual_folders_are_used(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    home.chromium("chrome", {"Default": "a", "Profile 3": "b"}, local_state=False)
    (tmp_path / ".config" / "google-chrome" / "Guest Profile").mkdir()
    (tmp_path / ".config" / "google-chrome" / "Crashpad").mkdir()
    profiles, _ = found(home)
    assert sorted(p[1] for p in profiles) == ["Default", "Profile 3"]


def test_a_hostile_profile_index_is_bounded(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    [chrome] = home.chromium("chrome")
    user_data = chrome.directory.parent
    cache = {f"Profile {i}": {"name": f"p{i}"} for i in range(500)}
    cache["../../../etc"] = {"name": "escape"}
    cache[""] = {"name": "empty"}
    for folder in list(cache)[:50]:
        (user_data / folder).mkdir(exist_ok=True)
    (user_data / "Local State").write_text(json.dumps({"profile": {"info_cache": cache}}))
    profiles, _ = found(home)
    assert len(profiles) == MAX_PROFILES_PER_BROWSER
    assert not any("etc" in p[2] for p in profiles)


def test_firefox_absolute_and_relative_paths_and_missing_folders(tmp_path: Path) -> None:
    home = FakeHome(tmp_path / "home", "linux")
    root = home.root / ".mozilla" / "firefox"
    root.mkdir(parents=True)
    outside = tmp_path / "elsewhere" / "profile"
    outside.mkdir(parents=True)
    (root / "profiles.ini").write_text(
        "[Profile0]\nName=abs\nIsRelative=0\nPath=" + str(outside) + "\nDefault=1\n\n"
        "[Profile1]\nName=gone\nIsRelative=1\nPath=missing.default\n\n[General]\nVersion=2\n")
    profiles, _ = found(home)
    assert profiles == [("Firefox", "abs", str(outside), True)]


@pytest.mark.parametrize("kind", ["profile", "user-data", "firefox-root", "firefox-profile"])
def test_browser_profile_folders(tmp_path: Path, kind: str) -> None:
    source = FakeHome(tmp_path / "copy", "linux")
    if kind in ("profile", "user-data"):
        [chrome] = source.chromium("edge")
        given = chrome.directory if kind == "profile" else chrome.directory.parent
        expected = ("Edge", Family.CHROMIUM)
    else:
        [firefox] = source.firefox()
        given = firefox.directory if kind == "firefox-profile" else firefox.directory.parent
        expected = ("Firefox", Family.FIREFOX)
    host = Host("linux", tmp_path / "empty-home", {})
    (tmp_path / "empty-home").mkdir()
    reader = FileReader(host, Budget(10))
    result = discover(host, reader, (given,))
    assert [(p.browser, p.family, p.source) for p in result.profiles] == [(*expected, "--browser-profile")]


def test_an_unrecognised_browser_profile_folder_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "random").mkdir()
    host = Host("linux", tmp_path / "home", {})
    result = discover(host, FileReader(host, Budget(10)), (tmp_path / "random",))
    assert result.profiles == []
    [(_who, problem)] = result.problems
    assert problem.kind == "unrecognised"


def test_the_home_comes_from_the_override_or_the_environment(tmp_path: Path) -> None:
    assert Host.current(tmp_path).home == tmp_path
    assert Host.current(None, {HOME_ENV: str(tmp_path), "XDG_CONFIG_HOME": "/real/config"}).home == tmp_path
    assert Host.current(None, {HOME_ENV: str(tmp_path), "XDG_CONFIG_HOME": "/x"}).env == {}


def test_paths_in_the_report_hide_the_home_folder(tmp_path: Path) -> None:
    host = Host("linux", tmp_path / "alice", {})
    assert host.show(tmp_path / "alice" / ".config" / "x") == "~/.config/x"
    assert host.show(tmp_path / "alice2" / "x") == str(tmp_path / "alice2" / "x")
    windows = Host("windows", Path("C:\\Users\\alice"), {})
    assert windows.show("C:\\Users\\alice\\AppData\\Local\\x") == "~\\AppData\\Local\\x"
