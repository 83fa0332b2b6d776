"""The browser-like cookie jar of the redirects check, rule by rule (no network needed).

Each case is one row of RFC 6265bis or Chromium behaviour, and most are rows
where ``http.cookiejar`` does the opposite (reference A6): the jar must side
with the browser.
"""

from __future__ import annotations

import calendar
import json

import pytest

from checks._redirects.cookies import CookieJar, SetCookieOutcome
from checks._redirects.flow import parse_refresh
from checks._redirects.rules import (
    MAX_LIFETIME_SECONDS,
    CookieUrl,
    Exclusion,
    Note,
    default_path,
    parse_cookie_date,
    path_match,
)
from diagnose.redact import ValueHasher

NOW = 1_800_000_000.0
HTTPS = CookieUrl("https", "app.atera-lab.test", "/users/login")
HTTP = CookieUrl("http", "app.atera-lab.test", "/users/login")


def store(line: str, url: CookieUrl = HTTPS, jar: CookieJar | None = None) -> tuple[CookieJar, SetCookieOutcome]:
    jar = jar or CookieJar()
    return jar, jar.receive(line, url, NOW)


# --------------------------------------------------------------------- what http.cookiejar gets wrong


def test_secure_cookie_set_over_http_is_refused_with_secure_only() -> None:
    jar, outcome = store("s=1; Secure", HTTP)
    assert not outcome.stored
    assert outcome.reasons == (Exclusion.SECURE_ONLY,)
    assert outcome.reasons[0].devtools == "SecureOnly"
    assert jar.cookies() == ()


def test_secure_cookie_over_https_is_stored() -> None:
    jar, outcome = store("s=1; Secure")
    assert outcome.stored and jar.cookies()[0].secure


def test_secure_cookie_over_http_localhost_is_allowed_with_a_warning() -> None:
    _jar, outcome = store("s=1; Secure", CookieUrl("http", "localhost", "/"))
    assert outcome.stored
    assert Note.SECURE_ACCESS_GRANTED_NON_CRYPTOGRAPHIC in outcome.notes


def test_samesite_none_without_secure_is_refused() -> None:
    _jar, outcome = store("n=1; SameSite=None")
    assert outcome.reasons == (Exclusion.SAMESITE_NONE_INSECURE,)
    assert outcome.reasons[0].devtools == "SameSiteNoneInsecure"
    _jar, ok = store("n=1; SameSite=None; Secure")
    assert ok.stored


@pytest.mark.parametrize(
    "line",
    [
        "__Host-h=1; Secure; Path=/; Domain=atera-lab.test",
        "__Host-h=1; Secure",  # no Path=/
        "__Host-h=1; Secure; Path=/app",
        "__Secure-p=1",
        "__SeCuRe-p=1; Path=/",  # prefixes match case-insensitively
        "=__Host-x",  # a nameless cookie must not smuggle a prefix in its value
    ],
)
def test_prefix_rules(line: str) -> None:
    _jar, outcome = store(line)
    assert Exclusion.INVALID_PREFIX in outcome.reasons
    assert Exclusion.INVALID_PREFIX.devtools == "InvalidPrefix"


def test_valid_prefixed_cookies_are_stored() -> None:
    jar = CookieJar()
    assert jar.receive("__Host-sid=1; Secure; Path=/", HTTPS, NOW).stored
    assert jar.receive("__Secure-x=1; Secure; Domain=atera-lab.test", HTTPS, NOW).stored


def test_secure_prefix_set_over_http_is_refused_twice_over() -> None:
    _jar, outcome = store("__Secure-p=1; Secure", HTTP)
    assert set(outcome.reasons) == {Exclusion.SECURE_ONLY, Exclusion.INVALID_PREFIX}


def test_name_plus_value_limit_is_4096_bytes() -> None:
    _jar, fits = store("n=" + "v" * 4095)
    assert fits.stored and fits.size == 4096
    _jar, too_big = store("n=" + "v" * 4096)
    assert too_big.reasons == (Exclusion.NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE,)
    assert too_big.size == 4097


