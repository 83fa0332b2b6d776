"""Words for the door's messages: sizes as people read them, names made printable, UTF-8 decoded."""

from __future__ import annotations

import re

from diagnose.inputs.limits import KIB, MIB
from diagnose.settings import UsageError

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff\ud800-\udfff]")


def size_words(size: int) -> str:
    """``64 MiB``, ``16 KiB``, ``512 bytes``: a size or limit as people read it."""
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= KIB and size % KIB == 0:
        return f"{size // KIB} KiB"
    return f"{size:,} bytes"


def shown(text: str, limit: int = 80) -> str:
    """``text`` fit for one line on a terminal: control, bidi and surrogate characters
    as visible escapes (an error message must not move the cursor), cut at ``limit``."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                            else f"\\u{ord(m.group()):04x}", text)


def one_line(text: str, limit: int = 1000) -> str:
    """A whole message fit for one line on a terminal (:func:`shown` with a longer cut): nothing in
    it breaks the line (``\\r``, ``\\x1d``, U+2028 …) or turns the text around (bidi controls)."""
    return shown(text, limit)


def decode_utf8(data: bytes, what: str) -> str:
    """``data`` as UTF-8 text (a byte-order mark is dropped), else one line saying where it is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UsageError(
            f"{what}: not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}, offset {exc.start})"
        ) from None
