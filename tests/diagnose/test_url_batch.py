"""A large ``url`` batch is judged by worker processes on every core: the output is the same, byte for byte.

The address table the url check is tested on (``tests/checks/url_cases.py``) is
repeated past the size from which the command spreads the work, with every
address made distinct, and judged once in this process and once by workers.
"""

from __future__ import annotations

import io
import itertools

import pytest

from checks.url import AddressJudge
from diagnose.commands import url as url_command
from diagnose.commands.url import PARALLEL_FROM, judged
from diagnose.environment import Environment
from diagnose.profiles import load_profile
from tests.checks.url_cases import CASES


def _batch(size: int) -> list[str]:
    """The table's addresses, then the same with a distinct fragment or path, until ``size``."""
    rows = [case.address for case in CASES]
    out = list(rows)
    for n in itertools.count():
        if len(out) >= size:
            break
        out.extend(f"{address}#{n}" if n % 2 else f"{address}/{n}" for address in rows)
    return out[:size]


@pytest.fixture(scope="module")
def judge() -> AddressJudge:
    return AddressJudge(load_profile("atera"))


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_workers_write_what_one_process_writes(judge: AddressJudge, fmt: str) -> None:
    addresses = _batch(PARALLEL_FROM + 2_500)
    alone = list(judged(judge, addresses, fmt, workers=1))
    spread = list(judged(judge, addresses, fmt, workers=2))
    assert "".join(text for _official, text in spread) == "".join(text for _official, text in alone)
    assert [official for official, _text in spread] == [official for official, _text in alone]
    assert len(spread) > 2  # several chunks, so the order of their results was at stake


def test_a_small_batch_is_judged_in_this_process(judge: AddressJudge, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_workers(*args: object, **kwargs: object) -> None:
        raise AssertionError("a small batch must not start workers")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", no_workers)
    addresses = _batch(PARALLEL_FROM)
    assert len("".join(text for _official, text in judged(judge, addresses, "json", workers=2)).splitlines()) == PARALLEL_FROM


def test_the_command_exit_code_counts_every_chunk() -> None:
    """One look-alike in the last chunk of a large, otherwise official batch still makes exit code 1."""
    lines = ["https://app.atera.com/users/login"] * (PARALLEL_FROM + 1_500) + ["https://atera-login.com/"]
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out, stderr=err)
    assert url_command.main(["-", "--format", "json"], env) == 1, err.getvalue()
    assert len(out.getvalue().splitlines()) == len(lines)
    env = Environment(stdin=io.StringIO("\n".join(lines[:-1]) + "\n"), stdout=io.StringIO(), stderr=err)
    assert url_command.main(["-", "--format", "json"], env) == 0
