"""Helpers of the ``certificate`` check, one job per module.

* :mod:`.describe`: parse a certificate and describe it for the report.
* :mod:`.names`: does the certificate cover the host (browser rules)?
* :mod:`.stores`: the trust stores (operating system, Mozilla, ``--ca-file``).
* :mod:`.paths`: who issued what: path building and cryptography's verifier.
* :mod:`.judges`: independent judgements (dates, names, keys, signatures, order).
* :mod:`.interception`: known TLS-inspection products and known-bad roots (data in TOML).
* :mod:`.revocation`: CRL, OCSP and stapled OCSP.
"""
