"""Stored cookies: value sizes from encrypted lengths, and which cookies go to the sign-in page."""

from __future__ import annotations

import pytest

from checks._browser.cookies import (
    Request,
    chromium_value_size,
    duplicates,
    firefox_origin_attributes,
    header_bytes,
    sent_with,
)
from checks._browser.inspect import make_site
from checks._browser.model import StoredCookie

NOW = 1_800_000_000.0
SITE = make_site("https://app.atera.com/users/login", ["https://atera.com/app", "https://other.example/"], [])


def cookie(name: str = "c", host: str = "app.atera.com", path: str = "/", *, secure: bool = True,
           expires: float | None = NOW + 60, size: int = 10, partition: str = "", container: str = "") -> StoredCookie:
    return StoredCookie(name, host, path, secure, True, "lax", expires, size, size, partition, container)


def test_chromium_156_on_linux_stores_a_20_byte_value_in_67_bytes() -> None:
    # Measured: Chromium 156 (Debian) wrote encrypted_value of 67 bytes for a 20-byte value (schema 24).
    low, high = chromium_value_size(0, 67, os_name="linux", schema_version=24)
    assert low <= 20 <= high and high - low == 15


@pytest.mark.parametrize("value_length", [0, 1, 15, 16, 17, 100, 4000])
def test_cbc_estimate_brackets_the_real_length(value_length: int) -> None:
    plaintext = 32 + value_length
    stored = 3 + (plaintext // 16 + 1) * 16  # PKCS#7 always adds 1..16 bytes
    low, high = chromium_value_size(0, stored, os_name="macos", schema_version=24)
    assert low <= value_length <= high


def test_gcm_on_windows_is_exact_and_old_stores_have_no_hash() -> None:
    assert chromium_value_size(0, 3 + 12 + 32 + 50 + 16, os_name="windows", schema_version=24) == (50, 50)
    assert chromium_value_size(0, 3 + 12 + 50 + 16, os_name="windows", schema_version=23) == (50, 50)
    assert chromium_value_size(7, 0, os_name="linux", schema_version=24) == (7, 7)  # not encrypted


def test_firefox_origin_attributes() -> None:
    assert firefox_origin_attributes("") == ("", "")
    assert firefox_origin_attributes("^partitionKey=%28https%2Cexample.com%29") == ("https://example.com", "")
    assert firefox_origin_attributes("^partitionKey=%28https%2Cexample.com%2C8443%29&userContextId=3") == (
        "https://example.com", "3")
    assert firefox_origin_attributes("^firstPartyDomain=example.com") == ("first party example.com", "")
    assert firefox_origin_attributes("^userContextId=0") == ("", "")


def test_the_site_and_its_signin_addresses() -> None:
    assert SITE.registrable == "atera.com"
    assert SITE.urls == ("https://app.atera.com/users/login", "https://atera.com/app")  # other.example is another site
    assert SITE.top_level_site == "https://atera.com"


def test_which_cookies_are_sent() -> None:
    request = Request.of(SITE.url)
    jar = [
        cookie("host_only"),
        cookie("domain", ".atera.com"),
        cookie("parent_host_only", "atera.com"),            # host-only on atera.com: not for app.atera.com
        cookie("sibling", "billing.atera.com"),
        cookie("path", path="/users"),
        cookie("other_path", path="/billing"),
        cookie("prefix_path", path="/user"),                 # /user does not path-match /users/login
        cookie("expired", expires=NOW - 1),
        cookie("session", expires=None),
        cookie("own_partition", partition="https://atera.com"),
        cookie("other_partition", partition="https://partner.example"),
        cookie("container", container="2"),
    ]
    sent = [c.name for c in sent_with(jar, request, SITE, NOW)]
    assert sorted(sent) == ["domain", "host_only", "own_partition", "path", "session"]
    assert sent[0] == "path"  # longest path first, as browsers order the header


def test_secure_cookies_are_not_sent_over_http_except_to_localhost() -> None:
    jar = [cookie("secure"), cookie("plain", secure=False)]
    http_site = make_site("http://app.atera.com/", [], [])
    assert [c.name for c in sent_with(jar, Request.of("http://app.atera.com/"), http_site, NOW)] == ["plain"]
    local = make_site("http://localhost:8080/", [], [])
    local_jar = [cookie("secure", "localhost")]
    assert [c.name for c in sent_with(local_jar, Request.of("http://localhost:8080/"), local, NOW)] == ["secure"]


def test_header_size_counts_separators_and_equals_signs() -> None:
    assert header_bytes([]) == (0, 0)
    one = StoredCookie("a", "h", "/", True, True, "lax", None, 2, 2)  # "a=1" (size counts name + value)
    assert header_bytes([one]) == (3, 3)
    estimated = StoredCookie("b", "h", "/", True, True, "lax", None, 5, 20)
    assert header_bytes([one, estimated]) == (3 + 2 + 6, 3 + 2 + 21)


def test_duplicates_need_different_domains_or_paths() -> None:
    same = [cookie("a"), cookie("a")]
    assert duplicates(same) == {}
    group = duplicates([cookie("a"), cookie("a", ".atera.com"), cookie("b")])
    assert list(group) == ["a"] and len(group["a"]) == 2
