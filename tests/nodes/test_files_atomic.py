"""write_file's atomic writer under kill -9: a real process writing a large file is killed with
SIGKILL mid-write; the target then holds its old content or the complete new content, never a
part of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser import ROOT

MB = 1024 * 1024
OLD = b"old content\n" * 1000

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def writer(how: str, target: Path, megabytes: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.nodes.files_writer", how, str(target), str(megabytes)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )


def kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.stdout is not None
    process.stdout.close()


def whole_or_old(target: Path, megabytes: int) -> str:
    """Which content the target holds; fails on anything else (a partial file)."""
    data = target.read_bytes()
    if data == OLD:
        return "old"
    assert len(data) == megabytes * MB, f"partial file: {len(data)} bytes"
    assert data == b"N" * (megabytes * MB)
    return "new"


def test_killed_mid_write_leaves_the_old_content(tmp_path: Path) -> None:
    target = tmp_path / "big.dat"
    target.write_bytes(OLD)
    process = writer("chunks", target, 64)
    assert process.stdout is not None
    assert process.stdout.readline() == b"started\n"
    partial = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert partial and 0 < partial[0].stat().st_size < 64 * MB  # really mid-write
    kill(process)
    assert target.read_bytes() == OLD


def test_killed_at_any_moment_the_target_is_old_or_whole_new(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    seen = set()
    for attempt in range(8):
        target.write_bytes(OLD)
        process = writer("node", target, 24)
        assert process.stdout is not None
        assert process.stdout.readline() == b"started\n"
        time.sleep(0.05 * attempt)  # from right away to after the rename
        kill(process)
        seen.add(whole_or_old(target, 24))
    finished = writer("node", target, 24)
    assert finished.stdout is not None
    assert finished.stdout.read().endswith(b"done\n")
    finished.wait()
    finished.stdout.close()
    assert whole_or_old(target, 24) == "new"
    assert "old" in seen  # at least one kill landed before the rename
