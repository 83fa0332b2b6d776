"""Chromium's content-settings patterns and Firefox's prefs.js, parsed the browsers' way."""

from __future__ import annotations

import pytest

from checks._browser.patterns import Pattern, effective_rule, parse_rules
from checks._browser.prefsjs import parse_prefs

# --------------------------------------------------------------------- Chromium patterns


@pytest.mark.parametrize(
    ("pattern", "url", "matches"),
    [
        ("[*.]atera.com", ("https", "app.atera.com", 443), True),
        ("[*.]atera.com", ("https", "atera.com", 443), True),
        ("[*.]atera.com", ("https", "notatera.com", 443), False),
        ("https://[*.]atera.com", ("http", "app.atera.com", 80), False),
        ("https://app.atera.com:443", ("https", "app.atera.com", 443), True),
        ("https://app.atera.com:443", ("https", "app.atera.com", 8443), False),
        ("https://app.atera.com", ("https", "app.atera.com", 8443), True),  # no port: any port
        ("app.atera.com", ("http", "app.atera.com", 80), True),            # no scheme: any scheme
        ("app.atera.com", ("https", "x.app.atera.com", 443), False),       # no [*.]: this host only
        ("*", ("https", "anything.example", 443), True),
        ("https://*:443", ("https", "anything.example", 443), True),
        ("https://[2001:db8::1]:443", ("https", "2001:db8::1", 443), True),
    ],
)
def test_pattern_matching(pattern: str, url: tuple[str, str, int], matches: bool) -> None:
    parsed = Pattern.parse(pattern)
    assert parsed is not None
    assert parsed.matches(*url) is matches


@pytest.mark.parametrize("junk", ["file:///home/x/", "http://exa mple.com", "https://a:b:c", "[*.]", "https://"])
def test_patterns_the_check_does_not_model_are_ignored(junk: str) -> None:
    assert Pattern.parse(junk) is None


def test_the_most_specific_rule_wins() -> None:
    rules = parse_rules({
        "*,*": {"setting": 2},
        "[*.]atera.com,*": {"setting": 2},
        "https://app.atera.com:443,*": {"setting": 1},
        "[*.]com,*": {"setting": 1},
        "[*.]atera.com,https://[*.]partner.example": {"setting": 1},  # only when embedded in partner.example
        "broken": "not a dict",
        "also,broken": {"setting": 9},
    })
    rule = effective_rule(rules, "https", "app.atera.com", 443)
    assert rule is not None and rule.setting == "allow" and rule.key == "https://app.atera.com:443,*"
    other = effective_rule(rules, "https", "billing.atera.com", 443)
    assert other is not None and other.setting == "block" and other.key == "[*.]atera.com,*"
    assert effective_rule(parse_rules({}), "https", "a.b", 443) is None


# --------------------------------------------------------------------- prefs.js


PREFS = r"""// Mozilla User Preferences
// user_pref("commented.out", true);
/* user_pref("block.comment", true); */
/*
user_pref("multi.line.comment", true);
*/
# user_pref("hash.comment", true);
user_pref("url.with.slashes", "http://proxy.example:8080/#x"); // trailing comment
user_pref("network.cookie.cookieBehavior", 2);
user_pref("network.proxy.http", "proxy.example.com");
user_pref("network.proxy.http_port", 3128);
user_pref("security.enterprise_roots.enabled", false);
user_pref("quoted", "a \"quoted\" \\ value;with; semicolons\n\u00e9\x41");
user_pref('single.quotes', 'it\'s');
user_pref("negative", -5);
  user_pref ( "spaced" ,  true ) ;
pref("not.a.user.pref", true);
sticky_pref("sticky", true);
user_pref("expression", 1 + 1);
user_pref("call", eval("alert(1)"));
user_pref("network.cookie.cookieBehavior", 5);
"""


def test_prefs_js_is_parsed_not_run() -> None:
    prefs = parse_prefs(PREFS)
    assert prefs["network.cookie.cookieBehavior"] == 5  # the later statement wins
    assert prefs["network.proxy.http"] == "proxy.example.com"
    assert prefs["network.proxy.http_port"] == 3128
    assert prefs["security.enterprise_roots.enabled"] is False
    assert prefs["quoted"] == 'a "quoted" \\ value;with; semicolons\néA'
    assert prefs["single.quotes"] == "it's"
    assert prefs["negative"] == -5
    assert prefs["spaced"] is True
    assert prefs["url.with.slashes"] == "http://proxy.example:8080/#x"
    for absent in ("commented.out", "block.comment", "multi.line.comment", "hash.comment", "not.a.user.pref",
                   "sticky", "expression", "call"):
        assert absent not in prefs


def test_prefs_js_survives_hostile_input() -> None:
    hostile = 'user_pref("' + "\\" * 10_000 + '", 1);\n' + "user_pref(" * 50_000 + '\nuser_pref("ok", 1);\n'
    assert parse_prefs(hostile)["ok"] == 1
