"""Fake home trees with the real browser file layouts and the real SQLite schemas.

The layouts are written out here by hand (not taken from the check's own
table), so a wrong location in the check fails a test. The schemas are the
ones the browsers create:

* Chromium cookie store, schema version 24 (``net/extras/sqlite/sqlite_persistent_cookie_store.cc``,
  ``CreateV23Schema``; "v24 schema is identical to v23 schema"), checked against
  the ``Cookies`` file Debian's Chromium 156 wrote here (``.schema``, ``meta``
  version 24);
* Firefox ``moz_cookies``, schema version 17 (``netwerk/cookie/CookiePersistentStorage.cpp``,
  ``COOKIES_SCHEMA_VERSION = 17``), and ``moz_perms`` (``permissions.sqlite``,
  ``user_version`` 13), both checked against the files Firefox ESR 153 wrote here.

Chromium's ``encrypted_value`` is written in the real format's *shape*
(``v10`` + 32-byte domain hash + value, padded as AES-CBC pads, or framed as
AES-GCM on Windows) but not encrypted, so the plaintext value is inside the
blob: if the check ever read the blob, a canary value would reach the report.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks._browser.host import Host, OsName

CHROMIUM_SCHEMA = (
    "CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);",
    "CREATE TABLE cookies(creation_utc INTEGER NOT NULL,host_key TEXT NOT NULL,top_frame_site_key TEXT NOT NULL,"
    "name TEXT NOT NULL,value TEXT NOT NULL,encrypted_value BLOB NOT NULL,path TEXT NOT NULL,expires_utc INTEGER "
    "NOT NULL,is_secure INTEGER NOT NULL,is_httponly INTEGER NOT NULL,last_access_utc INTEGER NOT NULL,has_expires "
    "INTEGER NOT NULL,is_persistent INTEGER NOT NULL,priority INTEGER NOT NULL,samesite INTEGER NOT NULL,"
    "source_scheme INTEGER NOT NULL,source_port INTEGER NOT NULL,last_update_utc INTEGER NOT NULL,source_type "
    "INTEGER NOT NULL,has_cross_site_ancestor INTEGER NOT NULL);",
    "CREATE UNIQUE INDEX cookies_unique_index ON cookies(host_key, top_frame_site_key, has_cross_site_ancestor, "
    "name, path, source_scheme, source_port);",
)
"""Chromium 156's cookie store (schema 24), as ``sqlite3 Cookies .schema`` prints it."""

CHROMIUM_V12_SCHEMA = (
    "CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR);",
    "CREATE TABLE cookies(creation_utc INTEGER NOT NULL,host_key TEXT NOT NULL,name TEXT NOT NULL,value TEXT NOT "
    "NULL,path TEXT NOT NULL,expires_utc INTEGER NOT NULL,is_secure INTEGER NOT NULL,is_httponly INTEGER NOT NULL,"
    "last_access_utc INTEGER NOT NULL,has_expires INTEGER NOT NULL DEFAULT 1,is_persistent INTEGER NOT NULL "
    "DEFAULT 1,priority INTEGER NOT NULL DEFAULT 1,encrypted_value BLOB DEFAULT '',samesite INTEGER NOT NULL "
    "DEFAULT -1,source_scheme INTEGER NOT NULL DEFAULT 0,UNIQUE (host_key, name, path));",
)
"""An old store (schema 12, 2019): no partition key, no hashed values."""

FIREFOX_COOKIES_SCHEMA = (
    "CREATE TABLE moz_cookies (id INTEGER PRIMARY KEY, originAttributes TEXT NOT NULL DEFAULT '', name TEXT, "
    "value TEXT, host TEXT, path TEXT, expiry INTEGER, lastAccessed INTEGER, creationTime INTEGER, isSecure "
    "INTEGER, isHttpOnly INTEGER, inBrowserElement INTEGER DEFAULT 0, sameSite INTEGER DEFAULT 0, schemeMap "
    "INTEGER DEFAULT 0, isPartitionedAttributeSet INTEGER DEFAULT 0, updateTime INTEGER, CONSTRAINT moz_uniqueid "
    "UNIQUE (name, host, path, originAttributes));",
)
"""Firefox ESR 153's ``cookies.sqlite`` (``user_version`` 17)."""

