"""``login-doctor url ADDRESS...|-``: judge addresses offline, in batch.

For helpdesks and scripts that need to vet links (from a ticket, a mail
gateway's log, a list of bookmarks) without diagnosing a whole sign-in. Each
address gets the ``url`` check's verdict, findings and details; nothing is
sent over the network. ``-`` reads one address per line from standard input
(blank lines are skipped).

Output: ``--format text`` (default on a terminal) is a short block per
address; ``--format json`` (default otherwise) is one JSON object per line,
in input order::

    {"input": ..., "verdict": ..., "status": ..., "summary": ..., "codes": [...],
     "details": {...}, "findings": [...]}

``details`` is the ``url`` check's details (``opens_host``, ``canonical``,
``fixup``, ``registrable_domain``, …) without what the line already says at
its top level (``verdict``, ``codes``) or what is the same on every line (the
profile's official domains and sign-in address, the certificate note).

Exit code: 0 when every address is ``official``; 1 when any is not, and that
includes ``official-but-warn`` (the vendor's site, but not the address to use
as it is: a script asking "is this the official sign-in address?" must not
get a yes for ``http://`` or a redirect parameter); 2 for a usage error. An
address that is not text at all (binary garbage on standard input) is judged
``invalid``, never a crash.

Only what judging needs is imported: no TUI, no HTTP client. A large batch
(more than a few thousand addresses) is judged on every core by worker
processes, in chunks whose output is written in input order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from diagnose.environment import Environment, ExitStatus
from diagnose.frontend import CommandParser
from diagnose.inputs.limits import MAX_STDIN_LINE_BYTES
from diagnose.settings import UsageError

if TYPE_CHECKING:
    from checks.url import AddressJudge, AddressJudgement

MAX_LINE_BYTES = MAX_STDIN_LINE_BYTES
"""A longer stdin line is judged ``invalid`` (too long) without being held whole in memory."""

_MARK = {
    "official": "OFFICIAL",
    "official-but-warn": "OFFICIAL, BUT",
    "lookalike": "LOOKALIKE",
    "unrelated": "NOT OFFICIAL",
    "invalid": "INVALID",
}


def build_parser() -> CommandParser:
    parser = CommandParser(
        prog="login-doctor url",
        description="Judge web addresses offline: is each one the official sign-in address, and if not, why?",
        epilog="Exit codes: 0 every address is official, 1 at least one is not (official-but-warn included), "
        "2 usage error.",
    )
    parser.add_argument("addresses", nargs="*", metavar="ADDRESS",
                        help="addresses to judge; - reads one address per line from standard input")
    parser.add_argument("--profile", default="atera", metavar="NAME|FILE", help="vendor profile (default: atera)")
    parser.add_argument("--format", choices=["json", "text"], default=None,
                        help="json: one object per line; text: for people (default: text on a terminal)")
    return parser


def main(argv: list[str], env: Environment) -> int:
    ns = build_parser().parse_args(argv)
    if not ns.addresses:
        raise UsageError("give at least one address, or - to read addresses from standard input")
    if ns.addresses.count("-") > 1:
        raise UsageError("- (standard input) can be given only once")
    from diagnose.profiles import load_profile

    profile = load_profile(ns.profile)
    fmt = ns.format or ("text" if env.stdout_isatty else "json")

    from checks.url import AddressJudge

    judge = AddressJudge(profile)  # built once: PSL, skeletons, typosquat tables
    all_official = True
    any_address = False
    for official, text in judged(judge, _addresses(ns.addresses, env.stdin), fmt):
        any_address = True  # a chunk is never empty
        all_official &= official
        env.stdout.write(text)
    env.stdout.flush()
    if not any_address:  # only "-" was given, and standard input held no address
        raise UsageError("no address to judge: standard input was empty (give one address per line)")
    return int(ExitStatus.OK if all_official else ExitStatus.FAILED)


def judged(judge: AddressJudge, addresses: Iterable[str], fmt: str,
           workers: int | None = None) -> Iterator[tuple[bool, str]]:
    """(all official, output text) per batch of addresses, in input order.

    A batch of more than :data:`PARALLEL_FROM` addresses is judged by worker
    processes, one per core, forked after ``judge`` is built so they share its
    tables; a shorter one, one on a single core, or a system without ``fork``
    is judged here. Either way the output is the same, byte for byte.
    At most two chunks per worker are read ahead, so memory stays bounded
    however long standard input is.
    """
    import itertools
    import multiprocessing
    import os

    workers = workers or os.cpu_count() or 1
    addresses = iter(addresses)
    head = list(itertools.islice(addresses, PARALLEL_FROM + 1))
    if len(head) <= PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in _chunks(itertools.chain(head, addresses)):
            yield judge_chunk(judge, chunk, fmt)
        return
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    global _WORKER
    _WORKER = (judge, fmt)  # inherited by the forked workers
    pending: deque[Future[tuple[bool, str]]] = deque()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for chunk in _chunks(itertools.chain(head, addresses)):
                pending.append(pool.submit(_judge_in_worker, chunk))
                while len(pending) > 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        _WORKER = None


PARALLEL_FROM = 4_000
"""Addresses from which a batch is spread over the cores (below it, starting workers costs more than it saves)."""

CHUNK = 1_000
"""Addresses per unit of work a worker judges."""

_WORKER: tuple[AddressJudge, str] | None = None
"""The judge and format the forked workers use (set only while a pool runs)."""


def _chunks(addresses: Iterator[str]) -> Iterator[list[str]]:
    import itertools

    while chunk := list(itertools.islice(addresses, CHUNK)):
        yield chunk


def _judge_in_worker(chunk: list[str]) -> tuple[bool, str]:
    assert _WORKER is not None, "a url worker started without a judge"
    judge, fmt = _WORKER
    return judge_chunk(judge, chunk, fmt)


def judge_chunk(judge: AddressJudge, chunk: Iterable[str], fmt: str) -> tuple[bool, str]:
    """Judge ``chunk`` in order: whether every address is official, and the output text."""
    official = True
    out = []
    for judgement in judge.judge_all(chunk):
        official &= judgement.official
        record = _record(judgement)
        out.append(_json_line(record) if fmt == "json" else _text_block(record))
    return official, "".join(out)


def _addresses(args: list[str], stdin: IO[str]) -> Iterator[str]:
    for arg in args:
        if arg == "-":
            yield from read_lines(stdin)
        else:
            yield arg


def read_lines(stream: IO[str]) -> Iterator[str]:
    """Non-blank lines of ``stream``, bounded in length, tolerant of bytes that are not UTF-8
    (see :func:`diagnose.inputs.files.stdin_lines`). A line longer than :data:`MAX_LINE_BYTES`
    is replaced by a stand-in of that length, which the judge reports as too long."""
    from diagnose.inputs.files import stdin_lines

    for line in stdin_lines(stream, MAX_LINE_BYTES):
        yield line if line is not None else "x" * (MAX_LINE_BYTES + 1)


_PER_RUN = ("verdict", "codes", "note", "official_domains", "official_signin")
"""Details keys left out of each line: repeated at the top level, or the same on every line."""


def _record(judgement: AddressJudgement) -> dict[str, Any]:
    details = judgement.details
    return {
        "input": _shown_input(judgement),
        "verdict": judgement.verdict,
        "status": judgement.status.value,
        "summary": judgement.summary,
        "codes": details["codes"],
        "details": {k: v for k, v in details.items() if k not in _PER_RUN},
        "findings": [
            {
                "code": f.code,
                "severity": f.severity.value,
                "message": f.message,
                "remediation": f.remediation,
                "evidence": f.evidence,
            }
            for f in judgement.findings
        ],
    }


def _shown_input(judgement: AddressJudgement) -> str:
    """The input as given, printable (bad bytes as U+FFFD) and capped; redacted only
    when judging it met a secret (a password, a token parameter, a person's user name).

    The redactor works on text, not by WHATWG rules, so it would also "redact"
    ``evil.net\\`` in ``https://evil.net\\@atera.com/`` and hide the very trick
    being explained; it is applied only when the check's own (WHATWG) reading
    found something to remove. A user name that is a host name (``atera.com@``)
    is the decoy, not a secret, and stays visible, as in the finding's evidence.
    """
    from diagnose.redact import Redactor

    text = judgement.input
    printable = text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")
    if len(printable) > 2048:
        return printable[:2048] + f"… ({len(printable):,} characters)"
    removed = set(judgement.redacted)
    if removed and any(
        f.code in ("url.userinfo", "url.userinfo_official") and f.evidence.get("user") != "[redacted]"
        for f in judgement.findings
    ):
        removed.discard("url:userinfo")
    if not removed:
        return printable
    shown: str = Redactor().url(printable)
    return shown


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
"""One encoder for the whole batch (``json.dumps`` with options builds one per call)."""

_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _json_line(record: dict[str, Any]) -> str:
    """One JSON object on one line. Unicode stays readable (``аtera.com``), except the
    characters some line readers treat as line breaks (NEL, U+2028, U+2029), which
    are escaped; in JSON they can only occur inside strings, so this stays valid."""
    line = _ENCODER.encode(record)
    if "\x85" in line or "\u2028" in line or "\u2029" in line:
        line = line.translate(_LINE_BREAKS)
    return line + "\n"


def _text_block(record: dict[str, Any]) -> str:
    details = record["details"]
    lines = [f"{_MARK[record['verdict']]:<14} {_printable(record['input'])}"]
    opens = details.get("opens_host")
    if opens:
        shown = opens["ascii"] if opens["ascii"] == opens["unicode"] else f"{opens['ascii']} (shown as {opens['unicode']})"
        lines.append(f"  opens {shown}")
    if details.get("fixup"):
        lines.append(f"  {details['fixup']['added']} was added, as a browser's address bar does")
    lines.append(f"  {record['summary']}")
    for finding in record["findings"]:
        lines.append(f"  - [{finding['code']}] {finding['message']}")
    # What to do: the most severe finding's advice (the others mostly repeat it; JSON has them all).
    advice = next((f["remediation"] for f in record["findings"] if f["remediation"]), "")
    if advice:
        lines.append(f"  What to do: {advice}")
    return "\n".join(lines) + "\n\n"


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 0x100 else "\ufffd" for c in text)