def test_attribute_over_1024_bytes_is_ignored_not_the_cookie() -> None:
    jar, outcome = store("p=1; Secure; Path=/" + "a" * 1100)
    assert outcome.stored
    assert Note.ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE in outcome.notes
    assert jar.cookies()[0].path == "/users"  # the default path: the oversized Path was dropped


def test_invalid_max_age_keeps_a_session_cookie() -> None:
    jar, outcome = store("m=1; Max-Age=abc; Secure")
    assert outcome.stored
    assert Note.MAX_AGE_INVALID in outcome.notes
    assert jar.cookies()[0].expiry is None


def test_invalid_max_age_does_not_matter_when_expires_is_valid() -> None:
    jar, outcome = store("m=1; Max-Age=1x; Expires=Tue, 01 Jun 2027 00:00:00 GMT")
    assert outcome.stored and outcome.notes == ()
    assert jar.cookies()[0].expiry == calendar.timegm((2027, 6, 1, 0, 0, 0))


def test_lifetime_is_clamped_to_400_days() -> None:
    jar, outcome = store("h=1; Max-Age=999999999")
    assert Note.EXPIRY_CLAMPED_TO_400_DAYS in outcome.notes
    assert jar.cookies()[0].expiry == NOW + MAX_LIFETIME_SECONDS == NOW + 34_560_000
    assert outcome.requested_lifetime_days == pytest.approx(999999999 / 86400)
    jar, outcome = store("h=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT")
    assert Note.EXPIRY_CLAMPED_TO_400_DAYS in outcome.notes
    assert jar.cookies()[0].expiry == NOW + MAX_LIFETIME_SECONDS


def test_max_age_wins_over_expires_and_zero_deletes() -> None:
    jar, first = store("d=1; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=60")
    assert first.stored and jar.cookies()[0].expiry == NOW + 60
    deletion = jar.receive("d=; Max-Age=0", HTTPS, NOW)
    assert deletion.deleted and not deletion.stored and not deletion.reasons
    assert jar.cookies() == ()


@pytest.mark.parametrize("line", ["c=a\x01b", "c\x7f=1", "c=1; Path=/\x00"])
def test_control_characters_refuse_the_cookie(line: str) -> None:
    _jar, outcome = store(line)
    assert outcome.reasons == (Exclusion.DISALLOWED_CHARACTER,)
    assert outcome.reasons[0].devtools == "DisallowedCharacter"


def test_tab_inside_a_value_is_refused_but_around_it_is_trimmed() -> None:
    _jar, outcome = store("c=a\tb")
    assert outcome.reasons == (Exclusion.DISALLOWED_CHARACTER,)
    jar, trimmed = store("c=\tab\t")
    assert trimmed.stored and jar.cookies()[0].size == 3


def test_empty_cookie_is_no_content() -> None:
    _jar, outcome = store("=")
    assert outcome.reasons == (Exclusion.NO_COOKIE_CONTENT,)


# --------------------------------------------------------------------- domains


BOTH = {Exclusion.DOMAIN_MISMATCH, Exclusion.INVALID_DOMAIN}
"""What Chromium 156 says of a Domain on another site (measured): DomainMismatch and InvalidDomain."""


def test_domain_of_another_site_is_invalid() -> None:
    _jar, outcome = store("d=1; Domain=example.com")
    assert set(outcome.reasons) == BOTH
    assert not outcome.public_suffix_domain


def test_public_suffix_domain_is_invalid() -> None:
    _jar, outcome = store("d=1; Domain=co.uk", CookieUrl("https", "shop.co.uk", "/"))
    assert set(outcome.reasons) == BOTH
    assert outcome.public_suffix_domain
    # An unlisted top-level domain counts as a public suffix (the list's default rule "*").
    _jar, tld = store("d=1; Domain=test")
    assert set(tld.reasons) == BOTH and tld.public_suffix_domain