FIREFOX_PERMISSIONS_SCHEMA = (
    "CREATE TABLE moz_perms ( id INTEGER PRIMARY KEY,origin TEXT,type TEXT,permission INTEGER,expireType "
    "INTEGER,expireTime INTEGER,modificationTime INTEGER);",
    "CREATE TABLE moz_hosts ( id INTEGER PRIMARY KEY,host TEXT,type TEXT,permission INTEGER,expireType INTEGER,"
    "expireTime INTEGER,modificationTime INTEGER,isInBrowserElement INTEGER);",
    "CREATE TABLE moz_origin_interactions ( origin TEXT PRIMARY KEY,lastInteractionTime INTEGER);",
)
"""Firefox ESR 153's ``permissions.sqlite`` (``user_version`` 13)."""

WINDOWS_EPOCH_OFFSET = 11_644_473_600
NOW = 1_800_000_000.0
"""The tests' "now" (2027-01-15)."""


@dataclass
class FakeCookie:
    """A cookie to write into a fake store (its value is there to be *not* read)."""

    name: str
    value: str
    host: str
    path: str = "/"
    secure: bool = True
    http_only: bool = True
    same_site: int = -1
    """Chromium's numbers: -1 unspecified, 0 none, 1 lax, 2 strict (Firefox: 256, 0, 1, 2)."""
    expires: float | None = NOW + 30 * 86400
    partition: str = ""
    origin_attributes: str = ""


def _chromium_blob(cookie: FakeCookie, os_name: OsName, hashed: bool) -> bytes:
    plain = (hashlib.sha256(cookie.host.encode()).digest() if hashed else b"") + cookie.value.encode()
    if os_name == "windows":  # v10 + 12-byte nonce + ciphertext + 16-byte tag (AES-256-GCM)
        return b"v10" + b"N" * 12 + plain + b"T" * 16
    padding = 16 - len(plain) % 16  # AES-128-CBC with PKCS#7
    return b"v10" + plain + bytes([padding]) * padding


