"""Analysers of a browser's recording (HAR): the diagnosis side of ``login-doctor har``.

They read the typed :class:`diagnose.har.model.Recording` and produce findings
in the project's vocabulary (``redirects.*``, ``clock.*`` where the meaning is
the live checks', ``har.*`` where only a recording can tell). The checks that
group them, with their metadata, are in :mod:`checks.har`.
"""
