"""Launch Debian's Chromium headless on loopback only and drive it over the DevTools pipe.

:class:`Chromium` is one browser process with a throw-away ``HOME`` (its NSS
trust store) and ``--user-data-dir``, a net-log, and no way off the machine:

* every host name resolves through ``--host-resolver-rules`` (:class:`HostRules`):
  by default every name *and every IP literal* maps to 127.0.0.1, loopback
  literals (127.x, ::1) reach themselves, ``*.invalid`` and Google's
  background-service hosts do not resolve at all; Chromium never sends a DNS
  query, and QUIC is off so no UDP leaves either;
* ``--no-proxy-server`` unless the test gives a proxy;
* background services (component and model updates, network time, variations,
  safe browsing, translation, metrics upload, domain reliability) are switched
  off by flag, and what remains is caught by the resolver rules;
* the net-log records every socket: :meth:`NetLog.assert_loopback_only`
  proves, per test, that nothing but loopback was contacted.

Isolation: :meth:`Chromium.new_context` makes a fresh browser context (its own
cookie jar, cache and storage, like an incognito window) in about 20 ms, so a
module shares one process (~0.7 s to start) and each case gets a context.
The default context is the on-disk profile (``Default/``), used by the
persistent-profile mode (:attr:`ChromiumOptions.user_data_dir`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.browsers import nss
from tests.browsers.cdp import BrowserGone, CdpConnection, CdpError, CdpTimeout, JsonObject
from tests.browsers.netlog import Constants, NetLog, NetLogEvent, NetLogParser
from tests.browsers.page import BrowserCookie, Page

CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome")
"""Debian's real binary first: the ``/usr/bin/chromium`` wrapper adds flags of its own
(``/etc/chromium.d``: extensions, remote extensions) that tests must not inherit."""

ENV_BINARY = "LOGIN_DOCTOR_CHROMIUM"


def find_chromium() -> str | None:
    """The Chromium binary: ``$LOGIN_DOCTOR_CHROMIUM``, else the first of :data:`CANDIDATES` found."""
    override = os.environ.get(ENV_BINARY)
    if override:
        return override if os.access(override, os.X_OK) else None
    for name in CANDIDATES:
        path = name if os.path.isabs(name) and os.access(name, os.X_OK) else shutil.which(name)
        if path:
            return path
    return None


# ----------------------------------------------------------------------------- host rules

BACKGROUND_HOSTS = (
    "google.com", "*.google.com", "*.googleapis.com", "*.gstatic.com", "*.gvt1.com", "*.gvt2.com",
    "*.googleusercontent.com", "*.doubleclick.net",
)
"""Hosts Chromium's background services call (update checks, network time, model manifests,
connectivity checks): never resolved, so never connected to, not even on loopback."""


@dataclass(frozen=True)
class HostRules:
    """The ``--host-resolver-rules`` of a browser process (fixed for its lifetime).

    Rules are tried in order, first match wins; ``EXCLUDE`` rules apply before
    any ``MAP``. ``MAP *`` also rewrites IP literals, so a URL naming a public
    address still lands on loopback.
    """

    rules: tuple[str, ...]

    @classmethod
    def loopback(cls, mapping: Mapping[str, str] | None = None, *, not_found: Sequence[str] = ()) -> HostRules:
        """Every name to 127.0.0.1, except ``mapping`` (pattern → address, e.g. ``{"alt.test": "127.0.0.2"}``)
        and ``not_found`` patterns (plus ``*.invalid`` and :data:`BACKGROUND_HOSTS`), which do not resolve."""
        return cls.build(mapping or {}, not_found=not_found, fallback="127.0.0.1")

    @classmethod
    def only(cls, mapping: Mapping[str, str], *, not_found: Sequence[str] = ()) -> HostRules:
        """Only the names in ``mapping`` resolve (to loopback addresses); everything else is
        ``ERR_NAME_NOT_RESOLVED``."""
        return cls.build(mapping, not_found=not_found, fallback="~NOTFOUND")

    @classmethod
    def build(cls, mapping: Mapping[str, str], *, not_found: Sequence[str], fallback: str) -> HostRules:
        for pattern, target in mapping.items():
            host = target.rsplit(":", 1)[0] if target.count(":") == 1 else target
            if target != "~NOTFOUND" and not _is_loopback(host.strip("[]")):
                raise ValueError(f"host rule {pattern} -> {target}: only loopback targets are allowed")
        rules = ["EXCLUDE 127.*", "EXCLUDE [::1]", "MAP *.invalid ~NOTFOUND"]
        rules += [f"MAP {p} ~NOTFOUND" for p in (*not_found, *BACKGROUND_HOSTS)]
        rules += [f"MAP {p} {t}" for p, t in mapping.items()]
        rules.append(f"MAP * {fallback}")
        return cls(tuple(rules))

    @property
    def flag(self) -> str:
        return "--host-resolver-rules=" + ", ".join(self.rules)


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


# ----------------------------------------------------------------------------- options

DISABLED_FEATURES = (
    "NetworkTimeServiceQuerying",  # clients2.google.com/time
    "OptimizationHints", "OptimizationGuideModelDownloading", "OptimizationGuideManifestBroker",
    "MediaRouter", "DialMediaRouteProvider",  # cast discovery (mDNS/SSDP)
    "Translate", "AutofillServerCommunication", "CertificateTransparencyComponentUpdater",
    "InterestFeedContentSuggestions", "PrivacySandboxSettings4",
)

BASE_FLAGS = (
    "--headless=new",
    "--remote-debugging-pipe",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--password-store=basic",
    "--force-color-profile=srgb",
    "--mute-audio",
    "--disable-features=" + ",".join(DISABLED_FEATURES),
)
"""Flags every test browser gets; each is explained in tests/browsers/README.md."""

LOCAL_STATE: JsonObject = {
    "dns_over_https": {"mode": "off", "templates": ""},
    "browser": {"enabled_labs_experiments": []},
    "user_experience_metrics": {"reporting_enabled": False},
}
"""``Local State`` seed: no DNS-over-HTTPS upgrade (it could pick a public resolver), no metrics."""

PREFERENCES: JsonObject = {
    "safebrowsing": {"enabled": False},
    "search": {"suggest_enabled": False},
    "alternate_error_pages": {"enabled": False},
    "translate": {"enabled": False},
    "net": {"network_prediction_options": 2},
}
"""``Default/Preferences`` seed: the per-profile services that would call out."""


@dataclass(frozen=True)
class ChromiumOptions:
    """How to launch one browser process."""

    host_rules: HostRules = field(default_factory=HostRules.loopback)
    proxy_server: str | None = None
    """``--proxy-server`` value (a loopback proxy); None: ``--no-proxy-server``."""
    user_data_dir: Path | None = None
    """Keep the profile here (persistent-profile mode); None: a temporary one, deleted on close."""
    preferences: Mapping[str, Any] = field(default_factory=dict)
    """Merged into ``Default/Preferences`` before start (e.g. content-setting exceptions)."""
    local_state: Mapping[str, Any] = field(default_factory=dict)
    """Merged into ``Local State`` before start."""
    trusted_roots: tuple[Path, ...] = ()
    """CA certificates (PEM) to trust from the start; :meth:`Chromium.trust_root` adds more later."""
    netlog: bool = True
    netlog_mode: str = "IncludeSensitive"
    """``IncludeSensitive`` (cookies and headers; the default) or ``Everything`` (also socket bytes)."""
    extension_dirs: tuple[Path, ...] = ()
    """Unpacked extensions to load (``--load-extension``; e.g. :func:`tests.browsers.extensions.content_blocker`).
    Extensions act in the default context only, not in :meth:`Chromium.new_context` ones. None:
    ``--disable-extensions``."""
    extra_args: tuple[str, ...] = ()
    startup_timeout: float = 30.0


# ----------------------------------------------------------------------------- the browser


class LaunchError(RuntimeError):
    """Chromium did not start or did not answer on the DevTools pipe."""


TRAMPOLINE = (
    "import os, sys\n"
    "r, w = int(sys.argv[1]), int(sys.argv[2])\n"
    "os.dup2(r, 3); os.dup2(w, 4); os.close(r); os.close(w)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)
"""Puts our pipe ends on the child's fds 3 and 4 (where ``--remote-debugging-pipe`` looks)
without ``preexec_fn``, which is unsafe in a process with threads (lab servers)."""


def _high_fd(fd: int) -> int:
    """A copy of ``fd`` numbered 10 or more (so the trampoline's dup2 onto 3/4 cannot clobber it)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Chromium:
    """One headless Chromium process. Use :meth:`launch` (a context manager closes it)."""

    def __init__(self, binary: str, options: ChromiumOptions, workdir: Path, *, own_workdir: bool = False) -> None:
        self.binary = binary
        self.options = options
        self.workdir = workdir
        self.home = workdir / "home"
        self.user_data_dir = options.user_data_dir or workdir / "profile"
        self.nssdb = self.home / ".pki" / "nssdb"
        self.netlog_path = workdir / "netlog.json"
        self.log_path = workdir / "chromium.log"
        self._own_workdir = own_workdir
        self._process: subprocess.Popen[bytes] | None = None
        self._cdp: CdpConnection | None = None
        self.version = ""
        self._netlog_parser = NetLogParser()
        self._netlog_events: list[NetLogEvent] = []
        self._netlog_offset = 0
        self._netlog_lock = threading.Lock()
        self._barrier_page: Page | None = None
        self._barrier_count = 0
        self._contexts: list[Any] = []

    # -- lifecycle

    @classmethod
    def launch(cls, options: ChromiumOptions | None = None, *, binary: str | None = None,
               workdir: Path | None = None) -> Chromium:
        """Start Chromium; raise :class:`LaunchError` (with its log) if it does not come up."""
        options = options or ChromiumOptions()
        binary = binary or find_chromium()
        if binary is None:
            raise LaunchError("Chromium is not installed (Debian: apt-get install chromium)")
        work = Path(tempfile.mkdtemp(prefix="login-doctor-chromium-")) if workdir is None else workdir
        browser = cls(binary, options, work, own_workdir=workdir is None)
        try:
            browser._prepare()
            browser._start()
        except BaseException:
            browser.close()
            raise
        return browser

    def _prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        nss.create_db(self.nssdb)
        for index, root in enumerate(self.options.trusted_roots):
            nss.add_trusted_root(self.nssdb, root, f"lab-root-{index}")
        default = self.user_data_dir / "Default"
        default.mkdir(parents=True, exist_ok=True)
        _merge_json(self.user_data_dir / "Local State", LOCAL_STATE, self.options.local_state)
        _merge_json(default / "Preferences", PREFERENCES, self.options.preferences)

    def argv(self) -> list[str]:
        """The command line (without the trampoline)."""
        options = self.options
        args = [self.binary, *BASE_FLAGS, f"--user-data-dir={self.user_data_dir}", options.host_rules.flag]
        if os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        args.append(f"--proxy-server={options.proxy_server}" if options.proxy_server else "--no-proxy-server")
        if options.extension_dirs:
            paths = ",".join(str(p) for p in options.extension_dirs)
            args += [f"--load-extension={paths}", f"--disable-extensions-except={paths}"]
        else:
            args.append("--disable-extensions")
        if options.netlog:
            args += [f"--log-net-log={self.netlog_path}", f"--net-log-capture-mode={options.netlog_mode}"]
        args += [*options.extra_args, "about:blank"]
        return args

    def _environment(self) -> dict[str, str]:
        env = {
            "HOME": str(self.home),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "LANGUAGE": "en-US",
            "TZ": os.environ.get("TZ", "UTC"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "CHROME_HEADLESS": "1",
        }
        return env

    def _start(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        child_r, child_w = _high_fd(to_child_r), _high_fd(from_child_w)
        os.set_inheritable(child_r, True)
        os.set_inheritable(child_w, True)
        argv = [sys.executable, "-c", TRAMPOLINE, str(child_r), str(child_w), *self.argv()]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self._environment(), pass_fds=(child_r, child_w), start_new_session=True, cwd=self.workdir,
            )
        os.close(child_r)
        os.close(child_w)
        self._cdp = CdpConnection(from_child_r, to_child_w, name=f"chromium-{self._process.pid}")
        try:
            version = self._cdp.send("Browser.getVersion", timeout=self.options.startup_timeout)
        except (BrowserGone, CdpTimeout) as exc:
            raise LaunchError(f"Chromium did not answer on the DevTools pipe ({exc}):\n{self.log_tail()}") from exc
        self.version = str(version.get("product", ""))

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    @property
    def cdp(self) -> CdpConnection:
        """The raw protocol connection (browser-level commands; page sessions live on :class:`Page`)."""
        assert self._cdp is not None, "browser not started"
        return self._cdp

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, size: int = 4000) -> str:
        """The end of Chromium's stderr (D-Bus complaints filtered out)."""
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            return ""
        lines = [line for line in text.splitlines() if "dbus" not in line.lower()]
        return "\n".join(lines)[-size:]

    def close(self, timeout: float = 10.0) -> int | None:
        """Shut down cleanly (``Browser.close``: cookies and the net-log are flushed), then wait;
        kill the process group if it does not exit. Returns the exit code."""
        process = self._process
        if process is not None and process.poll() is None and self._cdp is not None and not self._cdp.closed:
            with contextlib.suppress(BrowserGone, CdpTimeout, CdpError):
                self._cdp.send("Browser.close", timeout=timeout)
        if process is not None:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # stray helpers of this group only
        if self._cdp is not None:
            self._cdp.close()
        if self._own_workdir:  # a given user_data_dir lives elsewhere and is kept
            shutil.rmtree(self.workdir, ignore_errors=True)
        return process.returncode if process is not None else None

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- trust

    def trust_root(self, pem: Path, nickname: str | None = None) -> str:
        """Trust the CA in ``pem`` from now on (NSS database in this browser's ``HOME``)."""
        return nss.add_trusted_root(self.nssdb, pem, nickname)

    # -- contexts and pages

    def new_context(self, *, proxy_server: str | None = None) -> BrowserContext:
        """A fresh, isolated browser context (own cookies, cache, storage)."""
        params: JsonObject = {"disposeOnDetach": False}
        if proxy_server:
            params["proxyServer"] = proxy_server
        context_id = str(self.cdp.send("Target.createBrowserContext", params)["browserContextId"])
        context = BrowserContext(self, context_id)
        self._contexts.append(context)
        return context

    def default_context(self) -> BrowserContext:
        """The profile's own context (``Default/``: its cookies reach ``Default/Cookies`` on disk)."""
        return BrowserContext(self, None)

    # -- net-log

    def _read_netlog(self) -> None:
        with self._netlog_lock:
            try:
                with self.netlog_path.open("rb") as handle:
                    handle.seek(self._netlog_offset)
                    data = handle.read()
            except FileNotFoundError:
                return
            # only whole lines; a partial last line is read again next time
            cut = data.rfind(b"\n") + 1
            self._netlog_offset += cut
            self._netlog_events += self._netlog_parser.feed(data[:cut].decode("utf-8", "replace"))

    def _constants(self) -> Constants:
        self._read_netlog()
        constants = self._netlog_parser.constants
        if constants is None:
            raise RuntimeError(f"no net-log at {self.netlog_path} (launched with netlog=False?)")
        return constants

    def netlog_mark(self, timeout: float = 10.0) -> int:
        """Flush the net-log to disk up to now and return a position in it.

        Chromium writes the net-log in batches of 15 events, so the harness
        loads ``http://netlog-barrier-N.invalid/`` in a page of its own (it
        fails at once, without any socket) until that request shows up in the
        file: everything logged before it is then on disk.
        """
        if not self.options.netlog:
            raise RuntimeError("this browser was launched with netlog=False")
        if self._barrier_page is None:
            self._barrier_page = self.new_context().new_page()
        deadline = time.monotonic() + timeout
        self._read_netlog()
        start = len(self._netlog_events)
        while time.monotonic() < deadline:
            self._barrier_count += 1
            marker = f"netlog-barrier-{self._barrier_count}.invalid"
            # several failing fetches: well over the 15 events that make Chromium write its queue
            script = (f"Promise.all([0, 1, 2, 3].map(i => fetch('http://{marker}/' + i, {{mode: 'no-cors'}})"
                      ".then(() => 0, () => 0)))")
            with contextlib.suppress(CdpTimeout, CdpError):
                self._barrier_page.send("Runtime.evaluate", {"expression": script, "awaitPromise": True}, timeout=5)
            poll_until = min(deadline, time.monotonic() + 2.0)
            while time.monotonic() < poll_until:
                self._read_netlog()
                position = self._find_marker(marker, start)
                if position is not None:
                    return position
                time.sleep(0.01)
        raise CdpTimeout(f"the net-log did not reach a barrier within {timeout:g} s")

    def _find_marker(self, marker: str, start: int) -> int | None:
        for index in range(start, len(self._netlog_events)):
            event = self._netlog_events[index]
            if event.type == "URL_REQUEST_START_JOB" and marker in str(event.params.get("url", "")):
                return index
        return None

    def netlog_since(self, mark: int) -> NetLog:
        """The net-log from ``mark`` (a :meth:`netlog_mark`) to now, without the barrier requests.

        Sources that began in the slice keep their later events (a socket's close).
        """
        end = self.netlog_mark()
        constants = self._constants()
        barrier = {e.source_id for e in self._netlog_events[mark:] if "netlog-barrier-" in str(e.params)}
        window = [e for e in self._netlog_events[mark:end] if e.source_id not in barrier]
        sources = {e.source_id for e in window}
        tail = [e for e in self._netlog_events[end:] if e.source_id in sources]
        return NetLog(tuple(window + tail), constants)

    @contextlib.contextmanager
    def capture(self) -> Iterator[NetLogCapture]:
        """``with browser.capture() as cap: ...`` then ``cap.netlog``: what happened inside the block."""
        capture = NetLogCapture(self, self.netlog_mark())
        yield capture
        capture.netlog = self.netlog_since(capture.mark)

    def netlog(self) -> NetLog:
        """Everything logged so far (flushed first)."""
        return self.netlog_since(0)


@dataclass
class NetLogCapture:
    """A net-log slice being recorded; ``netlog`` is set when the ``with`` block ends."""

    browser: Chromium
    mark: int
    netlog: NetLog | None = None


class BrowserContext:
    """An isolated browser context (or the default one, ``id`` None)."""

    def __init__(self, browser: Chromium, context_id: str | None) -> None:
        self.browser = browser
        self.id = context_id
        self.pages: list[Page] = []

    def new_page(self, url: str = "about:blank") -> Page:
        """A new tab in this context, attached (flat session) with Page and Network enabled."""
        params: JsonObject = {"url": url}
        if self.id is not None:
            params["browserContextId"] = self.id
        cdp = self.browser.cdp
        target_id = str(cdp.send("Target.createTarget", params)["targetId"])
        session_id = str(cdp.send("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"])
        page = Page(cdp, target_id, session_id)
        page.enable()
        self.pages.append(page)
        return page

    def cookies(self) -> tuple[BrowserCookie, ...]:
        """Every cookie in this context's jar (names, domains, paths and flags; never values)."""
        params: JsonObject = {} if self.id is None else {"browserContextId": self.id}
        result = self.browser.cdp.send("Storage.getCookies", params)
        return tuple(BrowserCookie.from_cdp(c) for c in result.get("cookies", []))

    def clear_cookies(self) -> None:
        params: JsonObject = {} if self.id is None else {"browserContextId": self.id}
        self.browser.cdp.send("Storage.clearCookies", params)

    def close(self) -> None:
        """Close its pages; dispose of the context (not the default one)."""
        for page in self.pages:
            page.close()
        self.pages.clear()
        if self.id is not None and self.browser.running():
            with contextlib.suppress(CdpError, BrowserGone, CdpTimeout):
                self.browser.cdp.send("Target.disposeBrowserContext", {"browserContextId": self.id})

    def __enter__(self) -> BrowserContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _merge_json(path: Path, *layers: Mapping[str, Any]) -> None:
    """Deep-merge ``layers`` into the JSON file at ``path`` (created if missing)."""
    data: JsonObject = {}
    if path.exists():
        with contextlib.suppress(ValueError):
            data = json.loads(path.read_text("utf-8"))
    for layer in layers:
        data = _deep_merge(data, layer)
    path.write_text(json.dumps(data), "utf-8")


def _deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> JsonObject:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
