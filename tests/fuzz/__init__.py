"""The hostile-input suite: hypothesis strategies per input kind, run through the console script.

* :mod:`tests.fuzz.strategies`: one strategy per input kind (addresses, argument
  combinations, profile TOML, reports for ``render`` and ``summarize``, PEM/DER
  ``--ca-file``, ``--resolve`` values, HAR files), each drawing hostile cases.
* :mod:`tests.fuzz.cases`: a case run through :func:`diagnose.cli.run` in-process
  (an injected :class:`~diagnose.environment.Environment`) or through the real
  console script (``python -m diagnose``), and what counts as a failure.
* :mod:`tests.fuzz.guard`: nothing leaves loopback (sockets refuse any other
  address; names do not resolve), so fuzzed ``--dns-server 8.8.8.8`` sends nothing.
* ``test_fuzz.py``: a CI-sized run; ``tools/fuzz.py``: the ≥ 10,000-per-kind run.
"""
