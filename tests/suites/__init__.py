"""Public conformance suites vendored as test data, with typed loaders.

Each suite lives under ``data/<suite>/`` with the upstream licence and an ``UPSTREAM.md`` (repository,
commit, paths, date, what was taken and how it was transformed). The loaders return frozen
dataclasses and never touch the network:

- :func:`tests.suites.x509_limbo.load_limbo_cases` -- x509-limbo ``webpki::``/``rfc5280::`` SERVER cases
- :func:`tests.suites.http_state.load_http_state_cases` -- Adam Barth's http-state parser tests
- :func:`tests.suites.wpt_url.load_url_cases` / :func:`tests.suites.wpt_url.load_idna_cases` -- WPT URL data
- :func:`tests.suites.wpt_cookies.load_wpt_cookie_cases` -- WPT cookie tables decidable without a browser

``tools/suite_baseline.py`` runs them against the current checks and prints agreement figures.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
