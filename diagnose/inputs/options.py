"""The diagnose command's option values at the door: each parsed into its type, or one line, exit code 2.

``--timeout`` is a finite number of seconds, ``--only``/``--skip`` name check
ids, ``--resolve``/``--dns-server``/``--ntp-server`` are addresses
(:mod:`diagnose.inputs.addresses`), ``--ca-file`` is a certificate file
(:mod:`diagnose.inputs.certificates`), ``--browser-profile`` a folder, and no
repeatable option is given more than
:data:`~diagnose.inputs.limits.MAX_OPTION_REPEATS` times.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from diagnose.inputs.addresses import parse_endpoint, parse_pin
from diagnose.inputs.certificates import read_ca_file
from diagnose.inputs.files import check_path_text
from diagnose.inputs.limits import MAX_CHECK_IDS, MAX_NOTE_CHARS, MAX_OPTION_REPEATS, MAX_RUN_TIMEOUT
from diagnose.inputs.text import shown
from diagnose.settings import DEFAULT_RUN_TIMEOUT, Settings, UsageError

_CHECK_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def repeats(values: Sequence[str], option: str) -> Sequence[str]:
    """``values`` of a repeatable option, if it was not given too many times."""
    if len(values) > MAX_OPTION_REPEATS:
        raise UsageError(f"{option} was given {len(values)} times (at most {MAX_OPTION_REPEATS})")
    return values


def run_timeout(text: str | None) -> float:
    """``--timeout SECONDS``: a plain decimal number, more than 0 and at most an hour."""
    if text is None:
        return DEFAULT_RUN_TIMEOUT
    value = text.strip()
    if not _NUMBER.fullmatch(value):
        raise UsageError(f"--timeout {shown(text)!r}: expected a number of seconds, such as 20 or 2.5")
    seconds = float(value)
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_RUN_TIMEOUT):
        raise UsageError(f"--timeout must be more than 0 and at most {MAX_RUN_TIMEOUT:g} seconds")
    return seconds


def check_ids(values: Sequence[str], option: str) -> list[str]:
    """``--only a,b --only c`` → ``[a, b, c]``, each a well-formed check id."""
    ids = [part.strip() for value in repeats(values, option) for part in value.split(",") if part.strip()]
    if len(ids) > MAX_CHECK_IDS:
        raise UsageError(f"{option} names {len(ids)} checks (at most {MAX_CHECK_IDS})")
    for check_id in ids:
        if not _CHECK_ID.fullmatch(check_id):
            raise UsageError(f"{option} {shown(check_id)!r}: not a check id (lower-case letters, digits and _)")
    return ids


def note(text: str) -> str:
    """``--note TEXT``: at most :data:`~diagnose.inputs.limits.MAX_NOTE_CHARS` characters."""
    if len(text) > MAX_NOTE_CHARS:
        raise UsageError(f"--note is longer than {MAX_NOTE_CHARS:,} characters (the report keeps 2,000)")
    return text


def browser_profile(text: str) -> Path:
    """``--browser-profile DIR``: an existing folder (the browser check reads files inside it)."""
    what = f"--browser-profile {shown(text, 200)}"
    path = Path(check_path_text(text, what)).expanduser()
    try:
        mode = os.stat(path).st_mode
    except OSError:
        raise UsageError(f"{what}: no such folder") from None
    if not stat.S_ISDIR(mode):
        raise UsageError(f"{what}: not a folder")
    return path


def run_settings(
    *,
    resolve: Sequence[str] = (),
    ca_file: Sequence[str] = (),
    dns_server: Sequence[str] = (),
    ntp_server: Sequence[str] = (),
    timeout: str | None = None,
    browser_profiles: Sequence[str] = (),
) -> Settings:
    """The run's :class:`Settings` from the option values as typed (raises :class:`UsageError`)."""
    seconds = run_timeout(timeout)
    pins = tuple(parse_pin(p) for p in repeats(resolve, "--resolve"))
    ca_files = tuple(read_ca_file(path).path for path in repeats(ca_file, "--ca-file"))
    dns = tuple(
        parse_endpoint(s, default_port=53, option="--dns-server", names=False)
        for s in repeats(dns_server, "--dns-server")
    )
    ntp = tuple(parse_endpoint(s, default_port=123, option="--ntp-server") for s in repeats(ntp_server, "--ntp-server"))
    folders = tuple(browser_profile(d) for d in repeats(browser_profiles, "--browser-profile"))
    return Settings(
        pins=pins, ca_files=ca_files, dns_servers=dns, ntp_servers=ntp, timeout=seconds, browser_profiles=folders
    )
