"""Installed extensions, and the ones known to break sign-in pages.

Chromium-family browsers record extensions in ``Preferences`` (Linux) or
``Secure Preferences`` (Windows, macOS) under ``extensions.settings.<id>``:
``location`` (``mojom::ManifestLocation``: 5 and 10 are built into the
browser), ``disable_reasons`` (a list since Chromium 13x, a bit field before;
empty means enabled), the older ``state`` (0 disabled, 1 enabled), ``path``
(``<id>/<version>`` under the profile's ``Extensions`` folder, or an absolute
folder for an unpacked one) and sometimes the ``manifest``. A manifest name
like ``__MSG_extName__`` is resolved through
``_locales/<default_locale>/messages.json`` (keys compared without case, as
Chrome does). Manifests are read only for extensions the known list does not
already recognise by id.

Firefox records add-ons in ``extensions.json``: ``addons[]`` with ``id``,
``type``, ``active``, ``userDisabled``, ``appDisabled``, ``location`` and
``defaultLocale.name``. Built-in add-ons (``app-builtin…``, system add-ons)
are not the person's and are left out.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from checks._browser.files import MIB, FileReader, ReadError
from checks._browser.model import InstalledExtension
from diagnose.model import Severity

MAX_EXTENSIONS = 300
MAX_MANIFESTS = 60
"""Manifests read per profile at most (only for extensions the known list does not recognise by id)."""

_BUILT_IN_LOCATIONS = {5: "component", 10: "external component"}
_LOCATIONS = {1: "installed", 2: "installed by another program", 3: "installed by another program",
              4: "unpacked (developer mode)", 6: "installed by another program", 7: "installed by policy",
              8: "loaded from the command line", 9: "installed by policy"}
_FIREFOX_BUILT_IN = ("app-builtin", "app-system-defaults", "app-system-addons", "app-builtin-addons")


@dataclass(frozen=True, slots=True)
class KnownExtension:
    """An extension known to break sign-in pages (``known_extensions.toml`` or the vendor profile)."""

    name: str
    kind: str
    severity: Severity
    ids: frozenset[str]
    names: frozenset[str]
    """Lower-case display names it is also recognised by."""
    why: str
    note: str = ""
    """A vendor's own word about it (profile data)."""

    def matches(self, extension: InstalledExtension) -> bool:
        return extension.id in self.ids or extension.name.strip().casefold() in self.names


@cache
def _builtin_known() -> tuple[KnownExtension, ...]:
    raw = tomllib.loads(resources.files("checks._browser").joinpath("known_extensions.toml").read_text("utf-8"))
    return tuple(_known(entry) for entry in raw.get("extension", []))


def _known(entry: Mapping[str, Any], base: KnownExtension | None = None) -> KnownExtension:
    name = str(entry.get("name") or (base.name if base else ""))
    names = {str(n).casefold() for n in entry.get("names", [])} | {name.casefold()}
    severity = Severity(str(entry["severity"])) if "severity" in entry else (base.severity if base else Severity.LOW)
    return KnownExtension(
        name=name,
        kind=str(entry.get("kind") or (base.kind if base else "extension")),
        severity=severity,
        ids=frozenset(str(i) for i in entry.get("ids", [])) | (base.ids if base else frozenset()),
        names=frozenset(names) | (base.names if base else frozenset()),
        why=str(entry.get("why") or (base.why if base else "is known to interfere with sign-in pages.")),
        note=str(entry.get("note") or (base.note if base else "")),
    )


def known_extensions(extra: object = ()) -> tuple[KnownExtension, ...]:
    """The built-in list, extended by a profile's ``[[browser.known_extensions]]`` entries.

    An entry with the name of a built-in one adds ids, names or a vendor note
    to it; any other entry is a new known extension. Malformed entries are skipped.
    """
    known = list(_builtin_known())
    for entry in extra if isinstance(extra, list) else []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        try:
            index = next((i for i, k in enumerate(known) if k.name.casefold() == str(entry["name"]).casefold()), None)
            if index is None:
                known.append(_known(entry))
            else:
                known[index] = _known(entry, known[index])
        except (ValueError, TypeError):
            continue
    return tuple(known)


def recognise(extension: InstalledExtension, known: tuple[KnownExtension, ...]) -> KnownExtension | None:
    return next((k for k in known if k.matches(extension)), None)


# ----------------------------------------------------------------------- Chromium


