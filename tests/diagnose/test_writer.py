"""Atomic report writes: a reader or a crash sees the old report or the whole new one, never half."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from diagnose.writer import write_atomic

ROOT = Path(__file__).resolve().parents[2]


def _leftovers(directory: Path, name: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(f".{name}.") and p.name.endswith(".tmp"))


def test_writes_the_whole_text_and_replaces_an_old_report(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old", encoding="utf-8")
    write_atomic(path, "new ✔\n")
    assert path.read_text("utf-8") == "new ✔\n"
    assert _leftovers(tmp_path, "report.json") == []
    assert path.stat().st_mode & 0o777 == 0o644


def test_relative_path_in_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_atomic(Path("r.md"), "# r\n")
    assert (tmp_path / "r.md").read_text("utf-8") == "# r\n"


def test_a_failed_write_keeps_the_old_report_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old report", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, "half written \ud800 and never finished")  # cannot be encoded: fails mid-write
    assert path.read_text("utf-8") == "old report"
    assert _leftovers(tmp_path, "report.json") == []


def test_ctrl_c_at_the_worst_moment_keeps_the_old_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C arrives after the new text is in the temporary file but before the rename.
    path = tmp_path / "report.json"
    path.write_text("old report", encoding="utf-8")

    def interrupted_fsync(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, "new report " * 1000)
    assert path.read_text("utf-8") == "old report"
    assert _leftovers(tmp_path, "report.json") == []


def test_a_concurrent_reader_never_sees_a_partial_report(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    versions = [json.dumps({"v": v, "pad": str(v) * 400_000}) for v in range(2)]
    write_atomic(path, versions[0])
    stop = threading.Event()
    seen: list[str] = []

    def read_repeatedly() -> None:
        while not stop.is_set():
            seen.append(path.read_text("utf-8"))

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    try:
        for i in range(30):
            write_atomic(path, versions[i % 2])
    finally:
        stop.set()
        reader.join()
    assert seen
    assert all(text in versions for text in seen), "a reader saw a half-written report"


CHILD = """
import sys
from pathlib import Path
from diagnose.writer import write_atomic
path = Path(sys.argv[1])
i = 0
while True:
    write_atomic(path, '{"v": %d, "pad": "%s"}' % (i, "x" * 2_000_000))
    i += 1
    print(i, flush=True)
"""


def test_a_killed_process_leaves_a_complete_report(tmp_path: Path) -> None:
    # A crash (SIGKILL: no cleanup at all) while the writer rewrites the report over and over.
    path = tmp_path / "report.json"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        for _ in range(3):  # let it complete a few writes, then kill it in the middle of another
            assert proc.stdout.readline()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    data = json.loads(path.read_text("utf-8"))  # complete JSON, whichever version won
    assert data["v"] >= 2 and len(data["pad"]) == 2_000_000
