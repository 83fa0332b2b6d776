"""Installed extensions from each browser's records, and the known list as data."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from checks._browser.extensions import chromium_extensions, firefox_extensions, known_extensions, recognise
from checks._browser.files import Budget, FileReader
from checks._browser.host import Host
from diagnose.model import Severity
from diagnose.profiles import load_profile
from tests.checks.browser_fixtures import FakeHome

UBLOCK = "cjpalhdlnbpafiamejdnhcphjbkeiagm"
NOSCRIPT_CHROME = "doojmbjmlfjjnbmnoijecmcbfeoakpjm"


def read_chromium(home: FakeHome) -> tuple[list[tuple[str, str, bool, str]], FileReader]:
    import json

    [profile_dir] = [p for p in (home.root / ".config" / "google-chrome").iterdir() if p.name == "Default"]
    settings = {}
    for name in ("Preferences", "Secure Preferences"):
        if (profile_dir / name).exists():
            settings.update(json.loads((profile_dir / name).read_text()).get("extensions", {}).get("settings", {}))
    reader = FileReader(Host("linux", home.root, {}), Budget(10))
    found = chromium_extensions(settings, profile_dir, reader, ("Chrome", "Person 1"), known_extensions())
    return [(e.id, e.name, e.enabled, e.version) for e in found], reader


def test_chromium_extensions_with_localised_names(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    [chrome] = home.chromium()
    chrome.extension(UBLOCK, name="__MSG_extName__", version="1.60.0", messages={"extName": "uBlock Origin"})
    chrome.extension("aaaabbbbccccddddeeeeffffgggghhhh", name="__MSG_APPNAME__", version="2.0",
                     messages={"appName": "My Blocker"}, enabled=False)
    chrome.extension("ppppbbbbccccddddeeeeffffgggghhhh", name="NoScript", secure=True)  # Secure Preferences
    chrome.extension("mhjfbmdgcfjbbpaeojofohoefgiehjai", name="Chromium PDF Viewer", location=5)  # built in
    found, reader = read_chromium(home)
    assert (UBLOCK, "uBlock Origin", True, "") in found  # known by id: no manifest needed
    assert ("aaaabbbbccccddddeeeeffffgggghhhh", "My Blocker", False, "2.0") in found  # keys compared without case
    assert ("ppppbbbbccccddddeeeeffffgggghhhh", "NoScript", True, "1.0") in found
    assert all(f[0] != "mhjfbmdgcfjbbpaeojofohoefgiehjai" for f in found)
    read = [r.path for r in reader.records]
    assert not any(UBLOCK in p for p in read)
    assert any(p.endswith("_locales/en/messages.json") for p in read)


def test_chromium_disable_reasons_old_and_new() -> None:
    from checks._browser.extensions import _chromium_state

    assert _chromium_state({"disable_reasons": []}) == (True, "")
    assert _chromium_state({"disable_reasons": [1, 8192]}) == (False, "disabled (reasons 1, 8192)")
    assert _chromium_state({"disable_reasons": 1}) == (False, "disabled (reasons 0x1)")
    assert _chromium_state({"state": 0}) == (False, "disabled")
    assert _chromium_state({"state": 1, "disable_reasons": 0}) == (True, "")


def test_firefox_addons() -> None:
    data = {"addons": [
        {"id": "uBlock0@raymondhill.net", "type": "extension", "active": True, "location": "app-profile",
         "version": "1.60", "defaultLocale": {"name": "uBlock Origin"}},
        {"id": "jid1-MnnxcxisBPnSXQ@jetpack", "type": "extension", "active": False, "userDisabled": True,
         "location": "app-profile", "defaultLocale": {"name": "Privacy Badger"}},
        {"id": "x@y", "type": "extension", "active": False, "appDisabled": True, "location": "app-profile"},
        {"id": "formautofill@mozilla.org", "type": "extension", "active": True, "location": "app-builtin-addons"},
        {"id": "default-theme@mozilla.org", "type": "theme", "active": True, "location": "app-builtin"},
        "junk",
    ]}
    found = [(e.id, e.name, e.enabled, e.state) for e in firefox_extensions(data)]
    assert found == [
        ("uBlock0@raymondhill.net", "uBlock Origin", True, ""),
        ("jid1-MnnxcxisBPnSXQ@jetpack", "Privacy Badger", False, "disabled by you"),
        ("x@y", "x@y", False, "disabled by Firefox (incompatible or blocked)"),
    ]
    assert firefox_extensions({"addons": "not a list"}) == []


def test_the_known_list_is_data_and_every_entry_is_complete() -> None:
    raw = tomllib.loads(resources.files("checks._browser").joinpath("known_extensions.toml").read_text("utf-8"))
    names = [e["name"] for e in raw["extension"]]
    for required in ("NoScript", "uBlock Origin", "AdBlock", "Adblock Plus", "Ghostery", "Privacy Badger", "uMatrix"):
        assert required in names
    for entry in raw["extension"]:
        assert entry["ids"] and entry["why"] and Severity(entry["severity"])
    ids = [i for e in raw["extension"] for i in e["ids"]]
    assert len(ids) == len(set(ids))
    chrome_ids = [i for i in ids if "@" not in i and not i.startswith("{")]
    assert all(len(i) == 32 and set(i) <= set("abcdefghijklmnop") for i in chrome_ids)  # Chromium id alphabet


def test_the_vendor_profile_extends_the_known_list() -> None:
    known = known_extensions(load_profile().section("browser").get("known_extensions", []))
    noscript = next(k for k in known if k.name == "NoScript")
    assert noscript.note == "Atera advises against NoScript." and NOSCRIPT_CHROME in noscript.ids
    extra = known_extensions([{"name": "Corp Filter", "ids": ["corp@filter"], "why": "blocks SSO.",
                               "severity": "high"}, {"bad": 1}, "junk", {"name": "X", "severity": "nonsense"}])
    corp = next(k for k in extra if k.name == "Corp Filter")
    assert corp.severity is Severity.HIGH and "corp@filter" in corp.ids
    assert all(k.name != "X" for k in extra)


def test_recognised_by_name_when_the_id_is_unknown() -> None:
    from checks._browser.model import InstalledExtension

    known = known_extensions()
    sideloaded = InstalledExtension("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "ublock origin", "1", True)
    match = recognise(sideloaded, known)
    assert match is not None and match.name == "uBlock Origin"
    assert recognise(InstalledExtension("q", "Grammarly", "1", True), known) is None