def _fresh(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def write_chromium_cookies(path: Path, cookies: Iterable[FakeCookie], *, os_name: OsName = "linux",
                           encrypted: bool = True, schema: tuple[str, ...] = CHROMIUM_SCHEMA) -> None:
    _fresh(path)
    db = sqlite3.connect(path)
    for statement in schema:
        db.execute(statement)
    version = "24" if schema is CHROMIUM_SCHEMA else "12"
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("mmap_status", "-1"), ("version", version),
                                                       ("last_compatible_version", version)])
    created = int((NOW - 86400 + WINDOWS_EPOCH_OFFSET) * 1_000_000)
    for i, c in enumerate(cookies):
        expires = int((c.expires + WINDOWS_EPOCH_OFFSET) * 1_000_000) if c.expires is not None else 0
        row: dict[str, Any] = {
            "creation_utc": created + i, "host_key": c.host, "top_frame_site_key": c.partition, "name": c.name,
            "value": "" if encrypted else c.value,
            "encrypted_value": _chromium_blob(c, os_name, version == "24") if encrypted else b"",
            "path": c.path, "expires_utc": expires, "is_secure": int(c.secure), "is_httponly": int(c.http_only),
            "last_access_utc": created + i, "has_expires": int(c.expires is not None),
            "is_persistent": int(c.expires is not None), "priority": 1, "samesite": c.same_site,
            "source_scheme": 2 if c.secure else 1, "source_port": 443, "last_update_utc": created + i,
            "source_type": 1, "has_cross_site_ancestor": 0,
        }
        columns = [r[1] for r in db.execute("PRAGMA table_info(cookies)")]
        row = {k: v for k, v in row.items() if k in columns}
        db.execute(f"INSERT INTO cookies ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    db.commit()
    db.close()


def write_firefox_cookies(path: Path, cookies: Iterable[FakeCookie], *, schema_version: int = 17,
                          keep_open: bool = False) -> sqlite3.Connection | None:
    """Write ``cookies.sqlite`` in WAL mode; with ``keep_open`` the writer stays open (a running Firefox)
    and the rows stay in the ``-wal`` file."""
    _fresh(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = wal")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    for statement in FIREFOX_COOKIES_SCHEMA:
        db.execute(statement)
    db.execute(f"PRAGMA user_version = {schema_version}")
    db.commit()
    scale = 1000 if schema_version >= 16 else 1
    for c in cookies:
        same_site = {-1: 256, 0: 0, 1: 1, 2: 2}[c.same_site]
        db.execute(
            "INSERT INTO moz_cookies (originAttributes, name, value, host, path, expiry, lastAccessed, creationTime,"
            " isSecure, isHttpOnly, sameSite, schemeMap, updateTime) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (c.origin_attributes, c.name, c.value, c.host, c.path, int((c.expires or NOW + 86400) * scale),
             int(NOW * 1e6), int((NOW - 86400) * 1e6), int(c.secure), int(c.http_only), same_site, 2,
             int(NOW * 1e6)),
        )
    db.commit()
    if keep_open:
        return db
    db.close()
    return None


def write_firefox_permissions(path: Path, rows: Iterable[tuple[str, str, int, int, int]]) -> None:
    """``(origin, type, permission, expireType, expireTime ms)`` rows."""
    _fresh(path)
    db = sqlite3.connect(path)
    for statement in FIREFOX_PERMISSIONS_SCHEMA:
        db.execute(statement)
    db.execute("PRAGMA user_version = 13")
    db.executemany("INSERT INTO moz_perms (origin, type, permission, expireType, expireTime, modificationTime) "
                   "VALUES (?,?,?,?,?,0)", list(rows))
    db.commit()
    db.close()


# ----------------------------------------------------------------------- home trees


CHROMIUM_DIRS: dict[OsName, dict[str, tuple[str, ...]]] = {
    "linux": {"chrome": (".config", "google-chrome"), "edge": (".config", "microsoft-edge"),
              "brave": (".config", "BraveSoftware", "Brave-Browser"), "chromium": (".config", "chromium"),
              "chromium-snap": ("snap", "chromium", "common", "chromium")},
    "windows": {"chrome": ("AppData", "Local", "Google", "Chrome", "User Data"),
                "chrome-dev": ("AppData", "Local", "Google", "Chrome Dev", "User Data"),
                "chrome-canary": ("AppData", "Local", "Google", "Chrome SxS", "User Data"),
                "edge": ("AppData", "Local", "Microsoft", "Edge", "User Data"),
                "brave": ("AppData", "Local", "BraveSoftware", "Brave-Browser", "User Data"),
                "chromium": ("AppData", "Local", "Chromium", "User Data")},
    "macos": {"chrome": ("Library", "Application Support", "Google", "Chrome"),
              "chrome-dev": ("Library", "Application Support", "Google", "Chrome Dev"),
              "chrome-canary": ("Library", "Application Support", "Google", "Chrome Canary"),
              "edge": ("Library", "Application Support", "Microsoft Edge"),
              "brave": ("Library", "Application Support", "BraveSoftware", "Brave-Browser"),
              "chromium": ("Library", "Application Support", "Chromium")},
}
"""The documented user-data folders (browser-state reference; Chromium's chrome_paths_{win,mac,linux} and
install_static), written out independently of the check."""

FIREFOX_DIRS: dict[str, tuple[str, ...]] = {
    "linux": (".mozilla", "firefox"),
    "linux-xdg": (".config", "mozilla", "firefox"),
    "linux-snap": ("snap", "firefox", "common", ".mozilla", "firefox"),
    "linux-flatpak": (".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"),
    "windows": ("AppData", "Roaming", "Mozilla", "Firefox"),
    "macos": ("Library", "Application Support", "Firefox"),
}


@dataclass
class ChromiumProfile:
    directory: Path
    os: OsName
    preferences: dict[str, Any] = field(default_factory=dict)
    secure_preferences: dict[str, Any] = field(default_factory=dict)

    @property
    def cookie_db(self) -> Path:
        # Chromium 156 on Linux writes Default/Cookies; Windows builds Default/Network/Cookies.
        return self.directory / ("Network/Cookies" if self.os == "windows" else "Cookies")

    def cookies(self, cookies: Iterable[FakeCookie], **kwargs: Any) -> None:
        write_chromium_cookies(self.cookie_db, cookies, os_name=self.os, **kwargs)

    def set(self, dotted: str, value: Any, *, secure: bool = False) -> None:
        target = self.secure_preferences if secure else self.preferences
        *parents, last = dotted.split(".")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
        self.save()

    def exception(self, kind: str, pattern: str, setting: int) -> None:
        exceptions = self.preferences.setdefault("profile", {}).setdefault("content_settings", {}).setdefault(
            "exceptions", {}).setdefault(kind, {})
        exceptions[pattern] = {"last_modified": "13441087139394976", "setting": setting}
        self.save()

    def extension(self, ext_id: str, *, name: str = "", version: str = "1.0", enabled: bool = True,
                  messages: Mapping[str, str] | None = None, secure: bool = False,
                  location: int = 1) -> None:
        """An installed extension: its settings entry and its ``manifest.json`` (with ``_locales``)."""
        folder = self.directory / "Extensions" / ext_id / f"{version}_0"
        folder.mkdir(parents=True, exist_ok=True)
        manifest: dict[str, Any] = {"manifest_version": 3, "name": name, "version": version}
        if messages is not None:
            manifest["default_locale"] = "en"
            (folder / "_locales" / "en").mkdir(parents=True, exist_ok=True)
            (folder / "_locales" / "en" / "messages.json").write_text(
                json.dumps({k: {"message": v} for k, v in messages.items()}))
        (folder / "manifest.json").write_text(json.dumps(manifest))
        entry = {"location": location, "path": f"{ext_id}/{version}_0", "disable_reasons": [] if enabled else [1],
                 "from_webstore": True, "first_install_time": "13441087139525927"}
        target = self.secure_preferences if secure else self.preferences
        target.setdefault("extensions", {}).setdefault("settings", {})[ext_id] = entry
        self.save()

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "Preferences").write_text(json.dumps(self.preferences))
        if self.secure_preferences:
            (self.directory / "Secure Preferences").write_text(json.dumps(self.secure_preferences))


