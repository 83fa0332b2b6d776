"""Where browsers keep their profiles, and each browser's own list of them.

Chromium-family browsers keep one *user-data directory* per browser (and
channel); its ``Local State`` lists the profiles under ``profile.info_cache``
(folders ``Default``, ``Profile 1``, …) and ``Last Version`` holds the browser
version. Firefox keeps a profiles directory whose ``profiles.ini`` lists the
profiles, and ``installs.ini`` (mirrored in ``[Install…]`` sections of
``profiles.ini``) names the one each installation opens by default.

The locations are the documented ones (browser-state reference), checked
against the browsers' own sources: Chromium's ``chrome/common/chrome_paths_linux.cc``
(``$CHROME_CONFIG_HOME``, else ``$XDG_CONFIG_HOME``, else ``~/.config``, then
``google-chrome`` + the channel suffix ``-beta``/``-unstable``, or ``chromium``),
``chrome_paths_win.cc`` with ``install_static`` (``%LOCALAPPDATA%/Google/Chrome``
+ `` Beta``/`` Dev``/`` SxS``, ``/User Data``), ``chrome_paths_mac.mm``
(``~/Library/Application Support/`` + the bundle's ``CrProductDirName``:
``Google/Chrome``, ``Google/Chrome Beta``, ``Google/Chrome Dev``, ``Google/Chrome Canary``,
or ``Chromium``); Firefox's ``nsXREDirProvider::GetUserDataDirectoryHome``
(``%APPDATA%/Mozilla/Firefox``, ``~/Library/Application Support/Firefox``, on Linux
``~/.mozilla/firefox`` while it exists, else ``$XDG_CONFIG_HOME/mozilla/firefox``).
Plus what the browsers here do: Firefox 153 on Linux creates new profiles under
``$XDG_CONFIG_HOME/mozilla/firefox`` when ``~/.mozilla`` does not exist, and
Chromium 156 on Linux keeps its cookies in ``Default/Cookies`` (Windows
builds use ``Default/Network/Cookies``). Snap and Flatpak builds keep their
own homes.
"""

from __future__ import annotations

import configparser
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from checks._browser.files import KIB, MIB, FileReader, ReadError
from checks._browser.host import Host, OsName
from checks._browser.model import BrowserProfile, Family

MAX_PROFILES_PER_BROWSER = 20
"""Profiles read per user-data directory (a person has a handful; a hostile index has thousands)."""


@dataclass(frozen=True, slots=True)
class Location:
    """A documented place a browser keeps its data: ``base`` / ``parts``."""

    key: str
    browser: str
    family: Family
    base: str
    """``home``, ``xdg`` (Linux config), ``chrome_config`` (``$CHROME_CONFIG_HOME`` or the Linux config),
    ``local`` / ``roaming`` (Windows AppData), ``support`` (macOS)."""
    parts: tuple[str, ...]

    def path(self, host: Host) -> Path | None:
        base = {
            "home": host.home,
            "xdg": host.xdg_config(),
            "chrome_config": host.chrome_config(),
            "local": host.local_appdata(),
            "roaming": host.roaming_appdata(),
            "support": host.application_support(),
        }[self.base]
        return base.joinpath(*self.parts) if base is not None else None


def _c(key: str, browser: str, base: str, *parts: str) -> Location:
    return Location(key, browser, Family.CHROMIUM, base, parts)


def _f(base: str, *parts: str) -> Location:
    return Location("firefox", "Firefox", Family.FIREFOX, base, parts)


