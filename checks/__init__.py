"""The built-in checks, one module each: url, connectivity, certificate, clock, redirects.

Their finding codes, messages and remediations are in ``findings.toml`` beside
this file: the one catalogue of every built-in code.
"""
