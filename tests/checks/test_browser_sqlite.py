"""The browsers' databases: never a value selected, never a lock taken, never a file changed."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from checks._browser import sqlite as browser_sqlite
from checks._browser.files import Budget, FileReader, ReadError
from checks._browser.host import Host
from checks._browser.inspect import inspect, make_site
from checks._browser.judge import Facts, judge
from tests.checks.browser_fixtures import (
    CHROMIUM_V12_SCHEMA,
    NOW,
    FakeCookie,
    FakeHome,
    write_chromium_cookies,
)
from tests.checks.browser_run import SIGNIN, run_browser_check

VALUE_COLUMNS = ("value", "encrypted_value")
_LENGTH_OF_VALUE = re.compile(r"length\(\s*(?:CAST\(\s*)?(?:encrypted_value|value)(?:\s+AS\s+BLOB\s*\))?\s*\)", re.I)


@contextlib.contextmanager
def traced_statements() -> Iterator[list[str]]:
    """Every SQL statement run on any connection opened meanwhile (sqlite3's trace callback)."""
    seen: list[str] = []
    real_connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = real_connect(*args, **kwargs)
        connection.set_trace_callback(seen.append)
        return connection

    sqlite3.connect = traced  # type: ignore[assignment]
    try:
        yield seen
    finally:
        sqlite3.connect = real_connect


def selects_a_value(statement: str) -> bool:
    """Whether a statement reads a cookie value itself (anything but its length)."""
    if re.match(r"(?is)^\s*SELECT value FROM meta WHERE key = 'version'\s*$", statement):
        return False  # the cookie store's own schema number, not a cookie
    if re.search(r"(?i)\bSELECT\s+(?:\w+\.)?\*", statement):
        return True  # a star selects the value columns too
    without_lengths = _LENGTH_OF_VALUE.sub("LENGTH_OF_A_VALUE", statement)
    return any(re.search(rf"(?i)\b{column}\b", without_lengths) for column in VALUE_COLUMNS)


def test_the_check_never_selects_a_cookie_value(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    [chrome] = home.chromium()
    chrome.cookies([FakeCookie("a", "secret-a", "app.atera.com"), FakeCookie("b", "secret-b", ".atera.com")])
    [firefox, waldo] = home.firefox(profiles={"p1.default": "one", "p2.other": "two"})
    firefox.cookies([FakeCookie("a", "secret-a", "app.atera.com")])
    firefox.permissions([("https://app.atera.com", "cookie", 2, 0, 0)])
    writer = waldo.cookies([FakeCookie("w", "secret-w", "app.atera.com")], keep_open=True)  # read via a copy
    try:
        with traced_statements() as statements:
            result = run_browser_check(home)
    finally:
        assert writer is not None
        writer.close()
    profiles = result.details["profiles"]
    assert {p["cookies"]["read_via"] for p in profiles} == {"read-only", "copy"}
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert any("FROM cookies" in s for s in selects) and any("FROM moz_cookies" in s for s in selects)
    assert any("FROM moz_perms" in s for s in selects)
    offenders = [s for s in statements if selects_a_value(s)]
    assert offenders == []


@pytest.mark.parametrize("statement", [
    "SELECT name, value FROM cookies",
    "SELECT name, encrypted_value FROM cookies",
    "SELECT substr(encrypted_value, 1, 3) FROM cookies",
    "SELECT * FROM moz_cookies",
    "SELECT hex(value) FROM moz_cookies",
    "SELECT c.* FROM cookies c",
    "SELECT name FROM cookies WHERE value LIKE 'a%'",
])
def test_the_statement_test_catches_a_value(statement: str) -> None:
    assert selects_a_value(statement)


def test_the_selected_columns_are_metadata_and_lengths_only() -> None:
    for column in browser_sqlite.CHROMIUM_COLUMNS + browser_sqlite.FIREFOX_COLUMNS:
        for present in (set(), {column.column}):
            assert not selects_a_value(f"SELECT {column.sql(present)} FROM cookies"), column


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_opened_in_place_without_a_lock_and_nothing_written(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    [chrome] = home.chromium()
    chrome.cookies([FakeCookie("a", "1", "app.atera.com")])
    before = _digest(chrome.cookie_db), chrome.cookie_db.stat().st_mtime_ns
    # A writer holds SQLite's exclusive lock, as a browser in the middle of a write does.
    lock = sqlite3.connect(chrome.cookie_db, isolation_level=None)
    lock.execute("PRAGMA locking_mode = EXCLUSIVE")
    lock.execute("BEGIN EXCLUSIVE")
    try:
        result = run_browser_check(home)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert result.details["profiles"][0]["cookies"]["read_via"] == "read-only"
    assert result.details["profiles"][0]["cookies"]["this_site"] == 1
    assert (_digest(chrome.cookie_db), chrome.cookie_db.stat().st_mtime_ns) == before
    assert sorted(p.name for p in chrome.cookie_db.parent.iterdir() if p.name.startswith("Cookies")) == ["Cookies"]


def test_firefox_rows_still_in_the_wal_are_read_from_a_copy_that_is_deleted(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    [firefox] = home.firefox()
    leftovers = set(Path(tempfile.gettempdir()).glob("login-doctor-browser-*"))
    writer = firefox.cookies([FakeCookie(f"c{i}", "v", "app.atera.com") for i in range(5)], keep_open=True)
    try:
        assert (firefox.directory / "cookies.sqlite-wal").stat().st_size > 0
        result = run_browser_check(home)
    finally:
        assert writer is not None
        writer.close()
    cookies = result.details["profiles"][0]["cookies"]
    assert (cookies["read_via"], cookies["this_site"]) == ("copy", 5)
    assert set(Path(tempfile.gettempdir()).glob("login-doctor-browser-*")) == leftovers
    read = [f for f in result.details["files_read"] if f["file"].endswith("cookies.sqlite")]
    assert read[0]["outcome"] == "read (copy)"


def _sharing_violation(locked: Path) -> Callable[[Path], IO[bytes]]:
    def opener(path: Path) -> IO[bytes]:
        if path == locked:
            exc = PermissionError(errno.EACCES, "The process cannot access the file because it is being used "
                                                "by another process")
            exc.winerror = 32  # type: ignore[attr-defined]
            raise exc
        return path.open("rb")

    return opener


def test_windows_chrome_holding_its_cookie_file_exclusively(tmp_path: Path) -> None:
    """Chrome on Windows opens Network/Cookies with an exclusive handle (sql::Database's
    exclusive_database_file_lock): SQLite cannot open it and no copy can be made."""
    home = FakeHome(tmp_path, "windows")
    [chrome] = home.chromium()
    chrome.cookies([FakeCookie("a", "1", "app.atera.com")])
    chrome.cookie_db.write_bytes(b"\x00" * 4096)  # what an open attempt sees of a file it may not share
    site = make_site(SIGNIN, [], [])
    inspection = inspect(home.host, site, now=NOW, opener=_sharing_violation(chrome.cookie_db))
    [state] = inspection.profiles
    verdicts = judge(state, site, Facts(show=home.host.show), NOW)
    [locked] = [v for v in verdicts if v.code == "browser.profile_locked"]
    assert locked.evidence["file"] == "~/AppData/Local/Google/Chrome/User Data/Default/Network/Cookies"
    assert locked.evidence["browser"] == "Chrome"
    record = next(r for r in inspection.files if r.path.endswith("Network/Cookies"))
    assert record.outcome == "locked"


def test_a_database_that_is_not_one(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    [firefox] = home.firefox()
    (firefox.directory / "cookies.sqlite").write_bytes(b"this is not SQLite" * 100)
    result = run_browser_check(home)
    [problem] = [f for f in result.findings if f.code == "browser.profile_unreadable"]
    assert problem.evidence["kind"] == "corrupt"


def test_size_and_row_caps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = FakeHome(tmp_path, "linux")
    [chrome] = home.chromium()
    chrome.cookies([FakeCookie(f"c{i}", "v", "app.atera.com") for i in range(30)])
    monkeypatch.setattr(browser_sqlite, "MAX_SITE_ROWS", 10)
    cookies = run_browser_check(home).details["profiles"][0]["cookies"]
    assert (cookies["this_site"], cookies["truncated"]) == (10, True)
    monkeypatch.setattr(browser_sqlite, "MAX_DATABASE_BYTES", 1024)
    result = run_browser_check(home)
    [problem] = [f for f in result.findings if f.code == "browser.profile_unreadable"]
    assert problem.evidence["kind"] == "too_large"


def test_an_old_chromium_store_without_partition_keys(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    [chrome] = home.chromium(version="80.0.3987.0")
    write_chromium_cookies(chrome.cookie_db, [FakeCookie("a", "x" * 20, "app.atera.com")], schema=CHROMIUM_V12_SCHEMA)
    cookies = run_browser_check(home).details["profiles"][0]["cookies"]
    assert cookies["schema_version"] == 12
    # Before schema 24 no domain hash is prepended: 20 bytes pad to 32.
    [cookie] = cookies["site_cookies"]
    assert cookie["size"] <= 21 <= cookie["size_up_to"]


def test_firefox_expiry_in_seconds_before_schema_16(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    [firefox] = home.firefox()
    firefox.cookies([FakeCookie("a", "1", "app.atera.com", expires=NOW + 3600)], schema_version=15)
    result = run_browser_check(home)
    assert "browser.expired_cookies" not in [f.code for f in result.findings]
    assert result.details["profiles"][0]["cookies"]["sent_count"] == 1


def test_the_time_budget_stops_reading(tmp_path: Path) -> None:
    home = FakeHome(tmp_path, "linux")
    [chrome] = home.chromium()
    chrome.cookies([FakeCookie("a", "1", "app.atera.com")])
    ticks = iter(range(0, 1000, 5))
    inspection = inspect(home.host, make_site(SIGNIN, [], []), now=NOW, budget_seconds=4,
                         monotonic=lambda: float(next(ticks)))
    kinds = [p.kind for _, p in inspection.problems] + [p.kind for s in inspection.profiles for p in s.problems]
    assert "timeout" in kinds


def test_a_timed_out_query_is_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "Cookies"
    write_chromium_cookies(path, [FakeCookie(f"c{i}", "v", "app.atera.com") for i in range(3000)])
    host = Host("linux", tmp_path, {})
    expired = Budget(10)
    reader = FileReader(host, expired)
    with browser_sqlite.open_database(path, reader, ("Chrome", "p"), "test") as (db, how):
        expired.deadline = 0.0  # the budget runs out while the query runs
        with pytest.raises(ReadError) as caught:
            browser_sqlite.chromium_cookies(db, how, path, "atera.com")
    assert caught.value.kind == "timeout"
