"""The one place secrets are removed, applied when evidence is captured and once more when a check finishes.

Reports travel to helpdesk tickets, and ticket attachments holding live session
tokens have been stolen and replayed (the 2023 support-system HAR breach). So a
check never stores a secret in the first place: it passes URLs, headers, status
lines and free text through the run's :class:`Redactor` before they become
evidence, and the report lists *which fields* were redacted, never their
values. The contract is written down in ``docs/redaction.md``.

What is removed:

* cookie values (``Cookie`` and ``Set-Cookie``, also several cookies folded
  into one line): names and attributes stay, a nameless cookie is removed whole;
* ``Authorization``, ``Proxy-Authorization`` and other credential headers
  (``X-Api-Key``, ``X-Auth-Token``, anything named like a token, secret or
  session): the auth scheme (``Bearer``, ``Basic``) stays;
* values of token-like query and fragment parameters (``code``, ``state``,
  ``token``, ``access_token``, ``id_token``, ``SAMLResponse``, ``RelayState``,
  and any name containing ``token``, ``secret``, ``password``, ``session``,
  ``signature``, ``saml`` …), also inside a percent-encoded URL nested in
  another URL and in single-page-app fragments (``#/cb?access_token=…``);
* the user info of a URL (the password, and the user name, which identifies a
  person), with or without a scheme (``user:pass@proxy:3128``);
* JWT signatures (the header and claims stay readable for debugging, as
  Cloudflare's HAR sanitizer does);
* a status line's reason phrase unless it is a standard one, and ``Date``/
  ``Age``-like header values that do not have their grammar's shape;
* in free text (exception messages, bodies, notes): all of the above plus
  ``Authorization: …``/``Cookie: …`` header lines, ``"password": "…"``-style
  quoted pairs, ``Bearer …``/``Basic …`` credentials and bytes an HTTP parser
  quoted from the wire (``bytearray(b'…')``).

Names are compared after lower-casing and dropping ``-``, ``_`` and ``.``, so
``Access-Token``, ``access_token`` and ``ACCESSTOKEN`` are one name. The
``redactions`` list uses a fixed vocabulary (:func:`field_entry`). Values are
correlated within one report by :meth:`Redactor.value_hash`, an HMAC under a
key drawn for that report and never written.
"""

from diagnose.redact._hashing import HASH_PREFIX, ValueHasher
from diagnose.redact._names import (
    FIXED_ENTRIES,
    NAMED_KINDS,
    SENSITIVE_HEADERS,
    SENSITIVE_NAME_PARTS,
    SENSITIVE_PARAMS,
    field_entry,
    is_secret_key,
    is_sensitive_header,
    is_sensitive_param,
)
from diagnose.redact._patterns import REDACTED
from diagnose.redact._redactor import (
    Redactor,
    redact_text,
    redact_url,
    without_home,
    without_server_bytes,
)
from diagnose.redact._server import STANDARD_REASONS, in_shape, is_standard_reason

__all__ = [
    "FIXED_ENTRIES",
    "HASH_PREFIX",
    "NAMED_KINDS",
    "REDACTED",
    "SENSITIVE_HEADERS",
    "SENSITIVE_NAME_PARTS",
    "SENSITIVE_PARAMS",
    "STANDARD_REASONS",
    "Redactor",
    "ValueHasher",
    "field_entry",
    "in_shape",
    "is_secret_key",
    "is_sensitive_header",
    "is_sensitive_param",
    "is_standard_reason",
    "redact_text",
    "redact_url",
    "without_home",
    "without_server_bytes",
]
