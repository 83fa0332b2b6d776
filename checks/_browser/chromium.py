"""One Chromium-family profile (Chrome, Edge, Brave, Chromium), read into a :class:`ProfileState`.

Files, all inside the profile folder unless noted:

* ``Preferences`` (JSON): ``profile.content_settings.exceptions.{cookies,javascript,popups}``
  (per-site settings, see :mod:`.patterns`), ``profile.default_content_setting_values``
  (1 allow, 2 block: the global switches), ``profile.cookie_controls_mode``
  (``CookieControlsMode``: 0 off, 1 block third-party cookies, 2 only in incognito,
  3 limited) and the older ``profile.block_third_party_cookies``, ``proxy`` (set by
  policy or an extension) and ``extensions.settings``;
* ``Secure Preferences``: ``extensions.settings`` on Windows and macOS;
* ``Network/Cookies`` (Windows; older builds and Linux: ``Cookies``);
* ``Last Version`` in the user-data folder (read during discovery).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks._browser.cookies import chromium_cookies as stored_cookies
from checks._browser.extensions import KnownExtension, chromium_extensions
from checks._browser.files import MIB, FileReader, ReadError
from checks._browser.model import BrowserProfile, CookieJarState, ProfileState, ProxySetting, Site, SiteException
from checks._browser.patterns import effective_rule, parse_rules
from checks._browser.sqlite import chromium_cookies, open_database

MAX_COOKIES_PER_SITE = 180
"""``CookieMonster::kDomainMaxCookies`` (per eTLD+1); over it the site is purged to 150."""
MAX_COOKIES_TOTAL = 3300
"""``CookieMonster::kMaxCookies``; over it 300 are purged (``kPurgeCookies``)."""

_DEFAULTS = {"cookies": 1, "javascript": 1, "popups": 2}
"""Chromium's defaults: cookies and JavaScript allowed, pop-ups blocked."""
_CONTROLS_MODES = {1: "block third-party cookies", 3: "limit third-party cookies"}
_PROXY_MODES = {"direct": "direct", "fixed_servers": "manual", "pac_script": "pac", "auto_detect": "auto-detect",
                "system": "system"}


def read_chromium(profile: BrowserProfile, site: Site, reader: FileReader, *, os_name: str, version: str | None,
                  known: tuple[KnownExtension, ...]) -> ProfileState:
    state = ProfileState(profile, version=version, max_cookies_per_site=MAX_COOKIES_PER_SITE,
                         max_cookies_total=MAX_COOKIES_TOTAL)
    prefs = _json(profile, reader, state, "Preferences", "site settings, extensions and proxy")
    secure = _json(profile, reader, state, "Secure Preferences", "extensions (protected settings)")
    if prefs:
        _site_settings(prefs, site, state)
        if not state.version:
            state.version = str(_dig(prefs, "extensions", "last_chrome_version") or "") or None
    settings = _settings(prefs)
    for ext_id, entry in _settings(secure).items():  # protected copies (Windows, macOS) win, key by key
        base = settings.get(ext_id)
        settings[ext_id] = {**base, **entry} if isinstance(base, dict) and isinstance(entry, dict) else entry
    state.extensions = chromium_extensions(settings, profile.directory, reader, profile.who, known)
    names = {e.id: e.name for e in state.extensions}
    state.proxy = _proxy(prefs, settings, names)
    state.jar = _jar(profile, site, reader, state, os_name)
    return state


def _json(profile: BrowserProfile, reader: FileReader, state: ProfileState, name: str,
          purpose: str) -> dict[str, Any]:
    try:
        return reader.read_json(profile.directory / name, limit=64 * MIB, who=profile.who, purpose=purpose)
    except ReadError as exc:
        if exc.kind != "missing":
            state.problems.append(exc)
        return {}


def _dig(data: Mapping[str, Any], *keys: str) -> Any:
    value: Any = data
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _settings(prefs: Mapping[str, Any]) -> dict[str, Any]:
    settings = _dig(prefs, "extensions", "settings")
    return dict(settings) if isinstance(settings, dict) else {}