def test_public_suffix_equal_to_the_host_becomes_host_only() -> None:
    jar, outcome = store("d=1; Domain=github.io", CookieUrl("https", "github.io", "/"))
    assert outcome.stored and jar.cookies()[0].host_only


def test_parent_domain_is_shared_and_leading_dot_ignored() -> None:
    jar, outcome = store("d=1; Domain=.Atera-Lab.test; Path=/")
    assert outcome.stored
    cookie = jar.cookies()[0]
    assert (cookie.domain, cookie.host_only) == ("atera-lab.test", False)
    sent = jar.retrieve(CookieUrl("https", "auth.atera-lab.test", "/"), NOW)
    assert [c.name for c in sent.sent] == ["d"]


def test_ip_hosts_only_take_their_own_address() -> None:
    ip = CookieUrl("https", "127.0.0.1", "/")
    jar, same = store("d=1; Domain=127.0.0.1", ip)
    assert same.stored and jar.cookies()[0].host_only
    _jar, other = store("d=1; Domain=0.0.1", ip)
    assert other.reasons == (Exclusion.INVALID_DOMAIN,)


def test_non_ascii_domain_is_refused() -> None:
    """Chromium 156 says InvalidDomain only (kCookieDomainRejectNonASCII is not on; measured)."""
    _jar, outcome = store("d=1; Domain=bücher.test")
    assert outcome.reasons == (Exclusion.INVALID_DOMAIN,)
    assert outcome.reasons[0].devtools == "InvalidDomain"


@pytest.mark.parametrize(("domain", "mismatch"), [
    ("other-lab.test", True), ("test", True), (".test", True), ("..test", True), ("evil.test", True),
    ("atera-lab.test.evil", True), ("..app.atera-lab.test", False), ("...atera-lab.test", False),
    ("sub.app.atera-lab.test", False), ("pp.atera-lab.test", False), ("x..atera-lab.test", False),
    ("app.atera-lab.test:443", False), ("atera%2Dlab.test", False), ("%61tera-lab.test", False),
])
def test_a_refused_domain_of_another_site_also_mismatches(domain: str, mismatch: bool) -> None:
    """Measured in Chromium 156: DomainMismatch joins InvalidDomain when the Domain names another site."""
    _jar, outcome = store(f"c=1; Secure; Domain={domain}")
    expected = {Exclusion.INVALID_DOMAIN} | ({Exclusion.DOMAIN_MISMATCH} if mismatch else set())
    assert set(outcome.reasons) == expected


def test_insecure_origin_cannot_overwrite_a_secure_cookie() -> None:
    jar, _ = store("sid=s3cure; Secure; Path=/")
    outcome = jar.receive("sid=plain; Path=/", HTTP, NOW)
    assert outcome.reasons == (Exclusion.OVERWRITE_SECURE,)
    assert outcome.reasons[0].devtools == "OverwriteSecure"
    assert jar.cookies()[0].secure


# --------------------------------------------------------------------- retrieval


def test_host_only_cookie_is_not_sent_to_a_sibling_host() -> None:
    jar, _ = store("sid=1; Secure; Path=/", CookieUrl("https", "auth.atera-lab.test", "/login"))
    got = jar.retrieve(HTTPS, NOW)
    assert got.sent == ()
    assert got.withheld[0].reasons == (Exclusion.DOMAIN_MISMATCH,)


def test_path_matching() -> None:
    assert path_match("/auth", "/auth") and path_match("/auth/x", "/auth") and path_match("/auth/x", "/auth/")
    assert not path_match("/authx", "/auth") and not path_match("/", "/auth")
    assert default_path("/users/login") == "/users" and default_path("/login") == "/" and default_path("x") == "/"
    jar, _ = store("sid=1; Path=/auth")
    got = jar.retrieve(CookieUrl("https", "app.atera-lab.test", "/authx"), NOW)
    assert got.withheld[0].reasons == (Exclusion.NOT_ON_PATH,)


