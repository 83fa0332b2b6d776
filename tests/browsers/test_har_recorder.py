"""The Chromium HAR recorder writes what DevTools' "Save all as HAR" writes, from a real sign-in flow."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from diagnose.lab.scenario import SIGNIN_PAGE
from diagnose.lab.servers import LabRequest, LabResponse, closed_port
from tests.browsers.fixtures import ChromiumCase
from tests.browsers.har import HarRecorder
from tests.browsers.lab import LabScenarios

pytestmark = pytest.mark.browser

ENTRY_KEYS = {"startedDateTime", "time", "request", "response", "cache", "timings"}
REQUEST_KEYS = {"method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"}
RESPONSE_KEYS = {"status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL",
                 "headersSize", "bodySize"}


def test_a_recorded_flow_has_hops_cookies_errors_and_chrome_extensions(
        chromium_case: ChromiumCase, lab_scenarios: LabScenarios, tmp_path: Path) -> None:
    dead = closed_port()
    page_html = SIGNIN_PAGE.replace("</body>", f'<img src="https://app.atera-lab.test:{dead}/logo.png"></body>')

    def app(request: LabRequest) -> LabResponse:
        if request.path == "/":
            return LabResponse.redirect("/users/login?next=%2Fdashboard",
                                        headers=[("Set-Cookie", "session=canary-9f2; Path=/; Secure; HttpOnly")])
        return LabResponse.html(page_html)

    with lab_scenarios.lab() as lab:
        server = lab_scenarios.run(lab.https(app))
        port = server.port
        chromium_case.trust(lab.ca_file)
        with HarRecorder(chromium_case.page) as recorder:
            result = chromium_case.page.navigate(server.url("/", host="app.atera-lab.test"))
        path = recorder.save(tmp_path / "flow.har")
    assert result.ok
    log = json.loads(path.read_text("utf-8"))["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "WebInspector"
    [page] = log["pages"]
    assert page["pageTimings"]["onLoad"] >= 0
    entries = log["entries"]
    for entry in entries:
        assert entry.keys() >= ENTRY_KEYS and entry["request"].keys() >= REQUEST_KEYS
        assert entry["response"].keys() >= RESPONSE_KEYS
        datetime.fromisoformat(entry["startedDateTime"].replace("Z", "+00:00"))
    by_path = {entry["request"]["url"].split(str(port), 1)[-1]: entry for entry in entries}
    first, login = by_path["/"], by_path["/users/login?next=%2Fdashboard"]
    assert first["response"]["status"] == 302
    assert [c["name"] for c in first["response"]["cookies"]] == ["session"]
    assert first["response"]["cookies"][0]["httpOnly"] is True
    assert login["response"]["status"] == 200 and login["_resourceType"] == "document"
    # request.cookies as DevTools writes includedRequestCookies: whole cookie objects, value included
    [sent] = login["request"]["cookies"]
    assert (sent["name"], sent["value"], sent["path"], sent["domain"]) == ("session", "canary-9f2", "/", "app.atera-lab.test")
    assert (sent["expires"], sent["httpOnly"], sent["secure"]) == (None, True, True)
    # Log.ts: connection is the remote port, _connectionId Chromium's id, _fromCache only for cache hits
    assert login["connection"] == str(port) and login["_connectionId"].isdigit() and "_fromCache" not in login
    assert login["request"]["httpVersion"] == "HTTP/1.1" and login["request"]["headersSize"] > 0
    assert first["response"]["redirectURL"] == "/users/login?next=%2Fdashboard"  # the raw Location
    assert login["timings"]["_blocked_queueing"] != 0 and login["time"] >= login["timings"]["wait"]
    assert login["request"]["queryString"] == [{"name": "next", "value": "/dashboard"}]
    assert "Sign in" in login["response"]["content"]["text"]
    assert login["response"]["_transferSize"] > 0 and login["serverIPAddress"] == "127.0.0.1"
    assert login["pageref"] == page["id"] and first["pageref"] == page["id"]
    [logo] = [e for e in entries if e["request"]["url"].endswith("/logo.png")]
    assert logo["response"]["status"] == 0 and logo["response"]["_error"] == "net::ERR_CONNECTION_REFUSED"
    assert logo["_resourceType"] == "image" and logo["_initiator"]["type"] == "parser"
