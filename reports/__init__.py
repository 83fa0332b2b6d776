"""Report renderers and the safe sign-in checklist (data).

Every format is rendered from the canonical JSON object
(:func:`diagnose.model.report_to_json`); :func:`reports.render.render` picks the
renderer. This package imports nothing at import time so that loading the
checklist does not load every renderer.
"""
