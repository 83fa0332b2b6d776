"""Browser recordings (HAR files) as an input: read, typed and sanitized in one streaming pass.

This package is the input layer of ``login-doctor har``: it knows the HAR
format and the browsers' extensions, never what a finding is, and it writes
no file itself. The analysis lives with the checks (:mod:`checks.har`); the
module that joins them into a report, and writes the sanitized copy
atomically, is :mod:`diagnose.recording` (shared by the ``har`` command and
the TUI).

Public API::

    from diagnose.har import read_recording, HarFormatError

    with open("safe.har", "w", encoding="utf-8") as out:      # diagnose.recording writes it atomically
        result = read_recording("signin.har", sanitize_into=out)
    result.recording          # diagnose.har.model.Recording: typed, raw (memory only)
    result.sanitizer.ledger   # what was (or would be) replaced: kind, entry, name
    result.sanitizer.scrub    # scrub report text with this run's markers

Every entry is sanitized even without ``sanitize_into`` (the report then says
what a copy would hide, and its scrubber knows every secret of the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

from diagnose.har.conform import missing_log_members
from diagnose.har.limits import MAX_ENTRIES
from diagnose.har.model import Browser, HarEntry, HarPage, Recording
from diagnose.har.output import HarWriter
from diagnose.har.reader import RecordingBuilder, open_har
from diagnose.har.sanitize import Sanitizer
from diagnose.har.secrets import Kind, Ledger, Replacement
from diagnose.har.stream import (
    EntriesEnd,
    EntriesStart,
    Entry,
    HarFormatError,
    HarStream,
    LogField,
    SkippedEntry,
    TopField,
)

__all__ = [
    "Browser",
    "HarEntry",
    "HarFormatError",
    "HarPage",
    "Kind",
    "Ledger",
    "ReadResult",
    "Recording",
    "Replacement",
    "Sanitizer",
    "read_recording",
]


@dataclass(frozen=True, slots=True)
class ReadResult:
    recording: Recording
    sanitizer: Sanitizer
    bytes_read: int


def read_recording(
    path: str | Path,
    *,
    sanitize_into: IO[str] | None = None,
    sanitizer: Sanitizer | None = None,
    max_entries: int = MAX_ENTRIES,
) -> ReadResult:
    """Read the HAR at ``path`` in one pass; with ``sanitize_into``, stream the sanitized copy into
    that text file as it goes (the caller makes the file atomic). Analyses at most ``max_entries``
    entries (the rest are counted and sanitized). Raises :class:`HarFormatError`."""
    sanitizer = sanitizer or Sanitizer()
    builder = RecordingBuilder(Path(path).name, max_entries=max_entries)
    with open_har(path) as fh:
        stream = HarStream(fh)
        _consume(stream, builder, sanitizer, HarWriter(sanitize_into) if sanitize_into is not None else None)
        return ReadResult(builder.build(), sanitizer, stream.bytes_read)


def _consume(stream: HarStream, builder: RecordingBuilder, sanitizer: Sanitizer, writer: HarWriter | None) -> None:
    top: list[tuple[str, object]] = []
    seen: set[str] = set()
    if writer is not None:
        writer.begin()
    for event in stream.events():
        if isinstance(event, Entry):
            builder.entry(event.index, event.value)
            clean = sanitizer.entry(event.index, event.value)
            if writer is not None:
                writer.entry(clean)
        elif isinstance(event, LogField):
            builder.log_field(event.key, event.value)
            seen.add(event.key)
            clean = sanitizer.log_member(event.key, event.value)
            if writer is not None:
                writer.log_member(event.key, clean)
        elif isinstance(event, SkippedEntry):
            builder.skipped_entry(event.index)
        elif isinstance(event, EntriesStart):
            if writer is not None:
                writer.entries_start()
        elif isinstance(event, EntriesEnd):
            if writer is not None:
                writer.entries_end()
        elif isinstance(event, TopField):
            top.append((event.key, sanitizer.other(event.value)))
    if writer is not None:
        for key, value in missing_log_members(seen).items():
            writer.log_member(key, value)
        writer.end_log()
        for key, value in top:
            writer.top_member(key, value)
        writer.finish()
