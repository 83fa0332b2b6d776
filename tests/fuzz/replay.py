"""Replay a failing case the fuzz worker kept: ``python -m tests.fuzz.replay FILE.pickle [--debug]``.

The case runs in-process as in the fuzz run (``--debug`` added to show the traceback);
its argv, files and outcome are printed.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import sys
import tempfile
from pathlib import Path

from tests.fuzz.cases import Case, run_in_process


def main(path: str, debug: bool) -> None:
    case: Case = pickle.loads(Path(path).read_bytes())  # a file this suite wrote
    print(case.short())
    with tempfile.TemporaryDirectory() as tmp:
        if not debug:
            print(run_in_process(case, Path(tmp)))
            return
        from diagnose.cli import run

        argv = dataclasses.replace(case, argv=(*case.argv, "--debug")).prepare(Path(tmp))
        sys.stdin = io.TextIOWrapper(io.BytesIO(case.stdin), encoding="utf-8")
        print("exit", run(argv))  # the traceback, if any, propagates


if __name__ == "__main__":
    main(sys.argv[1], "--debug" in sys.argv[2:])
