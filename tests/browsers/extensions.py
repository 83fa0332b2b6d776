"""Unpacked extensions for Chromium tests (loaded with :attr:`ChromiumOptions.extension_dirs`).

:func:`content_blocker` writes a Manifest V3 extension whose ``declarativeNetRequest`` rules
block matching requests, as ad, script and privacy blockers do: Chromium fails them with
``net::ERR_BLOCKED_BY_CLIENT`` (DevTools ``blockedReason: other``), which is what a person's
HAR shows when an extension broke the sign-in page. (DevTools' own ``Network.setBlockedURLs``
and ``Fetch.failRequest`` report ``net::ERR_BLOCKED_BY_CLIENT.Inspector`` instead.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

RESOURCE_TYPES = ("script", "sub_frame", "xmlhttprequest", "image", "stylesheet", "other")


def content_blocker(directory: Path, url_filters: Sequence[str], *, name: str = "lab content blocker",
                    resource_types: Sequence[str] = RESOURCE_TYPES) -> Path:
    """Write the extension into ``directory`` (created) and return it; each of ``url_filters`` is a
    declarativeNetRequest ``urlFilter`` (e.g. ``captcha.js`` or ``||idp.example.test^``)."""
    directory.mkdir(parents=True, exist_ok=True)
    rules = [
        {"id": index, "priority": 1, "action": {"type": "block"},
         "condition": {"urlFilter": url_filter, "resourceTypes": list(resource_types)}}
        for index, url_filter in enumerate(url_filters, start=1)
    ]
    manifest = {
        "manifest_version": 3, "name": name, "version": "1.0",
        "permissions": ["declarativeNetRequest"], "host_permissions": ["<all_urls>"],
        "declarative_net_request": {"rule_resources": [{"id": "rules", "enabled": True, "path": "rules.json"}]},
    }
    (directory / "rules.json").write_text(json.dumps(rules, indent=1), "utf-8")
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    return directory
