"""One Firefox profile, read into a :class:`ProfileState`.

Files in the profile folder:

* ``prefs.js`` then ``user.js`` (:mod:`.prefsjs`): ``network.cookie.cookieBehavior``
  (0 accept all, 1 block third-party, 2 block all, 3 block third-party from unvisited
  sites, 4 block cross-site trackers, 5 partition third-party cookies: the default
  in ``browser/app/profile/firefox.js``), ``javascript.enabled``,
  ``network.cookie.maxPerHost`` / ``maxNumber`` (defaults 180 and 3000,
  ``modules/libpref/init/all.js``), ``network.proxy.*`` (type 0 direct, 1 manual,
  2 PAC, 4 auto-detect, 5 system: the default) and
  ``security.enterprise_roots.enabled``;
* ``permissions.sqlite`` table ``moz_perms``: ``origin``, ``type`` (``cookie``, ``popup``),
  ``permission`` (1 allow, 2 deny, 8 session only) and its expiry; a permission for
  an origin also covers its subdomains, as Firefox's non-exact lookup does;
* ``extensions.json`` (:mod:`.extensions`), ``compatibility.ini`` (``LastVersion``)
  and ``cookies.sqlite`` (table ``moz_cookies``, kept in WAL mode while Firefox runs).

Firefox trusts root certificates installed in the operating system
("enterprise roots") by default since version 120 on Windows and macOS
(support.mozilla.org, "Automatically trust third-party root certificates");
Linux builds have no such import, whatever the preference says, and Chrome on Linux does
not use the system's bundle either, so there is no Firefox-only warning to predict there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from checks._browser.cookies import firefox_cookies as stored_cookies
from checks._browser.extensions import firefox_extensions
from checks._browser.files import KIB, MIB, FileReader, ReadError
from checks._browser.model import BrowserProfile, CookieJarState, ProfileState, ProxySetting, Site, SiteException
from checks._browser.prefsjs import PrefValue, parse_prefs
from checks._browser.sqlite import firefox_cookies, firefox_permissions, open_database

DEFAULT_COOKIE_BEHAVIOR = 5
DEFAULT_MAX_PER_HOST = 180
DEFAULT_MAX_NUMBER = 3000
ENTERPRISE_ROOTS_DEFAULT_SINCE = 120

LINUX_ROOTS = (
    "on Linux neither browser uses the system's certificate bundle: Firefox trusts Mozilla's roots (or, where "
    "the distribution links NSS's built-in roots to p11-kit, as Fedora does, the system's), and Chrome trusts "
    "the Chrome Root Store plus roots added to its NSS database (~/.pki/nssdb)"
)
"""Chromium's ``net/cert/internal/system_trust_store.cc``: on Linux the Chrome Root Store is combined
with ``TrustStoreNSS(kIgnoreSystemTrust)``, the user's NSS slots only."""

_THIRD_PARTY = {1: "block all third-party cookies", 3: "block third-party cookies from sites not visited"}
_PERMISSION_KINDS = {"cookie": "cookies", "popup": "popups"}


def read_firefox(profile: BrowserProfile, site: Site, reader: FileReader, *, os_name: str,
                 now: float) -> ProfileState:
    prefs = _prefs(profile, reader)
    state = ProfileState(
        profile,
        version=_version(profile, reader),
        max_cookies_per_site=_positive(prefs.get("network.cookie.maxPerHost"), DEFAULT_MAX_PER_HOST),
        max_cookies_total=_positive(prefs.get("network.cookie.maxNumber"), DEFAULT_MAX_NUMBER),
    )
    _settings(prefs, state)
    state.proxy = _proxy(prefs)
    state.enterprise_roots, state.enterprise_roots_setting = _enterprise_roots(prefs, os_name, state.version)
    _permissions(profile, site, reader, state, now)
    try:
        data = reader.read_json(profile.directory / "extensions.json", limit=32 * MIB, who=profile.who,
                                purpose="installed add-ons")
        state.extensions = firefox_extensions(data)
    except ReadError as exc:
        if exc.kind != "missing":
            state.problems.append(exc)
    state.jar = _jar(profile, site, reader, state)
    return state


def _prefs(profile: BrowserProfile, reader: FileReader) -> dict[str, PrefValue]:
    prefs: dict[str, PrefValue] = {}
    for name in ("prefs.js", "user.js"):
        try:
            text = reader.read_text(profile.directory / name, limit=16 * MIB, who=profile.who,
                                    purpose="cookie, JavaScript, proxy and certificate preferences")
        except ReadError:
            continue
        prefs.update(parse_prefs(text))
    return prefs


def _version(profile: BrowserProfile, reader: FileReader) -> str | None:
    try:
        text = reader.read_text(profile.directory / "compatibility.ini", limit=16 * KIB, who=profile.who,
                                purpose="the Firefox version")
    except ReadError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "LastVersion" and value.strip():
            return value.strip().split("_")[0][:32]
    return None


