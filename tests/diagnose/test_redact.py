"""The redaction module: every place a secret hides (issue 7 item 3), idempotence, and the audit list."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.redact import (
    FIXED_ENTRIES,
    HASH_PREFIX,
    NAMED_KINDS,
    REDACTED,
    Redactor,
    ValueHasher,
    field_entry,
    is_sensitive_header,
    is_sensitive_param,
    redact_text,
    redact_url,
    without_server_bytes,
)

SECRET = "S3cr3tCanary"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWNhbmFyeS1TM2NyM3Q"


# ---------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "expected", "field"),
    [
        (f"https://alice:{SECRET}@app.atera.com/login", "https://[redacted]@app.atera.com/login", "url:userinfo:password"),
        (f"https://{SECRET}@app.atera.com/", "https://[redacted]@app.atera.com/", "url:userinfo"),
        (f"http://bob:p@ss{SECRET}@proxy:3128/", "http://[redacted]@proxy:3128/", "url:userinfo:password"),
        (f"bob:{SECRET}@proxy.corp:3128", "[redacted]@proxy.corp:3128", "url:userinfo:password"),
        (f"https://bob:pa/{SECRET}@host/x", "https://[redacted]@host/x", "url:userinfo:password"),
        (f"https://a/cb?code={SECRET}&lang=en", "https://a/cb?code=[redacted]&lang=en", "query:code"),
        (f"https://a/cb?state={SECRET}", "https://a/cb?state=[redacted]", "query:state"),
        (f"https://a/#access_token={SECRET}&expires_in=3600", "https://a/#access_token=[redacted]&expires_in=3600",
         "fragment:access_token"),
        (f"https://a/#id_token={SECRET}", "https://a/#id_token=[redacted]", "fragment:id_token"),
        (f"https://app/#/callback?access_token={SECRET}", "https://app/#/callback?access_token=[redacted]",
         "fragment:access_token"),
        (f"https://idp/sso?SAMLResponse={SECRET}&RelayState={SECRET}x",
         "https://idp/sso?SAMLResponse=[redacted]&RelayState=[redacted]", "query:SAMLResponse"),
        (f"https://a/?Access-Token={SECRET}", "https://a/?Access-Token=[redacted]", "query:Access-Token"),
        (f"https://a/?x_csrf_token_v2={SECRET}", "https://a/?x_csrf_token_v2=[redacted]", "query:x_csrf_token_v2"),
        (f"https://a/;jsessionid={SECRET}?x=1", "https://a/;jsessionid=[redacted]?x=1", "param:jsessionid"),
        (f"https://a/?next=https%3A%2F%2Fapp%2Fcb%3Fcode%3D{SECRET}", "https://a/?next=https://app/cb%3Fcode%3D[redacted]",
         "param:code"),
        (f"https://a/?foo={JWT}", "https://a/?foo=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.[signature redacted]",
         "jwt:signature"),
    ],
)
def test_url_secrets(url: str, expected: str, field: str) -> None:
    redactor = Redactor()
    assert redactor.url(url) == expected
    assert field in redactor.fields
    assert SECRET not in redactor.url(url)
    assert not any(SECRET in f for f in redactor.fields)


def test_url_keeps_everything_that_is_not_a_secret_byte_for_byte() -> None:
    url = "https://app.atera.com:8443/users/login?lang=en&q=a+b%2Fc&empty=&flag#section-2"
    redactor = Redactor()
    assert redactor.url(url) == url
    assert redactor.fields == ()
    assert redactor.url("https://[::1]:8443/a@b") == "https://[::1]:8443/a@b"
    assert redactor.url("") == ""


def test_kind_of_token_is_not_a_token() -> None:
    assert Redactor().url("https://a/#access_token=x&token_type=Bearer") == "https://a/#access_token=[redacted]&token_type=Bearer"


# ---------------------------------------------------------------------- headers and cookies


def test_credential_headers_keep_the_scheme_only() -> None:
    redactor = Redactor()
    headers = redactor.headers(
        [
            ("Authorization", f"Bearer {SECRET}"),
            ("Proxy-Authorization", f"Basic {SECRET}"),
            ("X-Api-Key", SECRET),
            ("X-Custom-Session-Id", SECRET),
            ("WWW-Authenticate", f'Bearer realm="x", error_description="{SECRET}"'),
            ("Access-Control-Allow-Credentials", "true"),
            ("Location", f"/cb?code={SECRET}"),
            ("Server", "nginx"),
        ]
    )
    assert headers == [
        ("Authorization", "Bearer [redacted]"),
        ("Proxy-Authorization", "Basic [redacted]"),
        ("X-Api-Key", REDACTED),
        ("X-Custom-Session-Id", REDACTED),
        ("WWW-Authenticate", "Bearer [redacted]"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Location", "/cb?code=[redacted]"),
        ("Server", "nginx"),
    ]
    assert {"header:Authorization", "header:Proxy-Authorization", "header:X-Api-Key"} <= set(redactor.fields)


def test_cookie_values_go_names_stay() -> None:
    redactor = Redactor()
    assert redactor.cookie_header(f"sid={SECRET}; theme=dark; {SECRET}") == "sid=[redacted]; theme=[redacted]; [redacted]"
    assert set(redactor.fields) == {"cookie:sid", "cookie:theme", "cookie:(nameless)"}


def test_set_cookie_keeps_attributes_and_handles_folded_lines() -> None:
    redactor = Redactor()
    folded = f"a={SECRET}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Secure, b+c^={SECRET}; HttpOnly; X-Odd={SECRET}"
    out = redactor.set_cookie(folded)
    assert SECRET not in out
    assert out == ("a=[redacted]; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Secure, "
                   "b+c^=[redacted]; HttpOnly; X-Odd=[redacted]")
    assert {"cookie:a", "cookie:b+c^"} <= set(redactor.fields)


def test_httpx_headers_keep_repeated_set_cookie_apart() -> None:
    import httpx

    headers = httpx.Headers([("Set-Cookie", f"a={SECRET}; Path=/"), ("Set-Cookie", f"b={SECRET}")])
    assert Redactor().headers(headers) == [("set-cookie", "a=[redacted]; Path=/"), ("set-cookie", "b=[redacted]")]


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [("Authorization", True), ("proxy-authorization", True), ("X-XSRF-TOKEN", True), ("Cookie", True),
     ("X-Amz-Security-Token", True), ("Content-Type", False), ("Server", False), ("Location", False),
     ("Access-Control-Allow-Credentials", False), ("Content-Security-Policy", False)],
)
def test_sensitive_header_names(name: str, sensitive: bool) -> None:
    assert is_sensitive_header(name) is sensitive


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [("code", True), ("STATE", True), ("SAMLResponse", True), ("relay_state", True), ("RelayState", True),
     ("id_token_hint", True), ("client_secret", True), ("new-password", True), ("lang", False),
     ("redirect_uri", False), ("token_type", False), ("status_code", False), ("access%5Ftoken", True)],
)
def test_sensitive_param_names(name: str, sensitive: bool) -> None:
    assert is_sensitive_param(name) is sensitive


# ---------------------------------------------------------------------- free text


@pytest.mark.parametrize(
    "text",
    [
        f"GET failed: Authorization: Bearer {SECRET}",
        f"proxy said Proxy-Authorization: Basic {SECRET}\nnext line",
        f"sent Cookie: sid={SECRET}; theme={SECRET}",
        f"headers={{'Authorization': 'Negotiate {SECRET}', 'X': 'y'}}",
        f"[('Set-Cookie', 'theme={SECRET}; Path=/')]",
        f'{{"access_token":"{SECRET}","expires_in":3600}}',
        f"password: {SECRET}",
        f"client_secret={SECRET}&grant_type=authorization_code",
        f"redirected to https://a/cb?code={SECRET}#state={SECRET}",
        f"encoded %3Fcode%3D{SECRET}%26next%3D1",
        f"connect to http://u:{SECRET}@proxy:3128 failed",
        f"HTTPS_PROXY=bob:{SECRET}@proxy.corp:3128",
        f"token {SECRET}12",
        f"jwt in body: {JWT}",
        f"Bearer {JWT}",
    ],
)
def test_text_secrets(text: str) -> None:
    redactor = Redactor()
    out = redactor.text(text)
    assert SECRET not in out and "c2lnbmF0dXJl" not in out
    assert redactor.fields
    assert redactor.text(out) == out  # idempotent


def test_plain_words_after_auth_schemes_stay() -> None:
    text = "The server requires Basic authentication; Bearer token expired; Digest algorithm SHA-256."
    redactor = Redactor()
    assert redactor.text(text) == text
    assert redactor.fields == ()


def test_text_records_names_never_values() -> None:
    redactor = Redactor()
    redactor.text(f"https://u:{SECRET}@h/?code={SECRET}&SAMLResponse={SECRET} Cookie: sid={SECRET}")
    assert set(redactor.fields) == {"url:userinfo:password", "param:code", "param:SAMLResponse", "cookie:sid"}
    assert all(SECRET not in f for f in redactor.fields)


def test_evidence_sweep_redacts_by_key_pair_and_value() -> None:
    redactor = Redactor()
    evidence = {
        "status_code": 302,
        "token": SECRET,
        "cookies": f"a={SECRET}; b={SECRET}",
        "cookie_names": ["sid", "theme"],
        "headers": [["Set-Cookie", f"x={SECRET}"], ["Server", "nginx"], ("Authorization", f"Bearer {SECRET}")],
        "hops": [{"url": f"https://u:{SECRET}@h/?state={SECRET}", "status": 302, "ok": True, "t": None}],
        "note": f"saw {JWT}",
    }
    out = redactor.evidence(evidence)
    assert SECRET not in repr(out) and "c2lnbmF0dXJl" not in repr(out)
    assert out["status_code"] == 302 and out["cookie_names"] == ["sid", "theme"]
    assert out["headers"][1] == ["Server", "nginx"] and isinstance(out["headers"][2], tuple)
    assert out["hops"][0]["status"] == 302 and out["hops"][0]["ok"] is True and out["hops"][0]["t"] is None
    assert redactor.evidence(out) == out


def test_module_helpers() -> None:
    assert redact_text(f"code={SECRET}") == "code=[redacted]"
    assert redact_url(f"https://a/?token={SECRET}") == "https://a/?token=[redacted]"


# ---------------------------------------------------------------------- the correlation hash (issue 20)


def test_a_value_of_1_hashes_differently_in_two_runs_and_alike_within_one() -> None:
    import hashlib

    first, second = Redactor(), Redactor()
    assert first.value_hash("1") == first.value_hash("1") == first.value_hash(b"1")
    assert first.value_hash("1") != second.value_hash("1")
    assert first.value_hash("1") != first.value_hash("2")
    assert first.value_hash("1").startswith(HASH_PREFIX) and len(first.value_hash("1")) == len(HASH_PREFIX) + 12
    # Not the plain SHA-256 a dictionary would look up (6b86b273ff34 is sha256("1")).
    assert hashlib.sha256(b"1").hexdigest()[:12] not in first.value_hash("1")


def test_the_hashing_key_is_never_shown_copied_or_pickled() -> None:
    import copy
    import pickle

    redactor = Redactor()
    hasher = ValueHasher()
    assert "key" not in repr(redactor) and repr(hasher) == "ValueHasher(key not shown)"
    for attempt in (lambda: pickle.dumps(hasher), lambda: copy.deepcopy(hasher), lambda: pickle.dumps(redactor)):
        with pytest.raises(TypeError):
            attempt()


# ---------------------------------------------------------------------- the redactions vocabulary (issue 20)


_ENTRY = re.compile(r"^(?:(?:header|cookie|query|fragment):[^\x00-\x1f]{1,64}|param:(?:[A-Za-z_-]+|\*[a-z]+\*|\(other\))"
                    r"|field:(?:[a-z]+|\*[a-z]+|\(other\)))$")


@pytest.mark.parametrize(
    "text",
    [
        f"HTTP/1.1 500 access_token={SECRET}token: the problem",
        f"{SECRET}_token=abc and {SECRET}secret: xyz",
        f"'{SECRET}_password': 'hunter2'",
        f'{{"{SECRET}Session": "v"}}',
        f"{SECRET}token%3Dvalue",
        f"Authorization: Bearer x {SECRET}-token: y",
    ],
)
def test_a_secret_never_becomes_a_field_name(text: str) -> None:
    redactor = Redactor()
    redactor.text(text)
    assert redactor.fields, text
    assert not any(SECRET.lower() in f.lower() for f in redactor.fields), redactor.fields
    assert all(f in FIXED_ENTRIES or _ENTRY.match(f) for f in redactor.fields), redactor.fields


def test_free_text_names_are_recorded_in_the_vocabulary_spelling() -> None:
    redactor = Redactor()
    redactor.text("Access-Token=abcd1234 then SAMLRESPONSE=xyz12345 and my_api_token: 99887766")
    assert set(redactor.fields) == {"param:access_token", "param:SAMLResponse", "param:*token*"}


def test_a_word_after_equals_is_part_of_a_value_not_a_name() -> None:
    assert redact_text("access_token=S3cr3tValue: the problem") == "access_token=[redacted] the problem"


def test_field_entries_come_from_the_fixed_vocabulary() -> None:
    assert field_entry("header:authorization") == "header:Authorization"
    assert field_entry("header:X-Custom-Session-Id") == "header:X-Custom-Session-Id"
    assert field_entry("header:bad name\x01") == "header:(invalid name)"
    assert field_entry(f"param:{SECRET}token") == "param:*token*"
    assert field_entry("param:lang") == "param:(other)"
    assert field_entry(f"field:{SECRET}_token") == "field:*token"
    assert field_entry("field:client_secret") == "field:clientsecret"
    assert field_entry("cookie:" + "x" * 200).endswith("…") and len(field_entry("cookie:" + "x" * 200)) == 7 + 64
    assert field_entry("cookie:a\x1bb") == "cookie:a?b"
    assert field_entry("reason_phrase") == "reason_phrase"
    assert {"header", "cookie", "query", "fragment", "param", "field"} == NAMED_KINDS
    for bad in ("secret-value", "password:hunter2", ""):
        with pytest.raises(ValueError) as caught:
            Redactor().note(bad)
        assert "hunter2" not in str(caught.value)


def test_evidence_pairs_are_header_pairs_only_for_credential_header_names() -> None:
    redactor = Redactor()
    # Two cookie names in a list are not a header and its value.
    assert redactor.evidence({"cookies_sent": ["sessionid", "csrftoken"]}) == {"cookies_sent": ["sessionid", "csrftoken"]}
    assert redactor.evidence([["Authorization", f"Bearer {SECRET}"]]) == [["Authorization", "Bearer [redacted]"]]
    assert redactor.fields == ("header:Authorization",)


# ---------------------------------------------------------------------- server text with a fixed shape (issue 15 item 5)


@pytest.mark.parametrize(
    ("phrase", "kept"),
    [("OK", "OK"), ("Not  Found", "Not Found"), ("internal server error", "internal server error"),
     ("Content Too Large", "Content Too Large"), ("", ""), (None, "")],
)
def test_standard_reason_phrases_stay(phrase: str | None, kept: str) -> None:
    redactor = Redactor()
    assert redactor.reason_phrase(phrase) == kept
    assert redactor.fields == ()


@pytest.mark.parametrize("phrase", [f"access_token={SECRET}", SECRET, f"Session {SECRET} expired", "OK\x1b[2J"])
def test_any_other_reason_phrase_goes_whole(phrase: str) -> None:
    redactor = Redactor()
    assert redactor.reason_phrase(phrase) == REDACTED
    assert redactor.fields == ("reason_phrase",)
    assert redactor.reason_phrase(REDACTED) == REDACTED


@pytest.mark.parametrize(
    ("name", "value", "kept"),
    [("Date", "Thu, 01 Jan 1970 00:00:00 GMT", True), ("Date", "Sunday, 06-Nov-94 08:49:37 GMT", True),
     ("Date", "Sun Nov  6 08:49:37 1994", True), ("Date", "Thu, 01 Jan 2026 00:00:00 +0000", True),
     ("Date", SECRET, False), ("Date", f"Thu, 01 Jan 1970 {SECRET}", False), ("Age", "120", True),
     ("Age", f"1{SECRET}", False), ("Expires", "0", True), ("Retry-After", "120", True)],
)
def test_headers_with_a_grammar_keep_only_that_shape(name: str, value: str, kept: bool) -> None:
    redactor = Redactor()
    assert redactor.header(name, value) == (value if kept else REDACTED)
    assert redactor.fields == (() if kept else (f"header:{name}",))


def test_bytes_quoted_from_the_wire_are_replaced_by_their_length() -> None:
    text = f"illegal status line: bytearray(b'HTTP/1.1 5OO {SECRET}') and (b\"x{SECRET}\")"
    out = redact_text(text)
    assert SECRET not in out
    assert out.startswith("illegal status line: (25 bytes from the server, not shown)")
    assert redact_text('{"b":"value"} and the Web\'s "b" key') == '{"b":"value"} and the Web\'s "b" key'
    # An escaped quote does not end the literal; one that never ends runs to the end of the text.
    assert without_server_bytes("x: b'a\\'b' y") == "x: (3 bytes from the server, not shown) y"
    assert without_server_bytes(f"x (b'{SECRET}") == "x ((12 bytes from the server, not shown)"


def test_one_redactor_is_safe_to_share_between_threads() -> None:
    redactor = Redactor()
    barrier = threading.Barrier(8)

    def work(i: int) -> str:
        barrier.wait()
        return "".join(redactor.url(f"https://a/?p{i}_token={SECRET}&n={j}") for j in range(200))

    with ThreadPoolExecutor(8) as pool:
        outputs = list(pool.map(work, range(8)))
    assert all(SECRET not in out for out in outputs)
    assert set(redactor.fields) == {f"query:p{i}_token" for i in range(8)}


# ---------------------------------------------------------------------- properties

_secret = st.text(alphabet=st.characters(min_codepoint=48, max_codepoint=122, categories=("Lu", "Ll", "Nd")),
                  min_size=8, max_size=40).map(lambda s: "Zq" + s)
_name = st.sampled_from(["code", "state", "access_token", "id_token", "SAMLResponse", "RelayState", "token",
                         "client_secret", "password", "refresh_token", "sessionid", "api_key"])


@settings(max_examples=150, deadline=None)
@given(secret=_secret, name=_name, where=st.sampled_from(["?", "#", "#/route?"]), other=st.sampled_from(["", "&a=1", "&b=x+y"]))
def test_property_no_sensitive_parameter_survives_in_a_url(secret: str, name: str, where: str, other: str) -> None:
    url = f"https://user:{secret}@app.example/path{where}lang=en&{name}={secret}{other}"
    assert secret not in Redactor().url(url)
    assert secret not in Redactor().text(f"error while fetching {url}: timeout")


@settings(max_examples=150, deadline=None)
@given(secret=_secret, header=st.sampled_from(["Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Auth-Token"]),
       scheme=st.sampled_from(["", "Bearer ", "Basic ", "sid="]))
def test_property_no_credential_header_value_survives(secret: str, header: str, scheme: str) -> None:
    assert secret not in Redactor().header(header, f"{scheme}{secret}")
    assert secret not in Redactor().text(f"{header}: {scheme}{secret}")