def test_secure_cookie_is_not_sent_over_http() -> None:
    jar, _ = store("sid=1; Secure; Path=/")
    got = jar.retrieve(HTTP, NOW)
    assert got.withheld[0].reasons == (Exclusion.SECURE_ONLY,)


def test_cross_site_navigation_keeps_lax_and_drops_strict() -> None:
    jar = CookieJar()
    for line in ("strict=1; SameSite=Strict", "lax=1; SameSite=Lax", "default=1", "none=1; SameSite=None; Secure"):
        jar.receive(line, HTTPS, NOW)
    got = jar.retrieve(HTTPS, NOW, same_site=False)
    assert sorted(c.name for c in got.sent) == ["default", "lax", "none"]
    assert [(w.cookie.name, w.reasons) for w in got.withheld] == [("strict", (Exclusion.SAMESITE_STRICT,))]
    assert len(jar.retrieve(HTTPS, NOW, same_site=True).sent) == 4


def test_longer_paths_first_then_older_cookies() -> None:
    jar = CookieJar()
    jar.receive("a=1; Path=/", HTTPS, NOW)
    jar.receive("b=2; Path=/users", HTTPS, NOW + 1)
    jar.receive("c=3; Path=/", HTTPS, NOW + 2)
    got = jar.retrieve(HTTPS, NOW + 3)
    assert got.header == "b=2; a=1; c=3"
    assert got.header_bytes == len("b=2; a=1; c=3")


def test_expired_cookies_are_not_sent() -> None:
    jar, _ = store("t=1; Max-Age=10")
    assert jar.retrieve(HTTPS, NOW + 5).sent
    assert not jar.retrieve(HTTPS, NOW + 11).sent


# --------------------------------------------------------------------- limits and state


def test_more_than_180_cookies_per_site_purges_down_to_150() -> None:
    jar = CookieJar()
    outcomes = [jar.receive(f"c{i:03d}={i}", HTTPS, NOW + i) for i in range(181)]
    assert len(jar.cookies()) == 150
    assert outcomes[-1].stored
    assert outcomes[-1].evicted == tuple(f"c{i:03d}" for i in range(31))  # the oldest go first
    assert jar.evictions[0].site == "atera-lab.test" and jar.evictions[0].count_before == 181
    # Another site has its own budget.
    assert jar.receive("x=1", CookieUrl("https", "login.idp-lab.test", "/"), NOW).evicted == ()


def test_state_follows_values_and_replacing_keeps_one_cookie() -> None:
    jar = CookieJar()
    empty = jar.state(NOW)
    jar.receive("n=1", HTTPS, NOW)
    one = jar.state(NOW)
    jar.receive("n=2", HTTPS, NOW)
    assert len(jar.cookies()) == 1
    assert len({empty, one, jar.state(NOW)}) == 3
    jar.receive("n=1", HTTPS, NOW)
    assert jar.state(NOW) == one


def test_values_never_appear_in_descriptions() -> None:
    secret = "s3cr3t-value-XYZ"
    hasher = ValueHasher()
    jar, outcome = store(f"sid={secret}; Secure; Path=/", jar=CookieJar(value_hash=hasher))
    cookie = jar.cookies()[0]
    text = json.dumps([outcome.as_evidence(), cookie.describe()]) + repr(cookie) + repr(outcome)
    assert secret not in text
    assert cookie.describe()["value_hash"] == outcome.value_hash == hasher(secret)
    assert jar.scrub(f"error near {secret}!") == "error near [redacted]!"
    _jar, refused = store(f"big={'x' * 5000}{secret}")
    assert secret not in json.dumps(refused.as_evidence())