def _positive(value: PrefValue | None, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def _settings(prefs: dict[str, PrefValue], state: ProfileState) -> None:
    behavior = prefs.get("network.cookie.cookieBehavior", DEFAULT_COOKIE_BEHAVIOR)
    if behavior == 2:
        state.cookies_blocked_everywhere = "network.cookie.cookieBehavior is 2 (block all cookies)"
    elif isinstance(behavior, int) and behavior in _THIRD_PARTY:
        state.third_party_cookies_blocked = f"network.cookie.cookieBehavior is {behavior} ({_THIRD_PARTY[behavior]})"
    if prefs.get("javascript.enabled") is False:
        state.javascript_blocked_everywhere = "javascript.enabled is false"


def _proxy(prefs: dict[str, PrefValue]) -> ProxySetting | None:
    """Firefox's own proxy setting, or None when it uses the system's (type 5, the default)."""
    kind = prefs.get("network.proxy.type", 5)
    bypass = str(prefs.get("network.proxy.no_proxies_on", "") or "")
    if kind == 0:
        return ProxySetting("direct", bypass=bypass)
    if kind == 1:
        share = prefs.get("network.proxy.share_proxy_settings", False) is True
        for key in (("http",) if share else ("ssl", "http")) + ("socks",):
            host = prefs.get(f"network.proxy.{key}")
            if isinstance(host, str) and host:
                port = prefs.get(f"network.proxy.{key}_port", 0)
                scheme = "socks" if key == "socks" else "http"
                server = f"{scheme}://{host}:{port}" if isinstance(port, int) and port else f"{scheme}://{host}"
                return ProxySetting("manual", server=server, bypass=bypass)
        return ProxySetting("direct", bypass=bypass)  # manual with no server: Firefox connects directly
    if kind == 2:
        url = prefs.get("network.proxy.autoconfig_url", "")
        return ProxySetting("pac", pac_url=str(url) if url else None, bypass=bypass)
    if kind == 4:
        return ProxySetting("auto-detect", bypass=bypass)
    return None


def _enterprise_roots(prefs: dict[str, PrefValue], os_name: str, version: str | None) -> tuple[bool | None, str]:
    """Whether Firefox trusts roots installed in the operating system where Chrome does (None: no
    difference to tell, on Linux), and why."""
    if os_name == "linux":
        return None, LINUX_ROOTS
    explicit = prefs.get("security.enterprise_roots.enabled")
    if isinstance(explicit, bool):
        return explicit, f"security.enterprise_roots.enabled is {str(explicit).lower()}"
    major = _major(version)
    if major is not None and major < ENTERPRISE_ROOTS_DEFAULT_SINCE:
        return False, f"Firefox {major} trusts only its own roots unless security.enterprise_roots.enabled is true"
    return True, f"the default since Firefox {ENTERPRISE_ROOTS_DEFAULT_SINCE} on Windows and macOS"


def _major(version: str | None) -> int | None:
    head = (version or "").split(".")[0]
    return int(head) if head.isascii() and head.isdigit() and len(head) < 6 else None  # not "²", not 5,000 digits


def _permissions(profile: BrowserProfile, site: Site, reader: FileReader, state: ProfileState, now: float) -> None:
    path = profile.directory / "permissions.sqlite"
    if not path.exists():
        return
    try:
        with open_database(path, reader, profile.who, "cookie and pop-up permissions") as (db, _how):
            rows = firefox_permissions(db, path)
    except ReadError as exc:
        state.problems.append(exc)
        return
    targets = [(site.scheme, site.host, site.port, False)] + [("https", d, 443, True) for d in site.identity_providers]
    allowed_cookies = False
    for origin, kind, permission, expire_type, expire_time in rows:
        if expire_type == 2 and expire_time and expire_time / 1000 <= now:
            continue
        for scheme, host, port, is_idp in targets:
            if not _origin_covers(origin, scheme, host, port):
                continue
            if permission == 2:
                state.exceptions.append(SiteException(_PERMISSION_KINDS[kind], "block", host, origin, is_idp))
            elif permission == 1 and kind == "cookie" and not is_idp:
                allowed_cookies = True
        if kind == "cookie" and permission == 2:
            for url, scheme, host, port in site.addresses:
                if _origin_covers(origin, scheme, host, port):
                    state.cookies_blocked_for[url] = origin
    if allowed_cookies and state.cookies_blocked_everywhere:
        state.cookies_blocked_everywhere = None  # the site has its own "allow"


def _origin_covers(origin: str, scheme: str, host: str, port: int) -> bool:
    """Whether a permission stored for ``origin`` applies to a page at ``scheme://host:port``."""
    plain, _, attributes = origin.partition("^")
    if "userContextId=" in attributes or "privateBrowsingId=" in attributes:
        return False  # a container's or private window's own permission
    parts = urlsplit(plain)
    try:
        origin_port = parts.port
    except ValueError:
        return False
    origin_host = (parts.hostname or "").lower()
    if not origin_host or parts.scheme.lower() != scheme:
        return False
    if origin_port is not None and origin_port != port:
        return False
    return host == origin_host or host.endswith("." + origin_host)


def _jar(profile: BrowserProfile, site: Site, reader: FileReader, state: ProfileState) -> CookieJarState | None:
    path = profile.directory / "cookies.sqlite"
    if not path.exists():
        return None
    try:
        with open_database(path, reader, profile.who, "cookie names, sizes and flags (no values)") as (db, how):
            rows = firefox_cookies(db, how, path, site.registrable)
    except ReadError as exc:
        state.problems.append(exc)
        return None
    return CookieJarState(
        database=reader.host.show(path), read_via=rows.read_via, schema_version=rows.schema_version,
        total=rows.total, site_cookies=tuple(stored_cookies(rows.rows, schema_version=rows.schema_version)),
        truncated=rows.truncated,
    )
