"""Vendor profiles: what "official" means for one web app, kept as TOML data.

A profile names the vendor's official domains and sign-in addresses, its
support address, vendor facts that sharpen the advice (Atera: 5 failed attempts
lock the account for 15 minutes), and one table per check for check-specific
settings (``[connectivity]``, ``[clock]``, …). Built-in profiles live beside
this module; ``--profile FILE`` loads a person's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from diagnose.inputs.limits import MAX_PROFILE_BYTES
from diagnose.settings import UsageError

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

    The file is read at the door (:mod:`diagnose.inputs`): a regular file of at
    most :data:`~diagnose.inputs.limits.MAX_PROFILE_BYTES`, UTF-8 TOML within the
    nesting and number limits, checked against the profile schema. Raises
    :class:`UsageError` with one plain sentence naming the file and the key.
    """
    from diagnose.inputs.files import read_regular
    from diagnose.inputs.profile import parse_profile
    from diagnose.inputs.text import shown

    if spec.endswith(".toml") or "/" in spec or "\\" in spec or _is_file(spec):
        origin = shown(spec, 200)
        data = read_regular(spec, limit=MAX_PROFILE_BYTES, what=f"profile file {origin}")
    else:
        resource = resources.files(__name__).joinpath(f"{spec}.toml")
        if not spec.isidentifier() or not resource.is_file():
            known = ", ".join(builtin_profiles())
            raise UsageError(
                f"unknown profile {shown(spec)!r} (built-in profiles: {known}; or give a .toml file)"
            )
        data = resource.read_bytes()
        origin = spec
    return _build(parse_profile(data, origin), origin)


def _is_file(spec: str) -> bool:
    try:
        return Path(spec).is_file()
    except (OSError, ValueError):
        return False


def profile_from_mapping(data: Mapping[str, Any], *, origin: str = "profile") -> Profile:
    """Validate (against the schema in :mod:`diagnose.inputs.profile`) and build a :class:`Profile`
    from parsed TOML or a mapping built in code (the lab's)."""
    from diagnose.inputs.profile import validate_profile

    validate_profile(data, origin)
    return _build(data, origin)


def _build(data: Mapping[str, Any], origin: str) -> Profile:
    """A :class:`Profile` from data the schema accepted."""
    signin_urls = tuple(data.get("signin_urls", ())) or (data["default_url"],)
    return Profile(
        name=data["name"],
        vendor=data["vendor"],
        default_url=data["default_url"],
        official_domains=tuple(d.lower().strip(".") for d in data["official_domains"]),
        signin_urls=signin_urls,
        support_url=str(data.get("support_url", "")),
        description=str(data.get("description", "")),
        brand=str(data.get("brand", "")),
        facts=dict(data.get("facts", {})),
        advice={str(k): str(v) for k, v in data.get("advice", {}).items()},
        sections={k: v for k, v in data.items() if k not in _KNOWN_KEYS and isinstance(v, dict)},
    )
