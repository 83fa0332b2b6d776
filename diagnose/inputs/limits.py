"""Every limit an input is read within, in one place (listed in docs/inputs.md).

login-doctor reads what people, scripts and other programs hand it: options on
the command line, vendor profiles (TOML), saved reports (JSON), certificate
files (PEM or DER), browser recordings (HAR, whose own limits are in
:mod:`diagnose.har.limits`). Any of them may be malformed, truncated, enormous
or hostile. Each dimension of each input has a bound here; past it the input
is refused at the door with one line naming what and where (exit code 2),
before a check, a renderer or a parser deeper down ever sees it.

The figures are generous for real inputs (a report is kilobytes, a profile a
few hundred bytes, a CA bundle a few hundred kilobytes) and small enough that
reading the largest accepted input costs bounded time and memory.
"""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB

# ----------------------------------------------------------------------------- files

MAX_PROFILE_BYTES = 1 * MIB
"""A profile file larger than this is refused unread (the Atera profile is 5 KiB)."""

MAX_REPORT_BYTES = 64 * MIB
"""``render`` refuses a report larger than this (a report is kilobytes; the largest
a run can write, with every check's details, stays far below)."""

MAX_SUMMARIZE_REPORT_BYTES = 16 * MIB
"""``summarize`` skips a file larger than this unread (it reads thousands of reports in turn)."""

MAX_CA_FILE_BYTES = 4 * MIB
"""A ``--ca-file`` larger than this is refused (a distribution's whole CA bundle is ~220 KiB)."""

MAX_CA_CERTIFICATES = 1000
"""Certificates in one ``--ca-file`` at most (Mozilla's root program holds ~150)."""

MAX_CERTIFICATE_BYTES = 64 * KIB
"""One certificate (DER) larger than this is refused; real ones are 1-2 KiB."""

MAX_STDIN_LINE_BYTES = 64 * KIB
"""A line of standard input (an address for ``url -``, a file name for ``summarize -``)."""

MAX_PATH_CHARS = 4096
"""A file or folder name given on the command line (Linux's PATH_MAX)."""

# ----------------------------------------------------------------------------- JSON and TOML

MAX_JSON_DEPTH = 64
"""Arrays and objects nested deeper than this are refused. A report nests about
ten levels; a check's details a few more."""

MAX_TOML_DEPTH = 8
"""Tables and arrays nested deeper than this in a profile are refused (the Atera
profile nests three levels: ``[[browser.known_extensions]]`` with a list)."""

MAX_NUMBER_CHARS = 40
"""A number written with more characters than this is refused, in JSON and TOML alike
(Python refuses integers of more than 4,300 digits with an error of its own; a
report's largest number, a duration in ms, has a dozen)."""

MAX_INTEGER = 2**63 - 1
"""Integers beyond ±this are refused (JSON Schema's and TOML's 64-bit range)."""

# ----------------------------------------------------------------------------- profiles

MAX_PROFILE_VALUES = 20_000
"""Values (strings, numbers, list items, keys) in one profile at most."""

MAX_PROFILE_STRING = 4096
"""Characters of a free-text profile string (a description, an advice sentence, a plugin's value)."""

MAX_URL_CHARS = 8192
"""Characters of a URL: the address to diagnose, a profile's sign-in URL or probe.
(Chromium accepts 2 MiB URLs; a sign-in address of more than 8 KiB is not one, and
every URL is copied into a report.)"""

MAX_HOST_CHARS = 253
"""A DNS name's length in characters (RFC 1035), without the trailing dot."""

MAX_LABEL_CHARS = 63
"""One label of a DNS name (RFC 1035)."""

MAX_DOMAINS = 50
"""``official_domains``, ``signin_urls``, ``control_hosts`` and the like: entries per list."""

MAX_KEYWORDS = 100
"""``[url] brand_keywords``: each one multiplies the look-alike names the url check builds."""

MAX_SHORTENERS = 500
"""``[url] shorteners``."""

MAX_TIME_SOURCES = 16
"""``[clock] ntp_servers`` and ``http_date_sources``."""

MAX_TABLE_KEYS = 100
"""Keys of one table (``[facts]``, ``[advice]``, a plugin's section)."""

MAX_LIST_ITEMS = 1000
"""Items of a list the profile schema does not bound more tightly (a plugin's section)."""

MAX_KNOWN_EXTENSIONS = 200
"""``[[browser.known_extensions]]`` entries."""

# ----------------------------------------------------------------------------- the command line

MAX_OPTION_REPEATS = 32
"""Times a repeatable option (``--resolve``, ``--ca-file``, ``-o``, …) may be given."""

MAX_PIN_ADDRESSES = 16
"""Addresses one ``--resolve HOST:PORT:ADDRESS,…`` may name."""

MAX_CHECK_IDS = 64
"""Check ids ``--only`` or ``--skip`` may name in all."""

MAX_NOTE_CHARS = 64 * KIB
"""``--note`` longer than this is refused (the report keeps the first 2,000 characters)."""

MAX_RUN_TIMEOUT = 3600.0
"""``--timeout`` at most (seconds)."""