# --------------------------------------------------------------------- dates and refresh


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wed, 09 Jun 2021 10:18:14 GMT", (2021, 6, 9, 10, 18, 14)),
        ("Wed, 09-Jun-21 10:18:14 GMT", (2021, 6, 9, 10, 18, 14)),
        ("Sun Nov  6 08:49:37 1994", (1994, 11, 6, 8, 49, 37)),
        ("Thu, 01-Jan-70 00:00:01", (1970, 1, 1, 0, 0, 1)),
        ("1 jan 69 1:2:3", (2069, 1, 1, 1, 2, 3)),
    ],
)
def test_cookie_dates(text: str, expected: tuple[int, ...]) -> None:
    assert parse_cookie_date(text) == calendar.timegm((*expected,))


@pytest.mark.parametrize("text", ["not a date", "31 Feb 2021 00:00:00", "1 Jan 1600 00:00:00", "1 Jan 2021 24:00:00"])
def test_invalid_cookie_dates(text: str) -> None:
    assert parse_cookie_date(text) is None


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("0; url=/next", (0.0, "/next")),
        ("0;URL='https://x.test/a'", (0.0, "https://x.test/a")),
        ('3, url="/q"', (3.0, "/q")),
        ("5", (5.0, None)),
        ("0 /plain", (0.0, "/plain")),
        ("1.5; url=/x", (1.0, "/x")),
        ("soon", None),
        ("0x; url=/x", None),
    ],
)
def test_refresh_content(content: str, expected: tuple[float, str | None] | None) -> None:
    assert parse_refresh(content) == expected


# --------------------------------------------------------------------- issue 13: as Chromium 156 measured


def test_only_one_leading_dot_of_a_domain_is_dropped() -> None:
    """``Domain=..atera-lab.test``: browsers strip one dot, so ".atera-lab.test" matches no host."""
    _jar, outcome = store("dd=1; Domain=..atera-lab.test")
    assert not outcome.stored and outcome.reasons == (Exclusion.INVALID_DOMAIN,)
    _jar, outcome = store("d1=1; Domain=.atera-lab.test")
    assert outcome.stored and outcome.attributes["domain"] == "atera-lab.test"


@pytest.mark.parametrize("domain", ["atera-lab.test.", "app.atera-lab.test.", "."])
def test_a_trailing_dot_or_a_lone_dot_in_domain_gives_both_chromium_reasons(domain: str) -> None:
    _jar, outcome = store(f"td=1; Domain={domain}")
    assert set(outcome.reasons) == {Exclusion.DOMAIN_MISMATCH, Exclusion.INVALID_DOMAIN}


def test_percent_in_a_domain_is_invalid() -> None:
    _jar, outcome = store("pc=1; Domain=atera%2Dlab.test")
    assert outcome.reasons == (Exclusion.INVALID_DOMAIN,)


def test_domain_is_compared_without_case() -> None:
    _jar, outcome = store("up=1; Domain=ATERA-LAB.TEST")
    assert outcome.stored and outcome.attributes["domain"] == "atera-lab.test"


@pytest.mark.parametrize("digits", [309, 400, 1024])
def test_max_age_of_hundreds_of_digits_is_clamped_not_a_crash(digits: int) -> None:
    jar, outcome = store(f"big=1; Max-Age={'9' * digits}")
    assert outcome.stored and Note.EXPIRY_CLAMPED_TO_400_DAYS in outcome.notes
    assert jar.cookies()[0].expiry == NOW + MAX_LIFETIME_SECONDS
    assert outcome.requested_lifetime_days is not None and outcome.requested_lifetime_days > 10**12
    json.dumps(outcome.as_evidence())


def test_a_max_age_over_1024_bytes_is_an_ignored_attribute() -> None:
    jar, outcome = store(f"big=1; Max-Age={'9' * 5000}")
    assert outcome.stored and outcome.notes == (Note.ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE,)
    assert jar.cookies()[0].expiry is None


