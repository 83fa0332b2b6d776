"""The shared Public Suffix List answers exactly as the package's default build does."""

from __future__ import annotations

import pytest
from publicsuffixlist import PSLFILE, PublicSuffixList

from diagnose.psl import _rules, public_suffix_list


def _hosts() -> list[str]:
    """A host under every rule of the bundled list, in Unicode and punycode, exceptions and wildcards too."""
    hosts = []
    with open(PSLFILE, encoding="utf-8") as file:
        for line in file:
            rule = line.strip().split(" ")[0].lower()
            if not rule or rule.startswith("//"):
                continue
            bare = rule.lstrip("!").removeprefix("*.")
            for form in {bare, bare.encode("idna").decode("ascii")}:
                hosts += [form, f"a.{form}", f"b.a.{form}"]
    return hosts


@pytest.mark.parametrize("icann_only", [False, True])
def test_every_rule_answers_as_the_default_build(icann_only: bool) -> None:
    fast = public_suffix_list(icann_only=icann_only)
    default = PublicSuffixList(only_icann=icann_only)
    hosts = _hosts()
    assert len(hosts) > 25_000
    for host in hosts:
        assert fast.publicsuffix(host) == default.publicsuffix(host), host
        assert fast.privatesuffix(host) == default.privatesuffix(host), host
        assert fast.publicsuffix(host, accept_unknown=False) == default.publicsuffix(host, accept_unknown=False), host
    for unknown in ("localhost", "example.invalid", "a.b.notatld", "com", "github.io", "xn--p1ai"):
        assert fast.publicsuffix(unknown) == default.publicsuffix(unknown)
        assert fast.is_public(unknown) == default.is_public(unknown)


def test_non_ascii_rules_gain_their_punycode_beside_them() -> None:
    rules = _rules()
    at = rules.index("рф")
    assert rules[at + 1] == "xn--p1ai"
    assert public_suffix_list().privatesuffix("пример.рф") == "пример.рф"
    assert public_suffix_list().privatesuffix("xn--e1afmkfd.xn--p1ai") == "xn--e1afmkfd.xn--p1ai"
    assert public_suffix_list(icann_only=True).publicsuffix("user.github.io") == "io"
    assert public_suffix_list().publicsuffix("user.github.io") == "github.io"


def test_it_is_built_once_and_shared() -> None:
    assert public_suffix_list() is public_suffix_list()
    assert public_suffix_list(icann_only=True) is not public_suffix_list()

