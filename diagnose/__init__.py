"""login-doctor: find out why a web sign-in fails.

The package is deliberately light to import: ``login-doctor --version`` and the
headless path must not pay for anything they do not use (the TUI above all).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
