"""Scenario modules, one per area; each registers with :func:`diagnose.lab.scenario.scenario`."""