def _site_settings(prefs: Mapping[str, Any], site: Site, state: ProfileState) -> None:
    exceptions = _dig(prefs, "profile", "content_settings", "exceptions")
    exceptions = exceptions if isinstance(exceptions, dict) else {}
    defaults = _dig(prefs, "profile", "default_content_setting_values")
    defaults = defaults if isinstance(defaults, dict) else {}
    targets = [(site.host, False)] + [(idp, True) for idp in site.identity_providers]
    for kind in ("cookies", "javascript", "popups"):
        rules = parse_rules(exceptions.get(kind))
        default = defaults.get(kind, _DEFAULTS[kind])
        for host, is_idp in targets:
            rule = effective_rule(rules, site.scheme if not is_idp else "https", host,
                                  site.port if not is_idp else 443)
            if rule is not None and rule.setting == "block":
                state.exceptions.append(SiteException(kind, "block", host, rule.key, is_idp))
            elif rule is None and not is_idp and default == 2 and kind != "popups":
                where = f"profile.default_content_setting_values.{kind} is 2 (block)"
                if kind == "cookies":
                    state.cookies_blocked_everywhere = where
                else:
                    state.javascript_blocked_everywhere = where
    _blocked_addresses(exceptions.get("cookies"), site, state)
    _third_party(prefs, state)


def _blocked_addresses(cookie_exceptions: object, site: Site, state: ProfileState) -> None:
    """Which sign-in addresses a per-site "block cookies" covers (their stored cookies are withheld too)."""
    rules = parse_rules(cookie_exceptions)
    for url, scheme, host, port in site.addresses:
        rule = effective_rule(rules, scheme, host, port)
        if rule is not None and rule.setting == "block":
            state.cookies_blocked_for[url] = rule.key


def _third_party(prefs: Mapping[str, Any], state: ProfileState) -> None:
    mode = _dig(prefs, "profile", "cookie_controls_mode")
    if isinstance(mode, int) and mode in _CONTROLS_MODES:
        state.third_party_cookies_blocked = f"profile.cookie_controls_mode is {mode} ({_CONTROLS_MODES[mode]})"
    elif _dig(prefs, "profile", "block_third_party_cookies") is True:
        state.third_party_cookies_blocked = "profile.block_third_party_cookies is true"


def _proxy(prefs: Mapping[str, Any], settings: Mapping[str, Any], names: Mapping[str, str]) -> ProxySetting | None:
    """The profile's own proxy (policy or extension), or None when it follows the system."""
    candidates: list[tuple[Any, str | None]] = [(prefs.get("proxy"), None)]
    for ext_id, entry in settings.items():
        if isinstance(entry, dict):
            candidates.append((_dig(entry, "preferences", "proxy"), names.get(ext_id, ext_id)))
    for value, owner in reversed(candidates):  # an extension's setting wins over the plain preference
        if not isinstance(value, dict):
            continue
        mode = _PROXY_MODES.get(str(value.get("mode", "")))
        if mode is None or mode == "system":
            continue
        return ProxySetting(
            mode=mode,
            server=str(value["server"]) if isinstance(value.get("server"), str) else None,
            pac_url=str(value["pac_url"]) if isinstance(value.get("pac_url"), str) else None,
            bypass=str(value.get("bypass_list") or ""),
            controlled_by=owner,
        )
    return None


def _jar(profile: BrowserProfile, site: Site, reader: FileReader, state: ProfileState,
         os_name: str) -> CookieJarState | None:
    path = profile.directory / "Network" / "Cookies"
    if not path.exists():
        path = profile.directory / "Cookies"
    if not path.exists():
        return None
    try:
        with open_database(path, reader, profile.who, "cookie names, sizes and flags (no values)") as (db, how):
            rows = chromium_cookies(db, how, path, site.registrable)
    except ReadError as exc:
        state.problems.append(exc)
        return None
    cookies = tuple(stored_cookies(rows.rows, os_name=os_name, schema_version=rows.schema_version))
    return CookieJarState(
        database=reader.host.show(path), read_via=rows.read_via, schema_version=rows.schema_version,
        total=rows.total, site_cookies=cookies, truncated=rows.truncated,
        sizes="estimated" if any(r[-1] > 0 for r in rows.rows) else "exact",
    )

