"""Helpers of the ``certificate`` check, one job per module.

The browser's verdict (a model of Chromium's builtin verifier):

* :mod:`.der`, :mod:`.parsing`, :mod:`.generalnames`: read certificates as Chromium reads them.
* :mod:`.algorithms`: the keys and signature algorithms Chromium accepts.
* :mod:`.pathbuild`, :mod:`.pathcheck`: path building with backtracking, and one path's checks.
* :mod:`.chromium`: the verdict (net error, status, path, reasons); :mod:`.aia` fetches issuers.
* :mod:`.names`: does the certificate cover the host (Chromium's rules)?

Explaining it:

* :mod:`.describe`: parse a certificate and describe it for the report.
* :mod:`.stores`: the trust stores (operating system, Mozilla, ``--ca-file``).
* :mod:`.judges`, :mod:`.dating`: independent judgements (dates, names, keys, signatures, order).
* :mod:`.trust`: self-signed, unknown root, missing intermediate, bad signature, interception.
* :mod:`.browser`: constraint and malformed findings, and the reconciliation with the verdict.
* :mod:`.advice`, :mod:`.paths`: stricter rules (cryptography's verifier, lints) as advice.
* :mod:`.interception`: known TLS-inspection products and known-bad roots (data in TOML).
* :mod:`.revocation`, :mod:`.revoked`: CRL, OCSP and stapled OCSP.
* :mod:`.chain`, :mod:`.fetch`: reading the chain over the network, bounded GETs.
"""
