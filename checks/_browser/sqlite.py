"""The browsers' SQLite databases, opened read-only without taking their locks.

Opening a live browser database the ordinary way would take SQLite's lock
(and could wait on, or disturb, the running browser). So:

1. A database without a write-ahead log is opened in place as
   ``file:…?mode=ro&immutable=1``: SQLite then takes no lock and never writes.
2. A database with a non-empty ``-wal`` (Firefox keeps recent changes there;
   ``immutable`` would not see them) or one that cannot be read in place is
   copied, with its WAL, into a private temporary directory; the copy is read
   and deleted at once.
3. A file another program holds exclusively (Chrome on Windows opens its
   cookie database with an exclusive handle) is reported as ``locked``.

**No cookie value is ever selected.** Every statement below names its
columns; value columns appear only inside ``length(...)``, so SQLite hands
back a number, never the value. ``tests/checks/test_browser_sqlite.py``
traces every statement the check issues and fails if one selects a value.
Reads are bounded: a size cap on the file, a row cap on the query, and a
progress handler that interrupts a query when the inspection's time is up.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks._browser.files import MIB, FileReader, ReadError

MAX_DATABASE_BYTES = 256 * MIB
"""A cookie or permission database larger than this is not read (real ones are a few MiB)."""
MAX_SITE_ROWS = 20_000
"""Cookies of one site read at most (Chromium keeps 180 per site; the cap only guards hostile files)."""
MAX_PERMISSION_ROWS = 50_000

@dataclass(frozen=True, slots=True)
class Column:
    """One selected column: the table column it reads, the SQL that reads it, and its value when absent.

    Every expression yields one type (``CAST``), so a hostile database cannot
    hand the check a value of an unexpected type; value columns are read only
    through ``length(...)``.
    """

    column: str
    expression: str
    missing: str

    def sql(self, present: set[str]) -> str:
        return f"ifnull({self.expression}, {self.missing})" if self.column in present else self.missing


CHROMIUM_COLUMNS: tuple[Column, ...] = (
    Column("host_key", "CAST(host_key AS TEXT)", "''"),
    Column("name", "CAST(name AS TEXT)", "''"),
    Column("name", "length(CAST(name AS BLOB))", "0"),
    Column("path", "CAST(path AS TEXT)", "'/'"),
    Column("is_secure", "CAST(is_secure AS INTEGER)", "0"),
    Column("is_httponly", "CAST(is_httponly AS INTEGER)", "0"),
    Column("samesite", "CAST(samesite AS INTEGER)", "-1"),
    Column("expires_utc", "CAST(expires_utc AS INTEGER)", "0"),
    Column("has_expires", "CAST(has_expires AS INTEGER)", "1"),
    Column("top_frame_site_key", "CAST(top_frame_site_key AS TEXT)", "''"),
    Column("has_cross_site_ancestor", "CAST(has_cross_site_ancestor AS INTEGER)", "0"),
    Column("value", "length(CAST(value AS BLOB))", "0"),
    Column("encrypted_value", "length(encrypted_value)", "0"),
)
"""The Chromium cookie query, in this order: metadata and lengths only."""

FIREFOX_COLUMNS: tuple[Column, ...] = (
    Column("host", "CAST(host AS TEXT)", "''"),
    Column("name", "CAST(name AS TEXT)", "''"),
    Column("name", "length(CAST(name AS BLOB))", "0"),
    Column("path", "CAST(path AS TEXT)", "'/'"),
    Column("isSecure", "CAST(isSecure AS INTEGER)", "0"),
    Column("isHttpOnly", "CAST(isHttpOnly AS INTEGER)", "0"),
    Column("sameSite", "CAST(sameSite AS INTEGER)", "256"),
    Column("expiry", "CAST(expiry AS INTEGER)", "0"),
    Column("originAttributes", "CAST(originAttributes AS TEXT)", "''"),
    Column("value", "length(CAST(value AS BLOB))", "0"),
)
"""The Firefox cookie query, in this order: metadata and lengths only."""


@dataclass(frozen=True, slots=True)
class CookieRows:
    """Rows of one cookie query: tuples in the order of its ``*_COLUMNS``."""

    rows: list[tuple[Any, ...]]
    total: int | None
    schema_version: int | None
    truncated: bool
    read_via: str


@contextlib.contextmanager
def open_database(path: Path, reader: FileReader, who: tuple[str, str], purpose: str) -> Iterator[
        tuple[sqlite3.Connection, str]]:
    """``(connection, how)`` for a browser database; ``how`` is ``read-only`` or ``copy``."""
    reader.budget.check(path)
    size, wal_size = _sizes(path, reader)
    if size > MAX_DATABASE_BYTES or wal_size > MAX_DATABASE_BYTES:
        reader.record(who, path, purpose, "too_large", size)
        raise ReadError("too_large", path, f"larger than the {MAX_DATABASE_BYTES // MIB} MiB this check reads")
    connection: sqlite3.Connection | None = None
    if not wal_size:
        try:
            connection = _connect(path.absolute().as_uri() + "?mode=ro&immutable=1", reader)
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError:
            if connection is not None:
                connection.close()
            connection = None  # locked, half-written or not a database: try a copy, which says which
    if connection is not None:
        reader.record(who, path, purpose, "read", size)
        try:
            yield connection, "read-only"
        finally:
            connection.close()
        return
    with _copied(path, wal_size, reader, who, purpose, size) as copy:
        try:
            connection = _connect(copy.as_uri() + "?mode=ro", reader)
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            if connection is not None:
                connection.close()
            raise ReadError("corrupt", path, f"not a readable SQLite database ({exc})") from None
        try:
            yield connection, "copy"
        finally:
            connection.close()


def _sizes(path: Path, reader: FileReader) -> tuple[int, int]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise reader.classify(exc, path) from None
    wal = path.with_name(path.name + "-wal")
    try:
        wal_size = wal.stat().st_size
    except OSError:
        wal_size = 0
    return size, wal_size


def _connect(uri: str, reader: FileReader) -> sqlite3.Connection:
    connection = sqlite3.connect(uri, uri=True, timeout=0.2, check_same_thread=False)
    # Interrupt any statement once the inspection's time budget is spent.
    connection.set_progress_handler(lambda: 1 if reader.budget.expired() else 0, 2_000)
    connection.execute("PRAGMA query_only = ON")
    return connection


@contextlib.contextmanager
def _copied(path: Path, wal_size: int, reader: FileReader, who: tuple[str, str], purpose: str,
            size: int) -> Iterator[Path]:
    """A private copy of ``path`` (and its WAL), deleted on exit."""
    directory = Path(tempfile.mkdtemp(prefix="login-doctor-browser-"))
    try:
        copy = directory / "copy.sqlite"
        try:
            _copy(path, copy, reader)
            if wal_size:
                _copy(path.with_name(path.name + "-wal"), directory / "copy.sqlite-wal", reader)
        except ReadError as exc:
            reader.record(who, path, purpose, exc.kind, size)
            raise
        reader.record(who, path, purpose, "read (copy)", size + wal_size)
        yield copy
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _copy(source: Path, target: Path, reader: FileReader) -> None:
    copied = 0
    try:
        with reader.opener(source) as handle, target.open("wb") as out:
            while chunk := handle.read(MIB):
                copied += len(chunk)
                if copied > MAX_DATABASE_BYTES:
                    raise ReadError("too_large", source, "grew past the size this check reads")
                reader.budget.check(source)
                out.write(chunk)
    except OSError as exc:
        raise reader.classify(exc, source) from None


# ----------------------------------------------------------------------- queries


def table_columns(connection: sqlite3.Connection, table: str) -> set[str]:
    """Column names of ``table`` (empty when it does not exist)."""
    return {str(row[1]) for row in connection.execute(f"PRAGMA table_info({table})")}


@contextlib.contextmanager
def _errors(path: Path) -> Iterator[None]:
    """SQLite errors as :class:`ReadError`: ``timeout`` when the budget interrupted a query."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        kind = "timeout" if "interrupt" in str(exc).lower() else "corrupt"
        raise ReadError(kind, path, str(exc)) from None


