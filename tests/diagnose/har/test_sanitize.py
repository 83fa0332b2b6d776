"""--sanitize: every secret replaced by a correlating marker, names kept, valid HAR 1.2, idempotent; and the
canary test: no planted secret reaches the copy, any report format, stdout or stderr, whole or in any
12-character piece."""

from __future__ import annotations

import base64
import io
import json
import secrets
from pathlib import Path
from typing import Any

from diagnose.cli import run
from diagnose.environment import Environment
from diagnose.har import Sanitizer
from tests.diagnose.har.harschema import har_errors
from tests.diagnose.har.leaks import leaks
from tests.diagnose.har.shapes import Step, chrome_har, firefox_har, sanitize_file, write


def canary(tag: str) -> str:
    return f"{tag}{secrets.token_hex(10)}"


def b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(claim: str) -> str:
    return f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{b64url({'sub': claim, 'email': claim + '@x.test'})}.{canary('sig')}"


def canary_har(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    c = {name: canary(name[:4]) for name in (
        "cookie", "setcookie", "setcookie2", "bearer_opaque", "proxy_pw", "code", "state", "access_token_q",
        "refresh_token_q", "code_verifier_q", "client_secret_q", "frag_access", "frag_state", "form_code",
        "form_verifier", "form_secret", "form_refresh", "json_refresh", "json_secret", "resp_access", "resp_refresh",
        "samlreq", "samlresp", "username", "password", "remember", "hidden_csrf", "hidden_flow", "hidden_saml",
        "userinfo", "multipart_field", "ws_token", "b64_token", "body_bearer", "apikey", "meta_csrf")}
    c["jwt_header"] = jwt(canary("jwthdr"))
    c["jwt_url"] = jwt(canary("jwturl"))
    c["jwt_body"] = jwt(canary("jwtbody"))
    c["id_token_q"] = jwt(canary("idtq"))
    c["basic"] = base64.b64encode(f"alice:{c['proxy_pw']}".encode()).decode()
    login = (f"https://app.atera.com/oauth/callback?code={c['code']}&state={c['state']}&access_token={c['access_token_q']}"
             f"&refresh_token={c['refresh_token_q']}&code_verifier={c['code_verifier_q']}&client_secret={c['client_secret_q']}"
             f"&id_token={c['id_token_q']}#access_token={c['frag_access']}&state={c['frag_state']}")
    html = (f'<html><head><meta name="csrf-token" content="{c["meta_csrf"]}"></head><body><form method="post">'
            f'<input type="hidden" name="__RequestVerificationToken" value="{c["hidden_csrf"]}">'
            f'<input type="hidden" name="flowId" value="{c["hidden_flow"]}">'
            f'<input type="hidden" name="SAMLResponse" value="{c["hidden_saml"]}"></form>'
            f'<script>fetch("/api", {{headers: {{"Authorization": "Bearer {c["body_bearer"]}"}}}})</script></body></html>')
    boundary = "----WebKitFormBoundaryABC"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n{c['multipart_field']}\r\n"
                 f"--{boundary}--\r\n")
    steps = [
        Step(f"https://user:{c['userinfo']}@app.atera.com/users/login?SAMLRequest={c['samlreq']}", body=html,
             set_cookies=[f"sid={c['setcookie']}; Path=/; Secure; HttpOnly; SameSite=Lax",
                          f"__Host-x={c['setcookie2']}; Path=/; Secure"],
             request_headers=[("proxy-authorization", f"Basic {c['basic']}"), ("x-api-key", c["apikey"])]),
        Step("https://app.atera.com/users/login", method="POST", status=302, location=login, cookie=f"sid={c['cookie']}",
             post={"mimeType": "application/x-www-form-urlencoded",
                   "text": f"username={c['username']}&password={c['password']}&remember={c['remember']}&SAMLResponse={c['samlresp']}",
                   "params": [{"name": "username", "value": c["username"]}, {"name": "password", "value": c["password"]},
                              {"name": "remember", "value": c["remember"]}, {"name": "SAMLResponse", "value": c["samlresp"]}]},
             at=1.0),
        Step(login.split("#")[0], at=1.2, request_headers=[("authorization", f"Bearer {c['jwt_header']}")]),
        Step("https://api.atera.com/token", method="POST", dest="empty", resource_type="fetch", mime="application/json",
             post={"mimeType": "application/x-www-form-urlencoded",
                   "text": f"grant_type=authorization_code&code={c['form_code']}&code_verifier={c['form_verifier']}"
                           f"&client_secret={c['form_secret']}&refresh_token={c['form_refresh']}"},
             body=json.dumps({"access_token": c["resp_access"], "refresh_token": c["resp_refresh"], "token_type": "Bearer",
                              "data": c["jwt_body"]}), at=1.4),
        Step("https://api.atera.com/session", method="POST", dest="empty", resource_type="fetch",
             post={"mimeType": "application/json", "text": json.dumps({"refresh_token": c["json_refresh"],
                                                                       "client_secret": c["json_secret"], "n": 1})},
             mime="application/json", body=json.dumps({"token": c["b64_token"]}), base64=True, at=1.5,
             request_headers=[("authorization", f"Bearer {c['bearer_opaque']}")]),
        Step(f"https://app.atera.com/verify/{c['jwt_url']}", at=1.6,
             post={"mimeType": f"multipart/form-data; boundary={boundary}", "text": multipart}, method="POST"),
        Step("https://app.atera.com/ws", dest="websocket", resource_type="websocket", status=101, at=1.7,
             extra={"_webSocketMessages": [{"type": "send", "time": 1.0, "opcode": 1, "data": json.dumps({"t": c["ws_token"]})}]}),
    ]
    return write(tmp_path / "canary.har", chrome_har(steps)), c


