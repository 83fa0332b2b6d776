"""Whose browsers the check reads: a home directory and an operating system.

Both are injectable: tests build fake home trees with the real Windows,
macOS and Linux layouts and run the real discovery over them on any machine.
The operating system decides the layout (``%LOCALAPPDATA%``, ``~/Library``,
``~/.config``) and a few browser behaviours (Chrome's cookie encryption, the
exclusive lock Chrome holds on Windows, Firefox trusting the operating
system's roots on Windows and macOS only).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Literal

OsName = Literal["linux", "windows", "macos"]

HOME_ENV = "LOGIN_DOCTOR_BROWSER_HOME"
"""Look for browsers under this directory instead of the home directory.

The test suite points it at an empty directory so no test reads the
developer's own browsers; a support script may point it at a copied profile tree.
"""

_SERVICE_HOMES = ("system32/config/systemprofile", "serviceprofiles/localservice", "serviceprofiles/networkservice")
"""Home directories of Windows service accounts (LocalSystem, LocalService, NetworkService)."""


def current_os() -> OsName:
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


@dataclass(frozen=True, slots=True)
class Host:
    """A home directory on an operating system, and the environment variables that move folders."""

    os: OsName
    home: Path | None
    """None when the process has no home directory (a service account)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """``LOCALAPPDATA``, ``APPDATA`` (Windows), ``XDG_CONFIG_HOME`` and ``CHROME_CONFIG_HOME`` (Linux), when set."""

    @classmethod
    def current(cls, override: Path | None = None, environ: Mapping[str, str] | None = None) -> Host:
        """This process's user, or the ``override`` home (``Settings.browser_home``, ``$LOGIN_DOCTOR_BROWSER_HOME``)."""
        environ = os.environ if environ is None else environ
        system = current_os()
        if override is None and environ.get(HOME_ENV):
            override = Path(environ[HOME_ENV])
        if override is not None:
            # A substitute home: folder variables of the real user must not leak in.
            return cls(system, override, {})
        try:
            home: Path | None = Path.home()
        except (RuntimeError, KeyError):  # no HOME and no password-database entry
            home = None
        wanted = ("LOCALAPPDATA", "APPDATA") if system == "windows" else ("XDG_CONFIG_HOME", "CHROME_CONFIG_HOME")
        return cls(system, home, {k: environ[k] for k in wanted if environ.get(k)})

    # -- folders -----------------------------------------------------------------------

    def local_appdata(self) -> Path | None:
        """``%LOCALAPPDATA%`` (Chromium-family user data on Windows)."""
        return self._folder("LOCALAPPDATA", ("AppData", "Local"))

    def roaming_appdata(self) -> Path | None:
        """``%APPDATA%`` (Firefox profiles on Windows)."""
        return self._folder("APPDATA", ("AppData", "Roaming"))

    def xdg_config(self) -> Path | None:
        """``$XDG_CONFIG_HOME`` or ``~/.config`` (Linux)."""
        value = self.env.get("XDG_CONFIG_HOME", "")
        if value and PurePath(value).is_absolute():
            return Path(value)
        return self.home / ".config" if self.home is not None else None

    def chrome_config(self) -> Path | None:
        """``$CHROME_CONFIG_HOME``, else the XDG config folder: where Chrome and Chromium keep their
        user data on Linux (``chrome/common/chrome_paths_linux.cc``)."""
        value = self.env.get("CHROME_CONFIG_HOME", "")
        if value and PurePath(value).is_absolute():
            return Path(value)
        return self.xdg_config()

    def application_support(self) -> Path | None:
        """``~/Library/Application Support`` (macOS)."""
        return self.home / "Library" / "Application Support" if self.home is not None else None

    def _folder(self, variable: str, default: tuple[str, ...]) -> Path | None:
        value = self.env.get(variable, "")
        if value:
            return Path(value)
        return self.home.joinpath(*default) if self.home is not None else None

    # -- who is this -------------------------------------------------------------------

    def no_user_reason(self) -> str | None:
        """Why this is not a person's account (so there are no browsers to read), or None."""
        if self.home is None:
            return "this process runs without a home directory (a service account), so there are no browser profiles to read"
        normalised = str(self.home).replace("\\", "/").lower()
        if any(normalised.endswith(s) for s in _SERVICE_HOMES):
            return "this process runs as a Windows service account, which has no browser profiles"
        if not self.home.is_dir():
            return f"the home directory {self.show(self.home)} does not exist, so there are no browser profiles to read"
        return None

    def show(self, path: Path | PurePath | str) -> str:
        """``path`` for the report: the home directory reads ``~`` (a path must not name the person)."""
        text = str(path)
        if self.home is None:
            return text
        home = str(self.home)
        if len(home) > 1 and (text == home or text.startswith(home.rstrip("/\\") + ("\\" if "\\" in home else "/"))):
            return "~" + text[len(home.rstrip("/\\")):]
        return text