def chromium_cookies(connection: sqlite3.Connection, how: str, path: Path, site: str) -> CookieRows:
    """The Chromium cookies of ``site`` and its subdomains: metadata and lengths, never values."""
    with _errors(path):
        return _chromium_cookies(connection, how, path, site)


def _chromium_cookies(connection: sqlite3.Connection, how: str, path: Path, site: str) -> CookieRows:
    columns = table_columns(connection, "cookies")
    if not {"host_key", "name", "path"} <= columns:
        raise ReadError("corrupt", path, "no Chromium cookie table in this database")
    version: int | None = None
    if "meta" in _tables(connection):
        # meta holds (key, value) pairs of the store itself; 'version' is the schema number.
        row = connection.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        version = _int(row[0]) if row else None
    return _site_rows(connection, "cookies", "host_key", CHROMIUM_COLUMNS, columns, site, version, how, path)


def firefox_cookies(connection: sqlite3.Connection, how: str, path: Path, site: str) -> CookieRows:
    """The Firefox cookies of ``site`` and its subdomains: metadata and lengths, never values."""
    with _errors(path):
        return _firefox_cookies(connection, how, path, site)


def _firefox_cookies(connection: sqlite3.Connection, how: str, path: Path, site: str) -> CookieRows:
    columns = table_columns(connection, "moz_cookies")
    if not {"host", "name", "path"} <= columns:
        raise ReadError("corrupt", path, "no Firefox cookie table in this database")
    version = _int(connection.execute("PRAGMA user_version").fetchone()[0])
    return _site_rows(connection, "moz_cookies", "host", FIREFOX_COLUMNS, columns, site, version, how, path)


def _site_rows(connection: sqlite3.Connection, table: str, host_column: str, wanted: Sequence[Column],
               present: set[str], site: str, version: int | None, how: str, path: Path) -> CookieRows:
    select = ", ".join(c.sql(present) for c in wanted)
    like = "%." + site.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    total = _int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    fetched = connection.execute(
        f"SELECT {select} FROM {table} WHERE {host_column} = ? OR {host_column} = ? "
        f"OR {host_column} LIKE ? ESCAPE '\\' LIMIT ?",
        (site, "." + site, like, MAX_SITE_ROWS + 1),
    ).fetchall()
    return CookieRows(fetched[:MAX_SITE_ROWS], total, version, len(fetched) > MAX_SITE_ROWS, how)


def firefox_permissions(connection: sqlite3.Connection, path: Path) -> list[tuple[str, str, int, int, int]]:
    """``(origin, type, permission, expireType, expireTime)`` of the cookie and pop-up permissions."""
    with _errors(path):
        if "moz_perms" not in _tables(connection):
            return []
        rows = connection.execute(
            "SELECT origin, type, permission, expireType, expireTime FROM moz_perms "
            "WHERE type IN ('cookie', 'popup') LIMIT ?",
            (MAX_PERMISSION_ROWS,),
        ).fetchall()
    return [(str(o), str(t), _int(p) or 0, _int(et) or 0, _int(ex) or 0) for o, t, p, et, ex in rows]


def _tables(connection: sqlite3.Connection) -> set[str]:
    return {str(r[0]) for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, (str, bytes)):
        try:
            return int(value)
        except ValueError:
            return None
    return None
