"""Which proxy a request goes through: the environment's settings, as a browser reads them, and whether
a proxy auto-configuration (PAC) script decides instead.

PAC scripts are detected and reported, not run: a PAC is JavaScript fetched from
the network (or found by WPAD) that may call ``dnsResolve``/``myIpAddress``/``isInNet``;
running it faithfully needs a JavaScript engine and Chromium's helper semantics, and
fetching it is one more network step. See docs/connectivity.md ("Proxies and PAC").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


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
    return proxies.get(parts.scheme) or proxies.get("all") or None


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


@dataclass(frozen=True, slots=True)
class AutoConfig:
    """A proxy auto-configuration (PAC) script the browser would run to pick its proxy."""

    url: str | None
    """The script's address; None means auto-detection (WPAD: the network announces it)."""
    source: str
    """Where the setting was read: ``auto_proxy`` in the environment, GNOME's or Windows' settings."""

    def describe(self) -> str:
        where = self.url if self.url else "found by auto-detection (WPAD)"
        return f"{where}, from {self.source}"


def auto_config(proxy_env: Mapping[str, str] | None) -> AutoConfig | None:
    """The PAC setting in effect, read the way Chromium reads it where it can be read without running
    anything slow: ``auto_proxy`` (Chromium on Linux, ``proxy_config_service_linux.cc``: empty means
    auto-detect, and it wins over ``http_proxy``), GNOME's ``org.gnome.system.proxy`` (mode ``auto``),
    Windows' ``AutoConfigURL``. ``proxy_env`` given (the lab, tests): only its ``auto`` entry counts."""
    if proxy_env is not None:
        return AutoConfig(proxy_env["auto"] or None, "the environment (auto_proxy)") if "auto" in proxy_env else None
    import os

    for name in ("auto_proxy", "AUTO_PROXY"):  # base::Environment also tries the other case
        if name in os.environ:
            return AutoConfig(os.environ[name] or None, "the environment (auto_proxy)")
    return _gnome() or _windows()


def _gnome() -> AutoConfig | None:
    import shutil
    import subprocess

    gsettings = shutil.which("gsettings")
    if gsettings is None:
        return None
    try:
        mode = subprocess.run([gsettings, "get", "org.gnome.system.proxy", "mode"], capture_output=True,
                              text=True, timeout=2, check=False).stdout.strip().strip("'")
        if mode != "auto":
            return None
        url = subprocess.run([gsettings, "get", "org.gnome.system.proxy", "autoconfig-url"], capture_output=True,
                             text=True, timeout=2, check=False).stdout.strip().strip("'")
    except (OSError, subprocess.SubprocessError):
        return None
    return AutoConfig(url or None, "GNOME's proxy settings")


def _windows() -> AutoConfig | None:
    import sys

    if sys.platform != "win32":
        return None
    import winreg

    try:
        key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\Internet Settings")
        url, _kind = winreg.QueryValueEx(key, "AutoConfigURL")
    except OSError:
        return None
    return AutoConfig(str(url) or None, "Windows' internet settings (AutoConfigURL)") if url else None
