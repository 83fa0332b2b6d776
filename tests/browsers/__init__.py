"""The browser oracle: real Chromium and Firefox, headless and loopback-only, as the judge in tests.

Chromium is driven over the DevTools pipe (:mod:`tests.browsers.chromium`, :mod:`tests.browsers.page`),
its net-log read into typed facts (:mod:`tests.browsers.netlog`); Firefox over Marionette
(:mod:`tests.browsers.firefox`). The fixtures (:mod:`tests.browsers.fixtures`) are available to
every test directory. How to write a differential test, the flags used and why, how loopback-only
is guaranteed and the quirks found: ``tests/browsers/README.md``.
"""
