"""A fuzz worker: draws ``count`` cases of one kind with hypothesis and runs each in-process.

``python -m tests.fuzz.worker KIND COUNT SEED [EVERY]`` prints one JSON line per case on
stdout: ``{"i": n, "start": true}`` before it runs (so a watchdog knows which case
hung) and then its outcome with this process's peak RSS. Every EVERY-th case is
also run through the real console script (in a network namespace when one can be
made) and its exit code compared. ``tools/fuzz.py`` starts and watches the workers.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.fuzz.cases import Case, jsonable, own_rss, passable, run_in_process, run_subprocess
from tests.fuzz.guard import namespace_prefix
from tests.fuzz.strategies import KINDS, healthy

NETWORK_KINDS = frozenset({"arguments", "pem_der", "resolve", "profile_toml"})
"""Kinds whose cases may reach the network code: their console-script samples need the namespace."""


def emit(record: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def main(kind: str, count: int, seed_value: int, every: int) -> None:
    prefix = namespace_prefix()
    with tempfile.TemporaryDirectory(prefix="login-doctor-fuzz-") as tmp:
        base = Path(tmp)
        grew = [run_in_process(healthy(kind), _fresh(base, f"healthy{i}")).grew_kib for i in range(3)]
        emit({"baseline_rss_kib": own_rss(), "baseline_grew_kib": grew[-1]})  # after warming caches
        sub, sub_rss = run_subprocess(healthy(kind), _fresh(base, "healthy-sub"),
                                      prefix if kind in NETWORK_KINDS else None)
        emit({"baseline_subprocess_rss_kib": sub_rss, "baseline_code": sub.code})
        counter = [0]

        @seed(seed_value)
        @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(KINDS[kind])
        def one(case: Case) -> None:
            i = counter[0]
            counter[0] += 1
            emit({"i": i, "start": True})
            outcome = run_in_process(case, _fresh(base, str(i)))
            record: dict[str, object] = {"i": i, **jsonable(outcome), "rss_kib": own_rss()}
            if every and i % every == 0 and passable(case) and (kind not in NETWORK_KINDS or prefix is not None):
                sub_outcome, rss = run_subprocess(case, _fresh(base, f"{i}-sub"),
                                                  prefix if kind in NETWORK_KINDS else None)
                record["subprocess"] = {**jsonable(sub_outcome), "rss_kib": rss}
                if (sub_outcome.code == 2) != (outcome.code == 2):  # the door decides alike
                    record["problems"] = [*outcome.problems,
                                          f"console script exit {sub_outcome.code} != in-process {outcome.code}"]
            if record["problems"] or (isinstance(record.get("subprocess"), dict) and record["subprocess"]["problems"]):
                record["case"] = case.short()
                record["saved"] = save(case, kind, seed_value, i)
            emit(record)
            _clean(base / str(i))

        one()
        emit({"done": counter[0]})


def save(case: Case, kind: str, seed_value: int, i: int) -> str:
    """Keep a failing case to replay (``python -m tests.fuzz.replay FILE``), in $LOGIN_DOCTOR_FUZZ_CASES or /tmp."""
    import os
    import pickle

    directory = Path(os.environ.get("LOGIN_DOCTOR_FUZZ_CASES") or tempfile.gettempdir()) / "login-doctor-fuzz-cases"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{kind}-{seed_value}-{i}.pickle"
    path.write_bytes(pickle.dumps(case))
    return str(path)


def _fresh(base: Path, name: str) -> Path:
    path = base / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(Path(str(path) + "-sub"), ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0)