def har_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, stdin=io.StringIO(), stdout_isatty=False, environ={})
    return run(["har", *args], env), out.getvalue(), err.getvalue()


def test_canaries_reach_no_output(tmp_path: Path) -> None:
    path, canaries = canary_har(tmp_path)
    original = path.read_text("utf-8")
    encoded_only = {"proxy_pw", "b64_token"}  # in the recording only inside base64 (Basic, a base64 body)
    assert set(leaks(original, canaries)) == set(canaries) - encoded_only  # every canary is really there
    safe = tmp_path / "safe.har"
    reports = [tmp_path / f"r.{ext}" for ext in ("json", "md", "html", "txt", "xml")]
    code, out, err = har_cli(str(path), "--sanitize", str(safe), *[a for r in reports for a in ("-o", str(r))],
                             "--format", "text")
    assert code in (0, 1), err
    outputs = {"sanitized": safe.read_text("utf-8"), "stdout": out, "stderr": err,
               **{r.name: r.read_text("utf-8") for r in reports}}
    for fmt in ("json", "markdown", "html", "junit"):
        outputs[f"stdout-{fmt}"] = har_cli(str(path), "--format", fmt)[1]
    for entry in json.loads(outputs["sanitized"])["log"]["entries"]:
        content = entry["response"]["content"]
        if content.get("encoding") == "base64":
            outputs[f"decoded body of entry {entry['request']['url']}"] = base64.b64decode(content["text"]).decode()
    for where, text in outputs.items():
        assert leaks(text, canaries) == [], where
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    replaced = report["source"]["sanitized"]
    assert replaced["replaced_total"] >= len(canaries)
    kinds = set(replaced["by_kind"])
    assert {"cookie", "set-cookie", "authorization", "credential-header", "query", "fragment", "form-field",
            "json-field", "token", "hidden-input", "body", "websocket-message", "userinfo"} <= kinds
    names = {r["name"] for r in replaced["replaced"]}
    assert {"sid", "password", "username", "code", "state", "SAMLResponse", "__RequestVerificationToken"} <= names


def test_sanitized_copy_is_valid_har_and_resanitizing_changes_nothing(tmp_path: Path) -> None:
    path, _ = canary_har(tmp_path)
    once, twice = tmp_path / "once.har", tmp_path / "twice.har"
    sanitize_file(path, once)
    data = json.loads(once.read_text("utf-8"))
    assert har_errors(data) == []
    again = sanitize_file(once, twice)
    assert twice.read_bytes() == once.read_bytes()
    assert again.sanitizer.ledger.total == 0
    assert again.sanitizer.ledger.markers_kept > 0
    _code, out, _ = har_cli(str(once), "--format", "json")
    assert json.loads(out)["source"]["sanitized"]["already_sanitized"] is True


