"""Report renderers: every format a report is written in.

Every format is rendered from the canonical JSON object
(:func:`diagnose.model.report_to_json`); :func:`reports.render.render` picks the
renderer. The safe sign-in checklist (data and evaluation) is not here: the
engine decides it, so it lives at the bottom layer, in :mod:`diagnose.checklist`.
This package imports nothing at import time so that loading one renderer does
not load every renderer.
"""