@dataclass
class FirefoxProfile:
    directory: Path
    prefs: dict[str, Any] = field(default_factory=dict)

    def cookies(self, cookies: Iterable[FakeCookie], **kwargs: Any) -> sqlite3.Connection | None:
        return write_firefox_cookies(self.directory / "cookies.sqlite", cookies, **kwargs)

    def permissions(self, rows: Iterable[tuple[str, str, int, int, int]]) -> None:
        write_firefox_permissions(self.directory / "permissions.sqlite", rows)

    def pref(self, name: str, value: Any, *, user_js: bool = False) -> None:
        line = f"user_pref({json.dumps(name)}, {json.dumps(value)});\n"
        target = self.directory / ("user.js" if user_js else "prefs.js")
        with target.open("a") as handle:
            handle.write(line)

    def addons(self, addons: list[dict[str, Any]]) -> None:
        (self.directory / "extensions.json").write_text(json.dumps({"schemaVersion": 37, "addons": addons}))


@dataclass
class FakeHome:
    """A home folder of one operating system, with browsers added on demand."""

    root: Path
    os: OsName

    @property
    def host(self) -> Host:
        return Host(self.os, self.root, {})

    def chromium(self, browser: str = "chrome", profiles: Mapping[str, str] | None = None,
                 version: str = "156.0.8078.129", local_state: bool = True) -> list[ChromiumProfile]:
        """A user-data folder with ``profiles`` (folder → name, default ``{"Default": "Person 1"}``)."""
        user_data = self.root.joinpath(*CHROMIUM_DIRS[self.os][browser])
        user_data.mkdir(parents=True, exist_ok=True)
        (user_data / "Last Version").write_text(version)
        profiles = dict(profiles or {"Default": "Person 1"})
        if local_state:
            (user_data / "Local State").write_text(json.dumps({"profile": {
                "info_cache": {folder: {"name": name, "active_time": 1.0} for folder, name in profiles.items()},
                "last_used": next(iter(profiles)), "profiles_order": list(profiles)}}))
        made = []
        for folder in profiles:
            profile = ChromiumProfile(user_data / folder, self.os)
            profile.save()
            made.append(profile)
        return made

    def firefox(self, where: str | None = None, profiles: Mapping[str, str] | None = None,
                version: str = "153.8.0", installs: bool = True) -> list[FirefoxProfile]:
        """A Firefox profiles folder with ``profiles`` (folder → name); the first is the install default."""
        root = self.root.joinpath(*FIREFOX_DIRS[where or self.os])
        profiles = dict(profiles or {"abcd1234.default-release": "default-release"})
        prefix = "" if self.os == "linux" else "Profiles/"
        lines = ["[General]", "StartWithLastProfile=1", "Version=2", ""]
        made = []
        for i, (folder, name) in enumerate(profiles.items()):
            lines += [f"[Profile{i}]", f"Name={name}", "IsRelative=1", f"Path={prefix}{folder}", ""]
            directory = root.joinpath(*f"{prefix}{folder}".split("/"))
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "compatibility.ini").write_text(
                f"[Compatibility]\nLastVersion={version}_20261117185949/20261117185949\nLastOSABI=Linux_x86_64-gcc3\n")
            made.append(FirefoxProfile(directory))
        first = f"{prefix}{next(iter(profiles))}"
        if installs:
            lines += ["[Install3B6073811A6ABF12]", f"Default={first}", "Locked=1", ""]
            (root / "installs.ini").write_text(f"[3B6073811A6ABF12]\nDefault={first}\nLocked=1\n")
        (root / "profiles.ini").write_text("\n".join(lines))
        return made
