"""Vendor profiles: what "official" means for one web app, kept as TOML data.

A profile names the vendor's official domains and sign-in addresses, its
support address, vendor facts that sharpen the advice (Atera: 5 failed attempts
lock the account for 15 minutes), and one table per check for check-specific
settings (``[connectivity]``, ``[clock]``, …). Built-in profiles live beside
this module; ``--profile FILE`` loads a person's own.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from diagnose.settings import UsageError
from diagnose.words import plural

DEFAULT_PROFILE = "atera"


@dataclass(frozen=True, slots=True)
class Profile:
    """A vendor profile. Check-specific tables are in ``sections``."""

    name: str
    vendor: str
    default_url: str
    official_domains: tuple[str, ...]
    signin_urls: tuple[str, ...]
    support_url: str = ""
    description: str = ""
    brand: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)
    advice: Mapping[str, str] = field(default_factory=dict)
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> Mapping[str, Any]:
        """The ``[name]`` table of the profile (empty when absent)."""
        return self.sections.get(name, {})

    def facts_for_messages(self) -> dict[str, Any]:
        """Values a catalogue message may name in braces."""
        return {
            "vendor": self.vendor,
            "support_url": self.support_url or "the vendor's support",
            "official_domains": ", ".join(self.official_domains),
            **self.facts,
        }


_KNOWN_KEYS = {
    "name", "vendor", "default_url", "official_domains", "signin_urls", "support_url",
    "description", "brand", "facts", "advice",
}


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with login-doctor."""
    return sorted(
        p.name.removesuffix(".toml")
        for p in resources.files(__name__).iterdir()
        if p.name.endswith(".toml")
    )


def load_profile(spec: str = DEFAULT_PROFILE) -> Profile:
    """Load a built-in profile by name, or a TOML file by path.

    Raises :class:`UsageError` with one plain sentence when the profile cannot
    be found or is not valid.
    """
    path = Path(spec)
    if spec.endswith(".toml") or path.is_file() or "/" in spec or "\\" in spec:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read profile file {spec}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise UsageError(f"profile file {spec} is not UTF-8 text") from None
        origin = str(path)
    else:
        resource = resources.files(__name__).joinpath(f"{spec}.toml")
        if not resource.is_file():
            known = ", ".join(builtin_profiles())
            raise UsageError(f"unknown profile {spec!r} (built-in profiles: {known}; or give a .toml file)")
        text = resource.read_text("utf-8")
        origin = spec
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"profile {origin} is not valid TOML: {exc}") from None
    return profile_from_mapping(data, origin=origin)


def profile_from_mapping(data: Mapping[str, Any], *, origin: str = "profile") -> Profile:
    """Validate and build a :class:`Profile` from parsed TOML."""

    def need_str(key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"profile {origin}: {key!r} must be a non-empty string")
        return value

    def str_list(key: str, required: bool) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise UsageError(f"profile {origin}: {key!r} must be a list of strings")
        if required and not value:
            raise UsageError(f"profile {origin}: {key!r} must name at least one entry")
        return tuple(value)

    for key in ("facts", "advice"):
        if not isinstance(data.get(key, {}), dict):
            raise UsageError(f"profile {origin}: [{key}] must be a table")
    sections = {k: v for k, v in data.items() if k not in _KNOWN_KEYS and isinstance(v, dict)}
    stray = [k for k, v in data.items() if k not in _KNOWN_KEYS and not isinstance(v, dict)]
    if stray:
        raise UsageError(f"profile {origin}: unknown {plural(len(stray), 'setting')} {', '.join(sorted(stray))}")
    return Profile(
        name=need_str("name"),
        vendor=need_str("vendor"),
        default_url=need_str("default_url"),
        official_domains=tuple(d.lower().strip(".") for d in str_list("official_domains", True)),
        signin_urls=str_list("signin_urls", False) or (need_str("default_url"),),
        support_url=str(data.get("support_url", "")),
        description=str(data.get("description", "")),
        brand=str(data.get("brand", "")),
        facts=dict(data.get("facts", {})),
        advice={str(k): str(v) for k, v in data.get("advice", {}).items()},
        sections=sections,
    )
