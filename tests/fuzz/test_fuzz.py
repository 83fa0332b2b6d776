"""The CI-sized hostile-input run: 25 generated cases per input kind in-process, 1 through the console script.

The same strategies and judgement as ``python tools/fuzz.py`` (10,000 per kind): no
traceback, no internal error, no crashed check in a written report, exit codes only
in {0, 1, 2, 3, 130}, a usage error is one line, no case over 20 s. Nothing leaves
loopback: in-process runs are behind the socket guard, console-script runs of kinds
that may reach the network run in a network namespace with only ``lo`` (without
one they are not run: the in-process half still is).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.fuzz.cases import Case, passable, run_in_process, run_subprocess
from tests.fuzz.guard import Refused, loopback_only, namespace_prefix
from tests.fuzz.strategies import KINDS
from tests.fuzz.worker import NETWORK_KINDS

PER_KIND = 25
CONSOLE_SAMPLES = 1
CASE_LIMIT = 20.0
NAMESPACE = namespace_prefix()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_hostile_inputs_end_in_one_clear_line_or_a_report(kind: str, tmp_path: Path) -> None:
    seen: list[int] = []
    console: list[str] = []

    @seed(15)
    @settings(max_examples=PER_KIND, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(KINDS[kind])
    def one(case: Case) -> None:
        directory = tmp_path / str(len(seen))
        directory.mkdir()
        seen.append(1)
        outcome = run_in_process(case, directory)
        assert not outcome.problems and outcome.seconds <= CASE_LIMIT, (outcome, case.short())
        network = kind in NETWORK_KINDS
        if len(console) < CONSOLE_SAMPLES and passable(case) and (NAMESPACE or not network):
            sub_dir = tmp_path / f"{len(seen)}-sub"
            sub_dir.mkdir()
            sub, _rss = run_subprocess(case, sub_dir, NAMESPACE if network else None, timeout=CASE_LIMIT + 10)
            assert not sub.problems and sub.seconds <= CASE_LIMIT + 5, (sub, case.short())  # + interpreter start
            assert (sub.code == 2) == (outcome.code == 2), (sub.code, outcome.code, case.short())
            console.append(case.short())

    one()
    assert len(seen) >= PER_KIND
    assert console or (kind in NETWORK_KINDS and NAMESPACE is None)


def test_the_guard_refuses_every_address_but_loopback() -> None:
    import socket

    before = Refused.count
    with loopback_only(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(OSError):
            sock.sendto(b"x", ("192.0.2.1", 53))
        with pytest.raises(OSError):
            sock.connect(("198.51.100.7", 443))
        sock.sendto(b"x", ("127.0.0.1", 9))  # loopback passes
    assert Refused.count == before + 2
