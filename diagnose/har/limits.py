"""The bounds a HAR file is read within: every one is a documented constant.

A HAR comes from a person's browser, but it travels through tickets and mail
and may be hand-edited or hostile. Reading it must end in bounded memory and
time whatever it holds, so each dimension has a limit. Past a limit the file
is either refused with one line naming what and where (exit 2), or the excess
is left out and the report says so; the figures below say which.
"""

from __future__ import annotations

MAX_FILE_BYTES = 2 * 1024**3
"""A file larger than 2 GiB is refused. Browsers' own exports of a sign-in are
kilobytes to a few hundred megabytes."""

READ_CHUNK = 1024 * 1024
"""Bytes read from the file at a time (memory holds a few chunks, not the file)."""

MAX_ENTRY_CHARS = 24 * 1024 * 1024
"""One entry larger than this (in characters of JSON) is skipped without being held
in memory: it is left out of the analysis and of the sanitized copy, and the report
says which. Only a recorded body (a video, a large bundle) makes an entry this big."""

MAX_VALUE_CHARS = 4 * 1024 * 1024
"""Any value outside ``entries`` (``pages``, ``creator``, a comment) larger than this is refused."""

MAX_DEPTH = 64
"""JSON nested deeper than this (inside one entry or elsewhere) is refused. Chrome's
deepest structure, the async stack of ``_initiator``, stays far below."""

MAX_ENTRIES = 100_000
"""Entries beyond this many are counted, sanitized and written to the copy, but not
analysed; the report says how many were left out."""

MAX_PAGES = 10_000
"""``pages`` beyond this many are ignored by the analysis."""

MAX_STRING_CHARS = 8192
"""Longest URL, header value or other text the analysis keeps of one field (longer
ones are cut; sizes are measured before cutting)."""

MAX_HEADERS = 500
"""Headers of one request or response the analysis looks at."""

MAX_BODY_CHARS = 8 * 1024 * 1024
"""A recorded body (request ``postData`` or response ``content``) larger than this is
not scanned for secrets: the sanitized copy leaves it out and says so in a comment."""

MAX_NUMBER = 10**15
"""Numbers (status, sizes, times in ms) beyond ±this are treated as absent."""

MAX_REPLACEMENTS_LISTED = 1000
"""Replacements listed one by one in the report (all are counted by kind)."""

MAX_REMEMBERED_SECRETS = 200_000
"""Distinct secret values the sanitizer remembers to scrub the report with."""