def test_a_negative_max_age_of_hundreds_of_digits_deletes() -> None:
    jar, _ = store("x=1")
    _jar, outcome = store(f"x=2; Max-Age=-{'9' * 400}", jar=jar)
    assert outcome.deleted and jar.cookies() == ()


@pytest.mark.parametrize("line", [
    "t=1; Domain=test\t.co; Domain=atera-lab.test", "t=1; Path=/te\tst; Path=/", "t=1; Max-Age=10\t00",
    "t=1; Sec\ture", "t=1; Http\tOnly", "t=1; SameSite=No\tne; SameSite=None; Secure", "te\tst=1", "t=9\tvalue",
])
def test_a_tab_inside_any_part_of_the_line_is_a_disallowed_character(line: str) -> None:
    """Chromium 156 refuses the whole line (WPT and 6265bis accept it: a listed deviation)."""
    _jar, outcome = store(line)
    assert outcome.reasons == (Exclusion.DISALLOWED_CHARACTER,)


@pytest.mark.parametrize("line", ["t=1; Secure\t", "t=1; Max-Age=1000\t", "t=1\t; Path=/", "\tt=1"])
def test_a_tab_at_either_end_of_a_part_is_trimmed(line: str) -> None:
    _jar, outcome = store(line)
    assert outcome.stored


def test_strict_cookies_after_a_cross_site_detour_are_sent_and_marked() -> None:
    jar, _ = store("st=1; Secure; SameSite=Strict")
    store("lx=1; Secure; SameSite=Lax", jar=jar)
    plain = jar.retrieve(HTTPS, NOW)
    assert {c.name for c in plain.sent} == {"st", "lx"} and plain.downgraded == ()
    detour = jar.retrieve(HTTPS, NOW, cross_site_redirect=True)
    assert {c.name for c in detour.sent} == {"st", "lx"}
    assert [c.name for c in detour.downgraded] == ["st"]


# --------------------------------------------------------------------- the public API other checks use

def test_the_public_cookie_api_of_the_redirects_check_is_the_jar_itself() -> None:
    """``login-doctor har`` and the browser check import these from ``checks.redirects``: each name
    must stay there and be the very object the jar uses (not a copy that could drift)."""
    import checks.redirects as public
    from checks._redirects import cookie_findings, cookies, rules

    assert sorted(public.__all__) == sorted([
        "SERVER_LIMITS", "CookieJar", "CookieUrl", "Exclusion", "Note", "RedirectsCheck", "SetCookieOutcome",
        "domain_match", "is_loopback_host", "path_match", "registrable_domain",
        "BROWSER_NAMES", "GIVES_UP", "LIMITS_TEXT", "REDIRECT_LIMITS",
    ])
    assert public.SERVER_LIMITS is cookie_findings.SERVER_LIMITS
    from checks._redirects import flow, flow_findings

    assert public.REDIRECT_LIMITS is flow.REDIRECT_LIMITS  # the har check's limits are the walker's
    assert (public.LIMITS_TEXT, public.GIVES_UP) == (flow_findings.LIMITS_TEXT, flow_findings.GIVES_UP)
    assert (public.CookieJar, public.SetCookieOutcome) == (cookies.CookieJar, cookies.SetCookieOutcome)
    for name in ("CookieUrl", "Exclusion", "Note", "domain_match", "is_loopback_host", "path_match",
                 "registrable_domain"):
        assert getattr(public, name) is getattr(rules, name), name
    # And they work as the har replay uses them.
    jar = public.CookieJar()
    outcome = jar.receive("sid=1; Secure", public.CookieUrl("http", "app.atera-lab.test", "/"), NOW)
    assert isinstance(outcome, public.SetCookieOutcome) and not outcome.stored
    assert public.registrable_domain("app.atera.com") == "atera.com"
    assert public.domain_match("app.atera.com", "atera.com") and public.path_match("/users/login", "/users")
    assert public.is_loopback_host("localhost")
