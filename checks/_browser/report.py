"""The ``details`` of the ``browser`` check's result: what was read, per profile, and every file."""

from __future__ import annotations

from typing import Any

from checks._browser.cookies import header_bytes
from checks._browser.inspect import Inspection
from checks._browser.judge import Facts, Sending
from checks._browser.model import ProfileState, Site

PRIVACY = (
    "This check read the settings of the web browsers installed for the current user on this device: "
    "read-only, without changing anything, and without reading any cookie value (only cookie names, "
    "sizes, flags and expiry). Every file it opened is listed under files_read. Turn it off with --skip browser."
)
MAX_COOKIES_LISTED = 60


def details(inspection: Inspection, site: Site, facts: Facts, sendings: list[Sending]) -> dict[str, Any]:
    return {
        "privacy": PRIVACY,
        "site": site.registrable,
        "signin_urls": list(site.urls),
        "identity_providers": list(site.identity_providers),
        "profiles": [_profile(state, facts, sent) for state, sent in zip(inspection.profiles, sendings, strict=True)],
        "files_read": [r.as_details() for r in inspection.files],
        "searched": inspection.searched,
        "minimum_versions": dict(facts.minimum_versions),
        "minimum_versions_note": facts.minimum_versions_note,
        "time_limit_reached": inspection.out_of_time,
        "inspection_ms": inspection.elapsed_ms,
    }


def _profile(state: ProfileState, facts: Facts, sending: Sending) -> dict[str, Any]:
    profile = state.profile
    out: dict[str, Any] = {
        "browser": profile.browser,
        "profile": profile.name,
        "directory": facts.show(profile.directory),
        "source": profile.source,
        "default_profile": profile.default,
        "version": state.version,
    }
    jar = state.jar
    if jar is not None:
        url, sent = sending.url, sending.sent
        low, high = header_bytes(sent)
        out["cookies"] = {
            "database": jar.database,
            "read_via": jar.read_via,
            "schema_version": jar.schema_version,
            "all_sites": jar.total,
            "this_site": len(jar.site_cookies),
            "this_site_limit": state.max_cookies_per_site,
            "sizes": jar.sizes,
            "truncated": jar.truncated,
            "sent_to": url,
            "sent_count": len(sent),
            "sent_bytes": low,
            "sent_bytes_up_to": high,
            "site_cookies": [c.describe() for c in jar.site_cookies[:MAX_COOKIES_LISTED]],
        }
    out["settings"] = {
        "blocked_for_site": [
            {"kind": e.kind, "host": e.host, "pattern": e.pattern, "identity_provider": e.identity_provider}
            for e in state.exceptions
        ],
        "cookies_blocked_everywhere": state.cookies_blocked_everywhere,
        "javascript_blocked_everywhere": state.javascript_blocked_everywhere,
        "third_party_cookies_blocked": state.third_party_cookies_blocked,
        "proxy": None if state.proxy is None else {
            "mode": state.proxy.mode, "server": state.proxy.server, "pac_url": state.proxy.pac_url,
            "controlled_by": state.proxy.controlled_by,
        },
    }
    if state.enterprise_roots_setting:
        out["settings"]["trusts_os_roots"] = state.enterprise_roots
        out["settings"]["trusts_os_roots_because"] = state.enterprise_roots_setting
    out["extensions"] = [
        {"id": e.id, "name": e.name, "version": e.version, "enabled": e.enabled, "state": e.state or "enabled"}
        for e in state.extensions[:100]
    ]
    if state.problems:
        out["problems"] = [{"file": facts.show(p.path), "kind": p.kind, "detail": p.detail} for p in state.problems]
    return out