def test_names_stay_and_markers_correlate(tmp_path: Path) -> None:
    value = canary("sess")
    steps = [Step("https://app.atera.com/users/login", set_cookies=[f"sid={value}; Path=/; Secure"]),
             Step("https://app.atera.com/home", cookie=f"sid={value}; theme=dark1234", at=1)]
    path = write(tmp_path / "c.har", chrome_har(steps))
    sanitize_file(path, tmp_path / "s.har")
    entries = json.loads((tmp_path / "s.har").read_text("utf-8"))["log"]["entries"]
    set_cookie = next(h["value"] for h in entries[0]["response"]["headers"] if h["name"] == "set-cookie")
    cookie = next(h["value"] for h in entries[1]["request"]["headers"] if h["name"] == "cookie")
    marker = set_cookie.split(";")[0].split("=", 1)[1]
    assert marker.startswith("redacted-") and set_cookie.endswith("; Path=/; Secure")
    assert cookie.startswith(f"sid={marker}; theme=redacted-")
    assert entries[1]["request"]["cookies"][0] == {"name": "sid", "value": marker}


def test_markers_are_salted_per_run() -> None:
    one, two = Sanitizer(), Sanitizer()
    assert one.markers("1") != two.markers("1")
    assert one.markers("1") == one.markers("1")


def test_binary_and_oversized_bodies_are_left_out_with_a_comment(tmp_path: Path) -> None:
    steps = [Step("https://app.atera.com/qr.png", dest="image", resource_type="image", mime="image/png",
                  body="otpauth://totp/x?secret=JBSWY3DPEHPK3PXP", base64=True)]
    path = write(tmp_path / "q.har", chrome_har(steps))
    sanitize_file(path, tmp_path / "s.har")
    content = json.loads((tmp_path / "s.har").read_text("utf-8"))["log"]["entries"][0]["response"]["content"]
    assert "text" not in content and "encoding" not in content
    assert "left this body out" in content["comment"]


def test_firefox_export_sanitizes_and_validates(tmp_path: Path) -> None:
    value = canary("ff")
    steps = [Step("https://app.atera.com/users/login", set_cookies=[f"sid={value}; Path=/"], cookie=f"a={value}"),
             Step("https://cdn.test/x.js", dest="script", status=0, at=0.5)]
    path = write(tmp_path / "ff.har", firefox_har(steps))
    sanitize_file(path, tmp_path / "s.har")
    text = (tmp_path / "s.har").read_text("utf-8")
    assert value not in text
    assert har_errors(json.loads(text)) == []


def test_chrome_habits_are_mended_for_har_12(tmp_path: Path) -> None:
    steps = [Step("https://app.atera.com/x.js", dest="script", resource_type="script", error="net::ERR_BLOCKED_BY_CLIENT")]
    har = chrome_har(steps)
    assert har_errors(har) != []  # Chrome's empty serverIPAddress breaks the schema
    path = write(tmp_path / "b.har", har)
    sanitize_file(path, tmp_path / "s.har")
    assert har_errors(json.loads((tmp_path / "s.har").read_text("utf-8"))) == []


def test_a_lone_surrogate_in_a_recording_stays_an_escape_in_the_sanitized_copy() -> None:
    # Found by the fuzz suite: "\udcff" in a key or value made the UTF-8 copy raise UnicodeEncodeError.
    from diagnose.har.output import HarWriter

    out = io.StringIO()
    writer = HarWriter(out)
    writer.begin()
    writer.log_member("creator\udcff", ["a\ud800b", "é"])
    writer.end_log()
    writer.finish()
    out.getvalue().encode("utf-8")  # encodable
    assert '"creator\\udcff": ["a\\ud800b","é"]' in out.getvalue()
    assert json.loads(out.getvalue()) == {"log": {"creator\udcff": ["a\ud800b", "é"]}}
