"""Run the real ``browser`` check over a fake home tree (shared by the browser tests and the benchmark)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from checks._browser.host import Host
from checks.browser import BrowserCheck
from diagnose.check import CheckContext, Clock, check_result_from
from diagnose.deadline import Deadline
from diagnose.model import CheckResult
from diagnose.net import Net
from diagnose.profiles import Profile, load_profile, profile_from_mapping
from diagnose.session import make_target
from diagnose.settings import Settings
from tests.checks.browser_fixtures import NOW, FakeHome

SIGNIN = "https://app.atera.com/users/login"


class FixedClock:
    """The device clock at the tests' fixed "now" (cookie expiry is judged against it)."""

    def time(self) -> float:
        return NOW

    def monotonic(self) -> float:
        return time.monotonic()


def check_for(host: Host) -> type[BrowserCheck]:
    return type("FakeHomeBrowserCheck", (BrowserCheck,), {"host_override": host})


def vendor_profile(**browser: Any) -> Profile:
    """The Atera profile with its ``[browser]`` table changed."""
    base = load_profile()
    data: dict[str, Any] = {
        "name": base.name, "vendor": base.vendor, "default_url": base.default_url,
        "official_domains": list(base.official_domains), "signin_urls": list(base.signin_urls),
        "support_url": base.support_url, "facts": dict(base.facts), "advice": dict(base.advice),
        **{k: dict(v) for k, v in base.sections.items()},
    }
    data["browser"] = {**data.get("browser", {}), **browser}
    return profile_from_mapping(data)


def run_browser_check(home: FakeHome | Host, *, url: str = SIGNIN, profile: Profile | None = None,
                      settings: Settings | None = None, results: Mapping[str, CheckResult] | None = None,
                      system_proxy: str | None = None, clock: Clock | None = None,
                      deadline: Deadline | None = None) -> CheckResult:
    host = home.host if isinstance(home, FakeHome) else home
    cls = check_for(host)
    profile = profile or load_profile()
    settings = settings or Settings()
    proxies = {"https": system_proxy, "http": system_proxy} if system_proxy else {}
    finished = dict(results or {})

    async def later(check_id: str) -> CheckResult | None:  # the other checks have finished already
        return finished.get(check_id)

    ctx = CheckContext(make_target(url, profile), profile, settings, Net(settings, proxy_env=proxies),
                       clock or FixedClock(), deadline=deadline or Deadline.never(), later=later)
    outcome = asyncio.run(cls().run(ctx))
    return check_result_from(cls, outcome, 0, "built-in")


def codes(result: CheckResult) -> list[str]:
    return [f.code for f in result.findings]


def finding(result: CheckResult, code: str) -> Any:
    matches = [f for f in result.findings if f.code == code]
    assert matches, f"{code} not in {codes(result)}"
    return matches[0]
