"""Which proxy a request goes through: the environment's settings, as a browser reads them."""

from __future__ import annotations

from collections.abc import Mapping


def environment_proxies() -> dict[str, str]:
    """Proxy settings in effect (environment, or the OS settings urllib reads)."""
    import urllib.request

    return {k: v for k, v in urllib.request.getproxies().items() if v}


def proxy_for(url: str, proxies: Mapping[str, str]) -> str | None:
    """The proxy an HTTP request to ``url`` goes through, or None for a direct connection."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host and bypassed(host, proxies.get("no", "")):
        return None
    return proxies.get(parts.scheme) or proxies.get("all")


def bypassed(host: str, no_proxy: str) -> bool:
    """Whether ``host`` is listed in ``no_proxy`` (``*``, a name, or a domain and its subdomains)."""
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        entry = entry.lstrip(".").split(":")[0]
        if host == entry or host.endswith("." + entry):
            return True
    return False
