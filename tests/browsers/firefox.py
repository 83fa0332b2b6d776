"""Firefox ESR headless, on loopback only, driven over Marionette.

Marionette (``--marionette``) is Firefox's own automation protocol: JSON
commands over a local TCP socket, each message prefixed with its byte length
(``123:[0, 1, "WebDriver:Navigate", {...}]``). The client below is the few
commands the tests need; no geckodriver, no Selenium.

The profile is throw-away and quiet (:data:`USER_PREFS`): every host name
resolves to 127.0.0.1 (``network.dns.forceResolve``), no proxy, no captive
portal or connectivity probes, no DNS-over-HTTPS, no HTTP/3, no telemetry,
updates, remote settings, Normandy, push, Safe Browsing or MITM priming.
Firefox's socket log (``MOZ_LOG=nsSocketTransport:5``) records every address
it connects to; :meth:`Firefox.connected_addresses` reads it and
:meth:`Firefox.assert_loopback_only` is the same guard as Chromium's net-log.
Lab roots are trusted in the profile's own ``cert9.db`` (``certutil``), as
an administrator or an interception product would install them.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.browsers import nss

CANDIDATES = ("/usr/lib/firefox-esr/firefox-esr", "firefox-esr", "firefox")
ENV_BINARY = "LOGIN_DOCTOR_FIREFOX"


def find_firefox() -> str | None:
    """The Firefox binary: ``$LOGIN_DOCTOR_FIREFOX``, else the first of :data:`CANDIDATES` found."""
    override = os.environ.get(ENV_BINARY)
    if override:
        return override if os.access(override, os.X_OK) else None
    for name in CANDIDATES:
        path = name if os.path.isabs(name) and os.access(name, os.X_OK) else shutil.which(name)
        if path:
            return path
    return None


USER_PREFS: Mapping[str, Any] = {
    # loopback only
    "network.dns.forceResolve": "127.0.0.1",
    "network.proxy.type": 0,
    "network.trr.mode": 5,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "network.http.speculative-parallel-limit": 0,
    "network.http.http3.enable": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "captivedetect.canonicalURL": "",
    "security.certerrors.mitm.priming.enabled": False,
    # quiet: no background service calls home
    "app.update.disabledForTesting": True,
    "app.update.auto": False,
    "app.normandy.enabled": False,
    "app.normandy.api_url": "",
    "services.settings.server": "data:,#remote-settings-dummy/v1",
    "security.remote_settings.crlite_filters.enabled": False,
    "security.remote_settings.intermediates.enabled": False,
    "dom.push.enabled": False,
    "dom.push.connection.enabled": False,
    "dom.push.serverURL": "",
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "browser.safebrowsing.provider.google4.updateURL": "",
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.server": "",
    "browser.ping-centre.telemetry": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.blocklist.enabled": False,
    "browser.region.network.url": "",
    "browser.region.update.enabled": False,
    "browser.search.update": False,
    "geo.provider.network.url": "",
    "media.gmp-manager.url": "",
    "media.gmp-gmpopenh264.enabled": False,
    "media.gmp-widevinecdm.enabled": False,
    "browser.newtabpage.enabled": False,
    "browser.startup.page": 0,
    "browser.startup.homepage": "about:blank",
    "browser.aboutwelcome.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.topsites.contile.enabled": False,
    "browser.newtabpage.activity-stream.feeds.system.topstories": False,
    "browser.contentblocking.report.lockwise.enabled": False,
    "identity.fxaccounts.enabled": False,
    "network.cookie.sameSite.laxByDefault": False,  # Firefox's shipped default, stated explicitly
    # automation
    "marionette.port": 0,
    "browser.sessionstore.resume_from_crash": False,
    "toolkit.startup.max_resumed_crashes": -1,
}
"""``user.js`` of every test profile; :attr:`FirefoxOptions.prefs` adds or overrides."""


@dataclass(frozen=True)
class FirefoxOptions:
    prefs: Mapping[str, Any] = field(default_factory=dict)
    trusted_roots: tuple[Path, ...] = ()
    """CA certificates (PEM) trusted in the profile's ``cert9.db``."""
    profile_dir: Path | None = None
    """Keep the profile here (it survives :meth:`Firefox.quit`); None: inside the work dir."""
    headless: bool = True
    """False needs a display (``xvfb-run``); the HAR auto-export needs the devtools open."""
    har_dir: Path | None = None
    """Have Firefox export a HAR of each page into this directory, by its own devtools
    (``devtools.netmonitor.har.enableAutoExportToFile``). The export needs the devtools
    window open, so Firefox then runs with a window on a private Xvfb display. A page's HAR
    is written ``devtools.netmonitor.har.pageLoadedTimeout`` (set to 500 ms) after its last
    request ends; poll the directory for it, and do not navigate away before it appears."""
    extra_args: tuple[str, ...] = ()
    startup_timeout: float = 60.0

    def all_prefs(self) -> dict[str, Any]:
        prefs = {**USER_PREFS}
        if self.har_dir is not None:
            prefs.update({
                "devtools.netmonitor.har.enableAutoExportToFile": True,
                "devtools.netmonitor.har.defaultLogDir": str(self.har_dir),
                "devtools.netmonitor.har.defaultFileName": "firefox-export",
                "devtools.netmonitor.har.includeResponseBodies": True,
                "devtools.netmonitor.har.pageLoadedTimeout": 500,
                "devtools.netmonitor.enabled": True,
                "devtools.toolbox.selectedTool": "netmonitor",
                "devtools.toolbox.host": "window",
            })
        prefs.update(self.prefs)
        return prefs