LOCATIONS: dict[OsName, tuple[Location, ...]] = {
    "linux": (
        _c("chrome", "Chrome", "chrome_config", "google-chrome"),
        _c("chrome", "Chrome Beta", "chrome_config", "google-chrome-beta"),
        _c("chrome", "Chrome Dev", "chrome_config", "google-chrome-unstable"),
        _c("chrome", "Chrome (Flatpak)", "home", ".var", "app", "com.google.Chrome", "config", "google-chrome"),
        _c("edge", "Edge", "xdg", "microsoft-edge"),
        _c("edge", "Edge Beta", "xdg", "microsoft-edge-beta"),
        _c("edge", "Edge Dev", "xdg", "microsoft-edge-dev"),
        _c("edge", "Edge (Flatpak)", "home", ".var", "app", "com.microsoft.Edge", "config", "microsoft-edge"),
        _c("brave", "Brave", "xdg", "BraveSoftware", "Brave-Browser"),
        _c("brave", "Brave (Flatpak)", "home", ".var", "app", "com.brave.Browser", "config", "BraveSoftware",
           "Brave-Browser"),
        _c("chromium", "Chromium", "chrome_config", "chromium"),
        _c("chromium", "Chromium (snap)", "home", "snap", "chromium", "common", "chromium"),
        _c("chromium", "Chromium (Flatpak)", "home", ".var", "app", "org.chromium.Chromium", "config", "chromium"),
        _f("home", ".mozilla", "firefox"),
        _f("xdg", "mozilla", "firefox"),
        _f("home", "snap", "firefox", "common", ".mozilla", "firefox"),
        _f("home", ".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"),
        _f("home", ".var", "app", "org.mozilla.firefox", "config", "mozilla", "firefox"),
    ),
    "windows": (
        _c("chrome", "Chrome", "local", "Google", "Chrome", "User Data"),
        _c("chrome", "Chrome Beta", "local", "Google", "Chrome Beta", "User Data"),
        _c("chrome", "Chrome Dev", "local", "Google", "Chrome Dev", "User Data"),
        _c("chrome", "Chrome Canary", "local", "Google", "Chrome SxS", "User Data"),
        _c("edge", "Edge", "local", "Microsoft", "Edge", "User Data"),
        _c("edge", "Edge Beta", "local", "Microsoft", "Edge Beta", "User Data"),
        _c("brave", "Brave", "local", "BraveSoftware", "Brave-Browser", "User Data"),
        _c("chromium", "Chromium", "local", "Chromium", "User Data"),
        _f("roaming", "Mozilla", "Firefox"),
    ),
    "macos": (
        _c("chrome", "Chrome", "support", "Google", "Chrome"),
        _c("chrome", "Chrome Beta", "support", "Google", "Chrome Beta"),
        _c("chrome", "Chrome Dev", "support", "Google", "Chrome Dev"),
        _c("chrome", "Chrome Canary", "support", "Google", "Chrome Canary"),
        _c("edge", "Edge", "support", "Microsoft Edge"),
        _c("edge", "Edge Beta", "support", "Microsoft Edge Beta"),
        _c("brave", "Brave", "support", "BraveSoftware", "Brave-Browser"),
        _c("chromium", "Chromium", "support", "Chromium"),
        _f("support", "Firefox"),
    ),
}
"""Every place the check looks, per operating system (the browser-state reference, plus channels)."""


@dataclass(slots=True)
class Discovery:
    """The profiles found, where the check looked, and what went wrong on the way."""

    profiles: list[BrowserProfile] = field(default_factory=list)
    searched: list[dict[str, Any]] = field(default_factory=list)
    versions: dict[Path, str] = field(default_factory=dict)
    """Browser version per Chromium user-data directory (``Last Version``)."""
    problems: list[tuple[tuple[str, str], ReadError]] = field(default_factory=list)

    def add(self, profile: BrowserProfile) -> None:
        if all(p.directory != profile.directory for p in self.profiles):
            self.profiles.append(profile)


def discover(host: Host, reader: FileReader, extra: tuple[Path, ...] = ()) -> Discovery:
    """Every profile of the user's browsers, then the ``--browser-profile`` directories."""
    found = Discovery()
    for location in LOCATIONS[host.os]:
        path = location.path(host)
        if path is None:
            continue
        present = path.is_dir()
        found.searched.append({"browser": location.browser, "location": host.show(path), "found": present})
        if not present:
            continue
        if location.family is Family.CHROMIUM:
            _chromium_user_data(found, reader, path, location.key, location.browser, "discovered")
        else:
            _firefox_root(found, reader, path, "discovered")
    for directory in extra:
        _given(found, reader, directory)
    return found


# ----------------------------------------------------------------------- Chromium family


def _chromium_user_data(found: Discovery, reader: FileReader, root: Path, key: str, browser: str,
                        source: str) -> None:
    who = (browser, "(all profiles)")
    version = _last_version(found, reader, root, who)
    if version:
        found.versions[root] = version
    names, last_used = _local_state(found, reader, root, who)
    folders = list(names) or [d.name for d in _profile_folders(root)]
    for folder in folders[:MAX_PROFILES_PER_BROWSER]:
        if "/" in folder or "\\" in folder or folder in ("", ".", ".."):
            continue  # an index entry that is not a plain folder name
        directory = root / folder
        if directory.is_dir():
            found.add(BrowserProfile(browser, key, Family.CHROMIUM, names.get(folder, folder), directory, root,
                                     source, default=folder == (last_used or "Default")))


def _local_state(found: Discovery, reader: FileReader, root: Path, who: tuple[str, str]) -> tuple[dict[str, str], str]:
    """(folder → profile name, last used folder) from ``Local State``'s ``profile.info_cache``."""
    try:
        state = reader.read_json(root / "Local State", limit=16 * MIB, who=who, purpose="the list of profiles")
    except ReadError as exc:
        if exc.kind != "missing":
            found.problems.append((who, exc))
        return {}, ""
    profile = state.get("profile")
    if not isinstance(profile, dict):
        return {}, ""
    cache = profile.get("info_cache")
    names: dict[str, str] = {}
    if isinstance(cache, dict):
        names = {str(k): str(v.get("name") or k) if isinstance(v, dict) else str(k) for k, v in cache.items()}
    return names, str(profile.get("last_used") or "")


