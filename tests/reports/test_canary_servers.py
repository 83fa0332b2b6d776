"""The server canary test (issue 20, issue 15 item 5): nothing a server says reaches any output unredacted.

The lab scenario ``server-canaries`` (:mod:`diagnose.lab.scenarios.canaries`)
plants a distinct canary in every field the sign-in service controls: the
reason phrase (a bare word, and ``access_token=…``), every header value
(``Server``, ``WWW-Authenticate``, ``X-Debug``, ``Date``, ``Age``), the body,
the certificate's subject, cookie values, ``Expires``/``Max-Age`` and an unknown
cookie attribute, and
``Location`` at every position (absolute with user info, a path parameter, a
query and a fragment; scheme-relative with user info and SAML parameters;
relative with JWTs in the path and the query and a token in a single-page-app
fragment). A proxy in the environment carries a user name and password, and
answers 407 with a reason phrase and a challenge of its own.

Outputs searched, whole and in every 12-character piece, case-insensitively:
stdout, stderr with progress on (stderr a terminal, headless), the five ``-o``
formats, ``render`` into every format, ``summarize`` in every format, and the
TUI (its main screen and every item screen that shows a result, folded evidence
included, and the summary its ``c`` key copies).

Not planted, and why: DNS answers (no check records anything of an answer
but its addresses; a CNAME or TXT never reaches a report), an NTP reference id
(four bytes: no room for a 12-character canary), a certificate's URI SAN (not
recorded). Shown on purpose (:data:`~diagnose.lab.scenarios.canaries.SHOWN`):
cookie names, host names, the ``Server`` product and a certificate's
organisation; the test checks they *are* shown, proving the run met them.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from diagnose.cli import run
from diagnose.environment import Environment
from diagnose.events import Event
from diagnose.lab.scenario import Lab, LabRun, all_scenarios, lab_net
from diagnose.lab.scenarios.canaries import CANARIES, LOW_ENTROPY_COOKIE, SHOWN
from diagnose.lab.servers import LabServer, LabThread
from diagnose.net import DnsServerResolver, Net
from diagnose.registry import discover
from diagnose.session import Diagnosis, make_target
from diagnose.settings import Settings
from diagnose.tui.app import LoginDoctorApp
from diagnose.tui.screens.detail import DetailScreen
from diagnose.tui.summary import short_summary
from reports.render import FORMATS
from reports.schema import validation_errors
from tests.diagnose.tui.conftest import wait_for

PIECE = 12
"""Length of the pieces of a canary searched for (issue 20: "in any 12-character piece")."""

FILES = {"json": "json", "markdown": "md", "html": "html", "text": "txt", "junit": "xml"}
SUMMARIZE_FORMATS = ("markdown", "csv", "json")


class CanarySite:
    """The scenario's servers, running in a lab thread for the whole module."""

    def __init__(self, thread: LabThread) -> None:
        self.thread = thread
        self.lab = Lab()
        thread.run(self.lab.__aenter__())
        self._cm = all_scenarios()["server-canaries"].factory(self.lab)
        self.run: LabRun = thread.run(self._cm.__aenter__())
        self.site: LabServer = self.run.observed["site"]
        self.proxy: LabServer = self.run.observed["proxy"]

    def close(self) -> None:
        self.thread.run(self._cm.__aexit__(None, None, None))
        self.thread.run(self.lab.__aexit__(None, None, None))


@pytest.fixture(scope="module")
def canary_site() -> Iterator[CanarySite]:
    with LabThread() as thread:
        site = CanarySite(thread)
        try:
            yield site
        finally:
            site.close()


def _environment(site: CanarySite, proxy_env: dict[str, str]) -> Environment:
    dns = site.run.observed["dns"]

    def net_factory(settings: Settings) -> Net:
        resolver = DnsServerResolver(dns.host, dns.port, label="system (lab dns)", timeout=2.0)
        return Net(settings, system_resolver=resolver, proxy_env=proxy_env)

    # stderr is a terminal (progress on, as a person sees it); stdout is not (headless, JSON).
    return Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), stdin_isatty=False,
                       stdout_isatty=False, stderr_isatty=True, net_factory=net_factory, environ={})


