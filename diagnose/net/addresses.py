"""Address helpers: what kind of address a string is, and whether this device has a route out.

Pure functions over text and the routing table; nothing here sends a packet.
"""

from __future__ import annotations

import ipaddress

_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def is_ip_literal(text: str) -> bool:
    """Whether ``text`` is an IPv4 or IPv6 address (brackets allowed), not a name."""
    try:
        ipaddress.ip_address(text.strip("[]"))
        return True
    except ValueError:
        return False


def is_bogon(address: str) -> bool:
    """An address a public name should never resolve to (sinkhole, loopback, private)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private or ip.is_loopback or ip.is_unspecified or ip.is_link_local
        or ip.is_reserved or ip.is_multicast
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
    )


def is_sinkhole(address: str) -> bool:
    """0.0.0.0 or :: — the answer DNS filters give for a blocked name."""
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


def family(address: str) -> str:
    """``ipv6`` or ``ipv4``."""
    return "ipv6" if ":" in address else "ipv4"


def hostport(host: str, port: int) -> str:
    """``host:port``, with brackets around an IPv6 address."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def has_default_route() -> bool | None:
    """Whether the routing table has any default route (None when it cannot be read).

    Reads ``/proc/net/route`` and ``/proc/net/ipv6_route`` on Linux; no packet
    is sent. Elsewhere the answer is None and callers rely on the DNS evidence.
    """
    found: list[bool] = []
    for path, is_default in (("/proc/net/route", _ipv4_default), ("/proc/net/ipv6_route", _ipv6_default)):
        try:
            with open(path, encoding="ascii") as fh:
                found.append(any(is_default(line.split()) for line in fh))
        except OSError:
            continue
        if found[-1]:
            return True
    return False if found else None


def _ipv4_default(fields: list[str]) -> bool:
    return len(fields) > 2 and fields[1] == "00000000" and fields[0] not in ("lo", "Iface")


def _ipv6_default(fields: list[str]) -> bool:
    return len(fields) >= 10 and fields[0] == "0" * 32 and fields[1] == "00" and fields[9] != "lo"
