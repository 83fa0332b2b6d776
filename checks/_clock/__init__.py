"""Helpers of the ``clock`` check, one job per module.

* :mod:`.timebase`: local wall time that cannot jump during a measurement.
* :mod:`.ntp`: the 48-byte NTP exchange, built, parsed and validated by hand.
* :mod:`.select`: RFC 5905-style interval intersection (truechimers and falsetickers).
* :mod:`.httpdate`: the offset from HTTP ``Date`` headers, refined around the second boundary.
* :mod:`.verdict`: TOTP bands, Kerberos and SAML tolerances, and plain wording of offsets.
* :mod:`.sources`: the time sources of one run and what combining them gave.
* :mod:`.measure`: one run's configuration and measuring (NTP, then HTTP ``Date``), within its deadline.
* :mod:`.conclude` and :mod:`.details`: from the measurement to findings, details and the verdict.
"""
