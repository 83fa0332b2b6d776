"""``python -m diagnose`` is the same program as the ``login-doctor`` command."""

from diagnose.cli import run

if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    raise SystemExit(run())