class Xvfb:
    """A private X display (``Xvfb -displayfd``: the server picks a free display number)."""

    def __init__(self) -> None:
        binary = shutil.which("Xvfb")
        if binary is None:
            raise RuntimeError("Xvfb is not installed (Debian: xvfb)")
        read_fd, write_fd = os.pipe()
        self.process = subprocess.Popen(
            [binary, "-displayfd", str(write_fd), "-nolisten", "tcp", "-screen", "0", "1280x1024x24"],
            pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        os.close(write_fd)
        with os.fdopen(read_fd) as reader:
            number = reader.readline().strip()
        if not number:
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class MarionetteError(RuntimeError):
    def __init__(self, command: str, error: str, message: str) -> None:
        super().__init__(f"{command}: {error}: {message}")
        self.error = error
        self.message = message


class Marionette:
    """A minimal Marionette client (protocol level 3)."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self._buffer = b""
        self._id = 0
        self.hello = self._receive()

    def _receive(self) -> Any:
        while b":" not in self._buffer:
            self._fill()
        size_text, _, rest = self._buffer.partition(b":")
        size = int(size_text)
        self._buffer = rest
        while len(self._buffer) < size:
            self._fill()
        body, self._buffer = self._buffer[:size], self._buffer[size:]
        return json.loads(body)

    def _fill(self) -> None:
        chunk = self._sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("Firefox closed the Marionette connection")
        self._buffer += chunk

    def send(self, command: str, params: Mapping[str, Any] | None = None, timeout: float = 60.0) -> Any:
        self._id += 1
        payload = json.dumps([0, self._id, command, dict(params or {})]).encode()
        self._sock.settimeout(timeout)
        self._sock.sendall(str(len(payload)).encode() + b":" + payload)
        while True:
            message = self._receive()
            if isinstance(message, list) and len(message) == 4 and message[0] == 1 and message[1] == self._id:
                break
        _, _, error, result = message
        if error:
            raise MarionetteError(command, str(error.get("error", "")), str(error.get("message", "")))
        return result

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()


@dataclass(frozen=True)
class FirefoxNavigation:
    """How Firefox ended a top-level navigation."""

    requested_url: str
    url: str
    """The address shown (the requested one for an error page)."""
    error_page: str | None
    """``certerror`` or ``neterror`` when Firefox showed an error page, else None."""
    error: str | None
    """The error page's ``e=`` code: ``nssBadCert``, ``dnsNotFound``, ``connectionFailure``, ``redirectLoop``, ..."""
    error_code: str | None
    """The NSS/PSM code for certificate and TLS errors: ``SEC_ERROR_UNKNOWN_ISSUER``,
    ``SSL_ERROR_BAD_CERT_DOMAIN``, ``SEC_ERROR_EXPIRED_CERTIFICATE``, ..."""
    status: int | None
    """The document's HTTP status (Navigation Timing ``responseStatus``)."""
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error_page is None and not self.timed_out and self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class FirefoxCookie:
    """A row of ``moz_cookies`` without its value."""

    host: str
    name: str
    path: str
    expiry: int
    secure: bool
    http_only: bool
    same_site: int
    value_length: int


_ERROR_SCRIPT = """
const uri = document.documentURI;
let code = null;
try {
  if (uri.startsWith("about:certerror")) code = document.getFailedCertSecurityInfo().errorCodeString;
  else if (uri.startsWith("about:neterror")) code = document.getNetErrorInfo().errorCodeString;
} catch (e) {}
let status = null;
try { status = performance.getEntriesByType("navigation")[0].responseStatus || null; } catch (e) {}
return [uri, location.href, code, status];
"""


class Firefox:
    """One headless Firefox with a throw-away (or given) profile."""

    def __init__(self, binary: str, options: FirefoxOptions, workdir: Path) -> None:
        self.binary = binary
        self.options = options
        self.workdir = workdir
        self.home = workdir / "home"
        self.profile = options.profile_dir or workdir / "profile"
        self.socket_log = workdir / "socket.log"
        self.log_path = workdir / "firefox.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.marionette: Marionette | None = None
        self.capabilities: Mapping[str, Any] = {}
        self._xvfb: Xvfb | None = None

    @classmethod
    def launch(cls, options: FirefoxOptions | None = None, *, binary: str | None = None,
               workdir: Path | None = None) -> Firefox:
        binary = binary or find_firefox()
        if binary is None:
            raise RuntimeError("Firefox is not installed (Debian: apt-get install firefox-esr)")
        work = workdir or Path(tempfile.mkdtemp(prefix="login-doctor-firefox-"))
        browser = cls(binary, options or FirefoxOptions(), work)
        try:
            browser._prepare()
            browser._start()
        except BaseException:
            browser.quit()
            raise
        return browser

    def _prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.profile.mkdir(parents=True, exist_ok=True)
        prefs = self.options.all_prefs()
        if self.options.har_dir is not None:
            self.options.har_dir.mkdir(parents=True, exist_ok=True)
        lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in prefs.items()]
        (self.profile / "user.js").write_text("\n".join(lines) + "\n", "utf-8")
        nss.create_db(self.profile)
        for index, root in enumerate(self.options.trusted_roots):
            nss.add_trusted_root(self.profile, root, f"lab-root-{index}")
        (self.profile / "MarionetteActivePort").unlink(missing_ok=True)

    def _start(self) -> None:
        args = [self.binary, "--marionette", "--no-remote", "--profile", str(self.profile)]
        headless = self.options.headless and self.options.har_dir is None
        if headless:
            args.append("--headless")
        if self.options.har_dir is not None:
            args += ["--devtools", "--remote-allow-system-access"]  # chrome context: see _wait_toolbox
            self._xvfb = Xvfb()
        args += [*self.options.extra_args, "about:blank"]
        env = {
            "HOME": str(self.home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "en_US.UTF-8",
            "TZ": os.environ.get("TZ", "UTC"), "MOZ_CRASHREPORTER_DISABLE": "1", "MOZ_DISABLE_AUTO_SAFE_MODE": "1",
            "MOZ_LOG": "timestamp,nsSocketTransport:5", "MOZ_LOG_FILE": str(self.socket_log),
            "XDG_CONFIG_HOME": str(self.home / ".config"), "XDG_CACHE_HOME": str(self.home / ".cache"),
        }
        if headless:
            env["MOZ_HEADLESS"] = "1"
        elif self._xvfb is not None:
            env["DISPLAY"] = self._xvfb.display
        elif "DISPLAY" in os.environ:
            env["DISPLAY"] = os.environ["DISPLAY"]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                             env=env, start_new_session=True, cwd=self.workdir)
        port = self._wait_port()
        self.marionette = Marionette(port)
        session = self.marionette.send("WebDriver:NewSession", {
            "capabilities": {"alwaysMatch": {"acceptInsecureCerts": False, "pageLoadStrategy": "normal"}},
        })
        self.capabilities = session.get("capabilities", {})
        if self.options.har_dir is not None:
            self._wait_toolbox()

    def _wait_toolbox(self) -> None:
        """The HAR auto-export hooks into the network monitor: wait until its toolbox window is up."""
        client = self._client()
        deadline = time.monotonic() + self.options.startup_timeout
        client.send("Marionette:SetContext", {"value": "chrome"})
        try:
            script = "return !!Services.wm.getMostRecentWindow('devtools:toolbox')"
            while not client.send("WebDriver:ExecuteScript", {"script": script, "args": []}).get("value"):
                if time.monotonic() > deadline:
                    raise RuntimeError("Firefox's devtools window did not open (needed for the HAR export)")
                time.sleep(0.1)
        finally:
            client.send("Marionette:SetContext", {"value": "content"})
        time.sleep(1.0)  # the panel attaches to the tab just after its window appears

    def _wait_port(self) -> int:
        deadline = time.monotonic() + self.options.startup_timeout
        port_file = self.profile / "MarionetteActivePort"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"Firefox exited with {self._process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError, ValueError):
                return int(port_file.read_text().strip())
            time.sleep(0.05)
        raise RuntimeError(f"Firefox did not open Marionette within {self.options.startup_timeout:g} s:\n"
                           f"{self.log_tail()}")

    @property
    def version(self) -> str:
        return str(self.capabilities.get("browserVersion", ""))

    def log_tail(self, size: int = 4000) -> str:
        try:
            return self.log_path.read_text("utf-8", "replace")[-size:]
        except OSError:
            return ""

    def trust_root(self, pem: Path, nickname: str | None = None) -> str:
        return nss.add_trusted_root(self.profile, pem, nickname)

    # ---------------------------------------------------------------- driving

    def _client(self) -> Marionette:
        assert self.marionette is not None, "Firefox is not running"
        return self.marionette

    def navigate(self, url: str, timeout: float = 20.0) -> FirefoxNavigation:
        """Load ``url`` in the tab; an error page is a result, not an exception."""
        client = self._client()
        client.send("WebDriver:SetTimeouts", {"pageLoad": int(timeout * 1000)})
        timed_out = False
        try:
            client.send("WebDriver:Navigate", {"url": url}, timeout=timeout + 10)
        except MarionetteError as exc:
            # "insecure certificate" (cert error page) and "unknown error: Reached error page"
            # are outcomes; the page is inspected below. A timeout is recorded as such.
            timed_out = exc.error == "timeout"
            if exc.error not in ("insecure certificate", "unknown error", "timeout"):
                raise
        uri, href, code, status = self.execute(_ERROR_SCRIPT)
        page = next((kind for kind in ("certerror", "neterror") if str(uri).startswith(f"about:{kind}")), None)
        error = parse_qs(urlsplit(str(uri)).query).get("e", [None])[0] if page else None
        return FirefoxNavigation(
            requested_url=url, url=str(href), error_page=page, error=error, error_code=code,
            status=int(status) if isinstance(status, (int, float)) and page is None else None, timed_out=timed_out,
        )

    def execute(self, script: str, *args: Any) -> Any:
        """Run ``script`` (a function body; ``return`` a value) in the current page."""
        return self._client().send("WebDriver:ExecuteScript", {"script": script, "args": list(args)}).get("value")

    # ---------------------------------------------------------------- after the fact

    def quit(self, timeout: float = 20.0) -> int | None:
        """Quit cleanly (cookies and the WAL are written to ``cookies.sqlite``); kill if it hangs."""
        process = self._process
        if self.marionette is not None:
            with contextlib.suppress(OSError, ConnectionError, MarionetteError, ValueError):
                self.marionette.send("Marionette:Quit", {"flags": ["eForceQuit"]}, timeout=timeout)
            self.marionette.close()
            self.marionette = None
        if process is not None:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        if self._xvfb is not None:
            self._xvfb.stop()
            self._xvfb = None
        return process.returncode if process is not None else None

    def cookies(self) -> tuple[FirefoxCookie, ...]:
        """The profile's ``moz_cookies`` rows, read from a copy of the database and its WAL
        (no value column is selected)."""
        source = self.profile / "cookies.sqlite"
        if not source.exists():
            return ()
        with tempfile.TemporaryDirectory() as tmp:
            for suffix in ("", "-wal"):
                if (self.profile / f"cookies.sqlite{suffix}").exists():
                    shutil.copy2(self.profile / f"cookies.sqlite{suffix}", Path(tmp) / f"cookies.sqlite{suffix}")
            with contextlib.closing(sqlite3.connect(f"file:{tmp}/cookies.sqlite?mode=ro", uri=True)) as db:
                rows = db.execute("SELECT host, name, path, expiry, isSecure, isHttpOnly, sameSite, length(value) "
                                  "FROM moz_cookies ORDER BY host, name").fetchall()
        return tuple(FirefoxCookie(str(h), str(n), str(p), int(e), bool(s), bool(o), int(ss), int(vl))
                     for h, n, p, e, s, o, ss, vl in rows)

    def connected_addresses(self) -> tuple[str, ...]:
        """Every address Firefox's socket transport tried to connect to (all its processes' logs)."""
        found: list[str] = []
        for path in sorted(self.workdir.glob("socket.log*")):
            for match in _CONNECT.finditer(path.read_text("utf-8", "replace")):
                address = match.group(1).strip("[]")
                if address not in found:
                    found.append(address)
        return tuple(found)

    def assert_loopback_only(self) -> None:
        """Fail (AssertionError) if Firefox tried any non-loopback address."""
        bad = []
        for address in self.connected_addresses():
            try:
                loopback = ipaddress.ip_address(address).is_loopback
            except ValueError:
                loopback = False
            if not loopback:
                bad.append(address)
        assert not bad, "Firefox contacted non-loopback addresses: " + ", ".join(bad)


_CONNECT = re.compile(r"trying address: (\S+)")
"""``nsSocketTransport::InitiateSocket`` logs ``trying address: 127.0.0.1`` for each connect attempt."""