def chromium_extensions(settings: Mapping[str, Any], profile_dir: Path, reader: FileReader, who: tuple[str, str],
                        known: tuple[KnownExtension, ...]) -> list[InstalledExtension]:
    """The profile's own extensions from ``extensions.settings`` (built-in ones left out)."""
    out: list[InstalledExtension] = []
    manifests_read = 0
    known_ids = {i: k for k in known for i in k.ids}
    for ext_id, entry in list(settings.items())[:MAX_EXTENSIONS]:
        if not isinstance(entry, dict) or not isinstance(ext_id, str):
            continue
        location = entry.get("location")
        if location in _BUILT_IN_LOCATIONS:
            continue
        manifest = entry.get("manifest") if isinstance(entry.get("manifest"), dict) else None
        name = str(manifest.get("name", "")) if manifest else ""
        version = str(manifest.get("version", "")) if manifest else ""
        if ext_id in known_ids and (not name or name.startswith("__MSG_")):
            name = known_ids[ext_id].name
        elif (not name or name.startswith("__MSG_")) and manifests_read < MAX_MANIFESTS:
            manifests_read += 1
            name, version = _manifest_name(entry.get("path"), profile_dir, reader, who, name, version)
        enabled, state = _chromium_state(entry)
        out.append(InstalledExtension(
            id=ext_id, name=name or ext_id, version=version, enabled=enabled,
            location=_LOCATIONS.get(location, "") if isinstance(location, int) else "", state=state,
        ))
    return out


def _chromium_state(entry: Mapping[str, Any]) -> tuple[bool, str]:
    reasons = entry.get("disable_reasons")
    if isinstance(reasons, list) and reasons:
        codes = [r for r in reasons if isinstance(r, int)]
        return False, "disabled" + (f" (reasons {', '.join(str(c) for c in codes[:8])})" if codes else "")
    if isinstance(reasons, int) and not isinstance(reasons, bool) and reasons:
        return False, f"disabled (reasons {reasons:#x})"
    if entry.get("state") == 0:
        return False, "disabled"
    return True, ""


def _manifest_name(path: object, profile_dir: Path, reader: FileReader, who: tuple[str, str], name: str,
                   version: str) -> tuple[str, str]:
    """(name, version) from the extension's ``manifest.json``, ``__MSG_…__`` resolved."""
    if not isinstance(path, str) or not path:
        return name, version
    folder = Path(path)
    if not folder.is_absolute():
        folder = profile_dir / "Extensions" / path
    try:
        manifest = reader.read_json(folder / "manifest.json", limit=MIB, who=who, purpose="an extension's name")
    except ReadError:
        return name, version
    raw = str(manifest.get("name", name) or name)
    version = str(manifest.get("version", version) or version)
    if raw.startswith("__MSG_") and raw.endswith("__"):
        raw = _message(raw[6:-2], folder, manifest.get("default_locale"), reader, who) or raw
    return raw, version


def _message(key: str, folder: Path, locale: object, reader: FileReader, who: tuple[str, str]) -> str:
    if not isinstance(locale, str) or not locale or "/" in locale or "\\" in locale or ".." in locale:
        return ""
    try:
        messages = reader.read_json(folder / "_locales" / locale / "messages.json", limit=2 * MIB, who=who,
                                    purpose="an extension's translated name")
    except ReadError:
        return ""
    wanted = key.casefold()
    for k, v in messages.items():
        if str(k).casefold() == wanted and isinstance(v, dict):
            return str(v.get("message", ""))
    return ""


# ----------------------------------------------------------------------- Firefox


def firefox_extensions(data: Mapping[str, Any]) -> list[InstalledExtension]:
    """The person's add-ons from ``extensions.json`` (themes, dictionaries and built-ins left out)."""
    addons = data.get("addons")
    out: list[InstalledExtension] = []
    for addon in addons[:MAX_EXTENSIONS] if isinstance(addons, list) else []:
        if not isinstance(addon, dict) or addon.get("type") != "extension":
            continue
        location = str(addon.get("location") or "")
        if location.startswith(_FIREFOX_BUILT_IN):
            continue
        raw_locale = addon.get("defaultLocale")
        locale: dict[str, Any] = raw_locale if isinstance(raw_locale, dict) else {}
        ext_id = str(addon.get("id") or "")
        name = str(locale.get("name") or addon.get("name") or ext_id)
        state = ""
        if addon.get("userDisabled"):
            state = "disabled by you"
        elif addon.get("appDisabled"):
            state = "disabled by Firefox (incompatible or blocked)"
        elif addon.get("softDisabled"):
            state = "disabled by Firefox (soft-blocked)"
        enabled = bool(addon.get("active")) and not state
        if not enabled and not state:
            state = "not active"
        out.append(InstalledExtension(id=ext_id, name=name, version=str(addon.get("version") or ""),
                                      enabled=enabled, location=location, state=state))
    return out