def _profile_folders(root: Path) -> Iterator[Path]:
    """Profile folders when ``Local State`` says nothing: ``Default`` and ``Profile N``."""
    for name in ("Default",):
        if (root / name).is_dir():
            yield root / name
    try:
        numbered = sorted(p for p in root.iterdir() if p.name.startswith("Profile ") and p.is_dir())
    except OSError:
        return
    yield from numbered[:MAX_PROFILES_PER_BROWSER]


def _last_version(found: Discovery, reader: FileReader, root: Path, who: tuple[str, str]) -> str:
    try:
        text = reader.read_text(root / "Last Version", limit=KIB, who=who, purpose="the browser version")
    except ReadError as exc:
        if exc.kind != "missing":
            found.problems.append((who, exc))
        return ""
    return text.strip()[:64]


# ----------------------------------------------------------------------- Firefox


def _firefox_root(found: Discovery, reader: FileReader, root: Path, source: str) -> None:
    who = ("Firefox", "(all profiles)")
    try:
        text = reader.read_text(root / "profiles.ini", limit=MIB, who=who, purpose="the list of profiles")
    except ReadError as exc:
        if exc.kind != "missing":
            found.problems.append((who, exc))
        return
    ini = _ini(text)
    defaults = _install_defaults(found, reader, root, ini, who)
    sections = [s for s in ini.sections() if s.startswith("Profile")][:MAX_PROFILES_PER_BROWSER]
    for section in sections:
        raw = ini.get(section, "Path", fallback="").strip()
        if not raw:
            continue
        relative = ini.get(section, "IsRelative", fallback="1").strip() != "0"
        directory = root.joinpath(*PurePosixPath(raw.replace("\\", "/")).parts) if relative else Path(raw)
        if not directory.is_dir():
            continue
        default = raw in defaults if defaults else ini.get(section, "Default", fallback="0").strip() == "1"
        name = ini.get(section, "Name", fallback=directory.name).strip() or directory.name
        found.add(BrowserProfile("Firefox", "firefox", Family.FIREFOX, name, directory, root, source, default=default))


def _install_defaults(found: Discovery, reader: FileReader, root: Path, ini: configparser.RawConfigParser,
                      who: tuple[str, str]) -> set[str]:
    """The profile each Firefox installation opens (``[Install…]`` sections and ``installs.ini``)."""
    defaults = {v for s in ini.sections() if s.startswith("Install") for v in [ini.get(s, "Default", fallback="")] if v}
    try:
        installs = _ini(reader.read_text(root / "installs.ini", limit=MIB, who=who,
                                         purpose="each installation's default profile"))
    except ReadError as exc:
        if exc.kind != "missing":
            found.problems.append((who, exc))
        return defaults
    return defaults | {v for s in installs.sections() for v in [installs.get(s, "Default", fallback="")] if v}


def _ini(text: str) -> configparser.RawConfigParser:
    """An INI file read the way Firefox writes it (case kept, no interpolation, junk tolerated)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return configparser.RawConfigParser()
    return parser


# ----------------------------------------------------------------------- --browser-profile


def _given(found: Discovery, reader: FileReader, directory: Path) -> None:
    """A ``--browser-profile`` directory: a profile, a user-data directory, or a Firefox profiles root."""
    browser = guess_chromium_browser(directory)
    if (directory / "Local State").is_file():
        _chromium_user_data(found, reader, directory, browser[0], browser[1], "--browser-profile")
    elif (directory / "profiles.ini").is_file():
        _firefox_root(found, reader, directory, "--browser-profile")
    elif any((directory / f).exists() for f in ("prefs.js", "compatibility.ini", "cookies.sqlite", "times.json")):
        found.add(BrowserProfile("Firefox", "firefox", Family.FIREFOX, directory.name, directory, None,
                                 "--browser-profile"))
    elif any((directory / f).exists() for f in ("Preferences", "Cookies", "Network")):
        root = directory.parent if (directory.parent / "Local State").is_file() else None
        if root is not None and root not in found.versions:
            version = _last_version(found, reader, root, (browser[1], directory.name))
            if version:
                found.versions[root] = version
        found.add(BrowserProfile(browser[1], browser[0], Family.CHROMIUM, directory.name, directory, root,
                                 "--browser-profile"))
    else:
        found.problems.append((
            ("unknown browser", directory.name),
            ReadError("unrecognised", directory, "neither a Chromium-family nor a Firefox profile"),
        ))


def guess_chromium_browser(directory: Path) -> tuple[str, str]:
    """(key, name) of the Chromium-family browser a directory belongs to, from its path."""
    text = str(directory).lower()
    for needle, key, name in (("edge", "edge", "Edge"), ("brave", "brave", "Brave"),
                              ("chromium", "chromium", "Chromium"), ("chrome", "chrome", "Chrome")):
        if needle in text:
            return key, name
    return "chromium", "Chromium-based browser"