def _diagnose(site: CanarySite, tmp: Path, proxy_env: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Run the console entry point once; every output it produced, by name."""
    profile = tmp / "profile.toml"
    profile.write_text(site.lab.profile_toml(site.run.url), encoding="utf-8")
    files = {fmt: tmp / f"report.{ext}" for fmt, ext in FILES.items()}
    env = _environment(site, proxy_env)
    argv = [site.run.url, "--headless", "--profile", str(profile), "--ca-file", str(site.lab.ca_file),
            "--no-plugins", "--format", "json", "--timeout", "30"]
    for path in files.values():
        argv += ["-o", str(path)]
    code = run(argv, env)
    outputs = {f"-o {path.name}": path.read_text("utf-8") for path in files.values()}
    outputs["stdout"] = env.stdout.getvalue()  # type: ignore[attr-defined]
    outputs["stderr"] = env.stderr.getvalue()  # type: ignore[attr-defined]
    for fmt in FORMATS:
        out = Environment(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=False, environ={})
        assert run(["render", str(files["json"]), "--format", fmt], out) == 0
        outputs[f"render {fmt}"] = out.stdout.getvalue()  # type: ignore[attr-defined]
    for fmt in SUMMARIZE_FORMATS:
        out = Environment(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=False, environ={})
        assert run(["summarize", str(files["json"]), "--format", fmt], out) == 0
        outputs[f"summarize {fmt}"] = out.stdout.getvalue()  # type: ignore[attr-defined]
    return code, outputs


def _leaks(outputs: dict[str, str]) -> list[tuple[str, str, str]]:
    """(output, canary, piece) for every 12-character piece of a canary found in an output."""
    found = []
    for where, text in outputs.items():
        low = text.lower()
        for name, value in CANARIES.items():
            piece = next((value[i : i + PIECE] for i in range(len(value) - PIECE + 1)
                          if value[i : i + PIECE].lower() in low), None)
            if piece is not None:
                found.append((where, name, piece))
    return found


@pytest.fixture(scope="module")
def direct(canary_site: CanarySite, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, Any]]:
    started = time.monotonic()
    code, outputs = _diagnose(canary_site, tmp_path_factory.mktemp("direct"), proxy_env={})
    assert code in (0, 1, 3), outputs["stderr"]
    print(f"direct canary run and its renders: {time.monotonic() - started:.1f} s")
    return outputs, json.loads(outputs["stdout"])


@pytest.fixture(scope="module")
def proxied(canary_site: CanarySite, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, Any]]:
    proxy = canary_site.run.observed["proxy_url"]
    code, outputs = _diagnose(canary_site, tmp_path_factory.mktemp("proxied"), proxy_env={"https": proxy, "http": proxy})
    assert code in (1, 3), outputs["stderr"]
    return outputs, json.loads(outputs["stdout"])


# ----------------------------------------------------------------- the run met every planted field


def test_the_direct_run_met_every_field(direct: tuple[dict[str, str], dict[str, Any]], canary_site: CanarySite) -> None:
    outputs, report = direct
    assert validation_errors(report) == []
    checks = {c["id"]: c for c in report["checks"]}
    for check_id, status in all_scenarios()["server-canaries"].expect.items():
        assert checks[check_id]["status"] == status.value, checks[check_id]["summary"]
    # Every step of the flow was requested, and the walk saw each answer.
    paths = [r.path for r in canary_site.site.requests]
    assert {"/users/login", "/step3"} <= set(paths) and any(p.startswith("/step2") for p in paths)
    assert any(p.endswith("/final") for p in paths)
    hops = checks["redirects"]["details"]["hops"]
    assert [h["status"] for h in hops] == [302, 302, 302, 500]
    assert hops[0]["reason"] == "[redacted]" and hops[1]["reason"] == "Found"
    assert hops[0]["location"].startswith("https://[redacted]@app.atera-lab.test:")
    assert hops[1]["location"].startswith("//[redacted]@app.atera-lab.test:")
    assert "[signature redacted]" in hops[2]["location"]
    assert checks["connectivity"]["details"]["http"]["reason"] == "[redacted]"
    # What was removed is named from the vocabulary, never by what it held.
    assert {"reason_phrase", "header:Date", "header:Age", "url:userinfo:password", "query:code", "query:state",
            "fragment:access_token", "param:jsessionid", "query:SAMLResponse", "query:RelayState",
            "query:id_token_hint", "jwt:signature", "cookie:sid", "cookie:pref", "param:token"} <= set(report["redactions"])
    # Progress was on: one line per check on stderr.
    assert outputs["stderr"].count("ms  ") == len(report["checks"])


def test_names_are_shown_on_purpose(direct: tuple[dict[str, str], dict[str, Any]]) -> None:
    # Cookie names, host names, the server's own name and a certificate's organisation are the
    # diagnosis, not secrets (docs/redaction.md): the markers planted there are in the report.
    _outputs, report = direct
    text = json.dumps(report).lower()
    missing = [name for name, marker in SHOWN.items() if marker.lower() not in text]
    assert not missing


def test_no_canary_in_any_output_of_the_direct_run(direct: tuple[dict[str, str], dict[str, Any]]) -> None:
    outputs, _report = direct
    assert len(outputs) == len(FILES) + 2 + len(FORMATS) + len(SUMMARIZE_FORMATS)
    assert _leaks(outputs) == []


def test_no_canary_in_any_output_of_the_proxied_run(proxied: tuple[dict[str, str], dict[str, Any]],
                                                     canary_site: CanarySite) -> None:
    outputs, report = proxied
    # The run did go to the proxy, which refused it (407) …
    assert any(r.method == "CONNECT" for r in canary_site.proxy.requests)
    codes = [f["code"] for c in report["checks"] for f in c["findings"]]
    assert "connectivity.http_proxy_auth_required" in codes
    assert report["environment"]["proxy_in_use"] == f"http://[redacted]@127.0.0.1:{canary_site.proxy.port}"
    # … and nothing of the proxy's URL or answer appears anywhere.
    assert _leaks(outputs) == []


# ----------------------------------------------------------------- the terminal app


async def test_no_canary_on_any_screen_of_the_tui(canary_site: CanarySite,
                                                  direct: tuple[dict[str, str], dict[str, Any]]) -> None:
    # A real run of the scenario; the app is shown its events as its worker would post them
    # (test_pilot runs the engine inside the app), then every screen that shows a result is read.
    run_ = canary_site.run
    registry = discover(plugins=False)
    diagnosis = Diagnosis(target=make_target(run_.url, run_.profile), profile=run_.profile, plan=registry.plan(),
                          settings=run_.settings, net=lab_net(run_.settings, run_.observed["dns"]))
    events: list[Event] = []
    report = await diagnosis.run(events.append)
    app = LoginDoctorApp(diagnosis)
    screens: dict[str, str] = {}
    async with app.run_test(size=(120, 80)) as pilot:
        app.replay(events)
        await wait_for(pilot, lambda: app.report is report and app.drawn, "the replayed report")
        screens["main"] = "\n".join(str(s.render()) for s in app.screen.query(Static))
        # Every item that shows a check's result (the others show fixed advice and steps).
        for row in (r for r in app.state.rows if any(c in app.state.results for c in r.checks)):
            await app.push_screen(DetailScreen(row, app.state))
            await wait_for(pilot, lambda: bool(app.screen.query(".evidence")), f"the {row.key} screen")
            screens[row.key] = "\n".join(str(s.render()) for s in app.screen.query(Static))
            app.pop_screen()
            await asyncio.sleep(0)
        assert len(screens) > 5
        screens["copied summary"] = short_summary(report)
        await pilot.press("q")
    assert "[redacted]" in "".join(screens.values())  # the screens do show what was met, redacted
    assert _leaks(screens) == []
    # Another report, another key: the same low-entropy cookie value gets a different hash.
    _outputs, cli_report = direct
    tui_hashes = _value_hashes(report.check("redirects").details)  # type: ignore[union-attr]
    cli_hashes = _value_hashes(next(c for c in cli_report["checks"] if c["id"] == "redirects")["details"])
    assert len(tui_hashes) == len(cli_hashes) == 1 and tui_hashes != cli_hashes


def _value_hashes(details: Any) -> set[str]:
    """The value hashes of the low-entropy cookie, everywhere the redirects check describes it."""
    name = LOW_ENTROPY_COOKIE.split("=")[0]
    found = {o["value_hash"] for h in details["hops"] for o in h.get("set_cookies", []) if o["name"] == name}
    found |= {c["value_hash"] for c in details["cookies_at_end"] if c["name"] == name}
    return found


def test_one_value_one_hash_within_a_report(direct: tuple[dict[str, str], dict[str, Any]]) -> None:
    # admin=1 is set at two steps and kept in the jar: one hash for all three mentions.
    _outputs, report = direct
    details = next(c for c in report["checks"] if c["id"] == "redirects")["details"]
    mentions = [o for h in details["hops"] for o in h.get("set_cookies", []) if o["name"] == "admin"]
    assert len(mentions) == 2
    assert len(_value_hashes(details)) == 1 and next(iter(_value_hashes(details))).startswith("hmac-sha256:")
