"""The table of addresses the ``url`` check is judged on (Atera profile).

Each row: the address as pasted, the verdict, the finding codes it must carry
(a subset: context codes may come on top), and where the WHATWG host matters,
the ASCII host the browser opens. Rows marked ``differential`` are the
reference's WHATWG-versus-urllib cases (shared/reference/url.md §1.2): the
browser opens ``opens``, and ``urllib`` would report another host.
"""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    address: str
    verdict: str
    codes: tuple[str, ...] = ()
    opens: str | None = None
    differential: bool = False
    kind: str | None = None
    """For ``url.typosquat``: the dnstwist class expected."""


OFFICIAL = "official"
WARN = "official-but-warn"
LOOKALIKE = "lookalike"
UNRELATED = "unrelated"
INVALID = "invalid"

CASES: tuple[Case, ...] = (
    # -- official ------------------------------------------------------------------
    Case("https://app.atera.com/users/login", OFFICIAL, opens="app.atera.com"),
    Case("https://atera.com/app", OFFICIAL, opens="atera.com"),
    Case("app.atera.com/users/login", OFFICIAL, opens="app.atera.com"),
    Case("app.atera.com:443/users/login", OFFICIAL, opens="app.atera.com"),
    Case("HTTPS://APP.ATERA.COM/users/login", OFFICIAL, opens="app.atera.com"),
    Case("https://app.atera.com/users/login/", OFFICIAL),
    Case("https://app.atera.com:443/users/login", OFFICIAL),
    Case("  https://app.atera.com/users/login  ", OFFICIAL),
    Case("https://app.atera.com/users/login?ReturnUrl=%2Fdashboard", OFFICIAL),
    Case("https://app.atera.com/users/login#top", OFFICIAL),
    Case("https://app.atera.com/users/login?next=https://support.atera.com/", OFFICIAL),
    # -- official, but something is off ------------------------------------------------
    Case("https:app.atera.com/users/login", WARN, ("url.obfuscated",), "app.atera.com", differential=True),
    Case("http://app.atera.com/users/login", WARN, ("url.not_https",)),
    Case("https://support.atera.com/", WARN, ("url.not_signin_page",)),
    Case("https://www.atera.com/pricing", WARN, ("url.not_signin_page",)),
    Case("https://app.atera.com:8443/users/login", WARN, ("url.nondefault_port",)),
    Case("https://user:pw@app.atera.com/users/login", WARN, ("url.userinfo_official",)),
    Case("https://evil.net;@app.atera.com/users/login", WARN, ("url.userinfo_official",), "app.atera.com"),
    Case("https://app.atera.com./users/login", WARN, ("url.trailing_dot",), "app.atera.com."),
    Case("https://ａｐｐ.ａｔｅｒａ.ｃｏｍ/users/login", WARN, ("url.obfuscated",), "app.atera.com", differential=True),
    Case("https://app。atera。com/users/login", WARN, ("url.obfuscated",), "app.atera.com", differential=True),
    Case("https://app%2eatera%2ecom/users/login", WARN, ("url.obfuscated",), "app.atera.com", differential=True),
    Case("https://app.at\tera.com/users/login", WARN, ("url.obfuscated",), "app.atera.com"),
    Case("https://app.atera.com\u200b/users/login", WARN, ("url.obfuscated",), "app.atera.com", differential=True),
    Case("https:\\\\app.atera.com\\users\\login", WARN, ("url.obfuscated",), "app.atera.com"),
    Case("https:/\\app.atera.com/users/login", WARN, ("url.obfuscated",), "app.atera.com"),
    Case("https:///app.atera.com/users/login", WARN, ("url.obfuscated",), "app.atera.com"),
    Case("https://app.atera.com/users/login?ReturnUrl=https://evil.net/", WARN, ("url.offsite_redirect_param",)),
    Case("https://app.atera.com/users/login?next=//evil.net", WARN, ("url.offsite_redirect_param",)),
    Case("https://app.atera.com/users/login?redirect=%252F%252Fevil.net", WARN, ("url.offsite_redirect_param",)),
    Case("https://app.atera.com/users/login?RelayState=https%3A%2F%2Fevil.net%2F", WARN,
         ("url.offsite_redirect_param",)),
    Case("https://app.atera.com/users/login?returnUrl=/\\evil.net", WARN, ("url.offsite_redirect_param",)),
    Case("https://app.atera.com/users/login?next=javascript:alert(1)", WARN, ("url.offsite_redirect_param",)),
    Case("https://app.atera.com/users/login?next=/a&next=https://evil.net", WARN, ("url.offsite_redirect_param",)),
    Case("https://app.atera.com/#/login?returnUrl=https://evil.net", WARN,
         ("url.offsite_redirect_param", "url.not_signin_page")),
    Case("https://аpp.atera.com/users/login", WARN, ("url.homograph", "url.not_signin_page"), "xn--pp-6kc.atera.com"),
    Case("https://xn--pp-6kc.atera.com/users/login", WARN, ("url.homograph",), "xn--pp-6kc.atera.com"),
    # -- lookalike: imitates the vendor ---------------------------------------------------
    Case("https://app.atera.com.evil.net/", LOOKALIKE, ("url.brand_embedded", "url.unofficial"),
         "app.atera.com.evil.net"),
    Case("https://atera.com@evil.net/", LOOKALIKE, ("url.brand_embedded", "url.userinfo"), "evil.net"),
    Case("https://app.atera.com@evil.net/users/login", LOOKALIKE, ("url.brand_embedded", "url.userinfo"),
         "evil.net"),
    Case("app.atera.com@evil.net/users/login", LOOKALIKE, ("url.userinfo",), "evil.net"),
    Case("https://evil.net\\@atera.com/", LOOKALIKE, ("url.brand_embedded", "url.obfuscated"), "evil.net",
         differential=True),
    Case("https://evil.net\\.atera.com/", LOOKALIKE, ("url.brand_embedded",), "evil.net", differential=True),
    Case("https://atera.com\\@evil.net/", WARN, ("url.obfuscated", "url.not_signin_page"), "atera.com",
         differential=True),
    Case("https://app.atera.com%2eevil.net/", LOOKALIKE, ("url.brand_embedded", "url.obfuscated"),
         "app.atera.com.evil.net", differential=True),
    Case("https://atera-com.evil.net/", LOOKALIKE, ("url.brand_embedded",)),
    Case("https://аtera.com/", LOOKALIKE, ("url.homograph",), "xn--tera-43d.com"),
    Case("https://xn--tera-43d.com/", LOOKALIKE, ("url.homograph",), "xn--tera-43d.com"),
    Case("https://app.аtera.com/users/login", LOOKALIKE, ("url.homograph",), "app.xn--tera-43d.com",
         differential=True),
    Case("https://app.xn--tera-43d.com/users/login", LOOKALIKE, ("url.homograph",), "app.xn--tera-43d.com"),
    Case("https://атера.com/", LOOKALIKE, ("url.homograph",), "xn--80aao8bi.com"),
    Case("https://xn--80aao8bi.com/", LOOKALIKE, ("url.homograph",)),
    Case("https://ạtera.com/", LOOKALIKE, ("url.homograph",), "xn--tera-4q5a.com"),
    Case("https://xn--tera-4q5a.com/", LOOKALIKE, ("url.homograph",)),
    Case("https://αtera.com/", LOOKALIKE, ("url.homograph",)),
    Case("https://ꭺtera.com/", LOOKALIKE, ("url.homograph",)),
    Case("https://ätera.com/users/login", LOOKALIKE, ("url.homograph",)),
    Case("https://аtегa.com/", LOOKALIKE, ("url.homograph",)),
    Case("https://аtera.net/", LOOKALIKE, ("url.homograph",)),
    Case("https://atrea.com/", LOOKALIKE, ("url.typosquat",), kind="transposition"),
    # Issue 13: the brand split by a dot across the registrable domain (era.com) reads as atera.com.
    Case("https://at.era.com/users/login", LOOKALIKE, ("url.typosquat",), "at.era.com", kind="dot-inserted"),
    Case("https://app.ate.ra.com/users/login", LOOKALIKE, ("url.typosquat",), kind="dot-inserted"),
    # A label over 63 characters: browsers open it and cannot reach it; still a lookalike, not a parse error.
    Case("https://" + "a" * 70 + ".atera-login.com/", LOOKALIKE, ("url.typosquat", "url.unreachable_host")),
    Case("https://" + "b" * 64 + ".example.com/", UNRELATED, ("url.unofficial", "url.unreachable_host")),
    Case("https://atra.com/", LOOKALIKE, ("url.typosquat",), kind="omission"),
    Case("https://attera.com/", LOOKALIKE, ("url.typosquat",), kind="repetition"),
    Case("https://atora.com/", LOOKALIKE, ("url.typosquat",), kind="vowel-swap"),
    Case("https://atwra.com/", LOOKALIKE, ("url.typosquat",), kind="replacement"),
    Case("https://atrera.com/", LOOKALIKE, ("url.typosquat",), kind="insertion"),
    Case("https://aterax.com/", LOOKALIKE, ("url.typosquat",), kind="addition"),
    Case("https://a-tera.com/", LOOKALIKE, ("url.typosquat",), kind="hyphenation"),
    Case("https://atepa.com/users/login", LOOKALIKE, ("url.typosquat",), kind="bitsquatting"),
    Case("https://atcra.com/", LOOKALIKE, ("url.typosquat",), kind="homoglyph"),
    Case("https://atera.corn/", LOOKALIKE, ("url.typosquat",), kind="homoglyph"),
    Case("https://atera.net/", LOOKALIKE, ("url.typosquat",), kind="tld-swap"),
    Case("https://atera.com.co/", LOOKALIKE, ("url.typosquat",), kind="tld-swap"),
    Case("https://atera-login.com/", LOOKALIKE, ("url.typosquat",), kind="brand-plus-keyword"),
    Case("https://secure-atera.com/", LOOKALIKE, ("url.typosquat",), kind="brand-plus-keyword"),
    Case("https://ateraagent.net/", LOOKALIKE, ("url.typosquat",), kind="brand-plus-keyword"),  # profile keyword
    Case("https://app-atera.com/", LOOKALIKE, ("url.typosquat",), kind="subdomain-joined"),
    Case("https://ateracom.com/", LOOKALIKE, ("url.typosquat",), kind="subdomain-joined"),
    Case("https://alera.com/", LOOKALIKE, ("url.typosquat",), kind="similar-spelling"),
    Case("https://notatera.com/", LOOKALIKE, ("url.brand_embedded",), differential=False),
    Case("https://atera.web.app/", LOOKALIKE, ("url.brand_embedded",)),
    Case("https://atera.github.io/login", LOOKALIKE, ("url.brand_embedded",)),
    Case("https://evil.net/atera/login", LOOKALIKE, ("url.brand_embedded",)),
    Case("https://evil.net/login?u=app.atera.com", LOOKALIKE, ("url.brand_embedded",)),
    Case("https://app.atera.com⁄evil.net/", LOOKALIKE, ("url.homograph", "url.brand_embedded")),
    Case("https://www.google.com/url?q=https://atera-login.com/", LOOKALIKE, ("url.shortener",), "www.google.com"),
    Case("http://1.2.3.4/atera/login", LOOKALIKE, ("url.brand_embedded", "url.ip_address", "url.not_https")),
    # -- unrelated: not the vendor's, no imitation -----------------------------------------
    Case("https://example.com/", UNRELATED, ("url.unofficial",), "example.com"),
    # WHATWG trims leading and trailing C0 controls and spaces (urltestdata.json #290).
    Case("\x00\x1b http://example.com/\x1f \r", UNRELATED, ("url.unofficial", "url.not_https"), "example.com"),
    Case("https://evil.net:8080/", UNRELATED, ("url.nondefault_port",)),
    Case("http://evil.net/", UNRELATED, ("url.not_https",)),
    Case("https://microsoft.com@evil.net/", UNRELATED, ("url.userinfo",), "evil.net"),
    Case("https:\\\\evil.net\\users\\login", UNRELATED, ("url.obfuscated",), "evil.net", differential=True),
    Case("https://bit.ly/3abcde", UNRELATED, ("url.shortener",)),
    Case("https://tinyurl.com/xyz", UNRELATED, ("url.shortener",)),
    Case("https://www.google.com/url?q=https://app.atera.com/users/login", UNRELATED, ("url.shortener",)),
    Case("https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fapp.atera.com%2Fusers%2Flogin&data=x",
         UNRELATED, ("url.shortener",)),
    Case("http://0x7f.1/", UNRELATED, ("url.ip_address", "url.obfuscated"), "127.0.0.1", differential=True),
    Case("http://2130706433/", UNRELATED, ("url.ip_address", "url.obfuscated"), "127.0.0.1"),
    Case("https://127.0.0.1:8443/", UNRELATED, ("url.ip_address", "url.nondefault_port")),
    Case("https://[::1]/", UNRELATED, ("url.ip_address",), "[::1]"),
    Case("https://раураl.com/", UNRELATED, ("url.homograph",)),
    Case("localhost:3000/login", UNRELATED, ("url.nondefault_port",), "localhost"),
    Case("https://пример.рф/", UNRELATED, ("url.unofficial",)),
    # -- invalid: not a usable web address -------------------------------------------------
    Case("", INVALID, ("url.invalid",)),
    Case("   \t ", INVALID, ("url.invalid",)),
    Case("hello world", INVALID, ("url.invalid",)),
    Case("please sign in at app.atera.com", INVALID, ("url.invalid",)),
    Case("atera", INVALID, ("url.invalid",)),
    Case("user@atera.com", INVALID, ("url.invalid",)),
    Case("atera.com@evil.net", INVALID, ("url.invalid",)),
    Case("javascript:alert(1)", INVALID, ("url.unsupported_scheme",)),
    Case("java\nscript:alert(1)", INVALID, ("url.unsupported_scheme",)),
    Case("data:text/html,<h1>Atera sign in</h1>", INVALID, ("url.unsupported_scheme",)),
    Case("file:///etc/passwd", INVALID, ("url.unsupported_scheme",)),
    Case("mailto:support@atera.com", INVALID, ("url.unsupported_scheme",)),
    Case("ftp://app.atera.com/", INVALID, ("url.unsupported_scheme",)),
    Case("https://evil.net%2fapp.atera.com/", INVALID, ("url.invalid",), differential=True),
    Case("https://1.2.3.4.5/", INVALID, ("url.invalid",), differential=True),
    Case("https://999.1.1.1/", INVALID, ("url.invalid",), differential=True),
    Case("https://atera.com.0x1/", INVALID, ("url.invalid",), differential=True),
    Case("https://app atera.com/", INVALID, ("url.invalid",), differential=True),
    Case("https://app.atera.com:65536/", INVALID, ("url.invalid",), differential=True),
    Case("https://app.atera.c℀m/", INVALID, ("url.invalid",), differential=True),
    Case("https://app.atera.com／evil.net/", INVALID, ("url.invalid",), differential=True),
    Case("https://xn--a.com/", INVALID, ("url.invalid",)),
    Case("https://a..atera.com/users/login", INVALID, ("url.invalid",)),
    Case("https://" + "a" * 64 + ".atera.com/", INVALID, ("url.invalid",)),
)

URLLIB_HOSTS = {
    "https://evil.net\\@atera.com/": "atera.com",
    "https://atera.com\\@evil.net/": "evil.net",
    "https://evil.net\\.atera.com/": "evil.net\\.atera.com",
    "https:app.atera.com/users/login": None,
    "https:\\\\evil.net\\users\\login": None,
    "https://app%2eatera%2ecom/users/login": "app%2eatera%2ecom",
    "https://app.atera.com%2eevil.net/": "app.atera.com%2eevil.net",
    "http://0x7f.1/": "0x7f.1",
}
"""What ``urllib.parse.urlsplit(...).hostname`` reports for some differential rows (reference §1.2)."""
