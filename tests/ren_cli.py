"""The `ren` command from this checkout, run as its own process the way a user runs it.

- `run_ren(home, *args)`: run `ren args` on the data folder `home` to its end, output captured;
- `ren_env(home)`: the environment for a `ren` process started otherwise (e.g. a worker);
- `child_env(extra)`: the environment for any program a test starts;
- `start_script(script, *args)`: a Python script of the tests (e.g. an engine worker) started
  in its own process, this checkout's `app` and `tests` importable; `kill_9` it like a crash,
  or wait until it `ended_well`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REN = [sys.executable, "-m", "app.cli"]  # the `ren` command, from this checkout


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment plus `extra`, without pytest's PYTEST_CURRENT_TEST: NiceGUI takes that
    for a test run, so the program would not run as it does for a user."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    environment.update(extra or {})
    return environment


def ren_env(home: Path) -> dict[str, str]:
    """The environment for `ren` on the data folder `home`."""
    return child_env({"REN_HOME": str(home)})


def run_ren(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`ren args` on the data folder `home`, from the checkout; stdout and stderr as text."""
    return subprocess.run(
        [*REN, *args],
        capture_output=True,
        text=True,
        env=ren_env(home),
        cwd=ROOT,
        timeout=timeout,
    )


def start_script(script: Path, *args: str) -> subprocess.Popen[str]:
    """`python script args` from the checkout, stdout and stderr piped as text."""
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=ROOT,
        env=child_env({"PYTHONPATH": str(ROOT)}),  # this checkout's app, whatever is installed
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_9(process: subprocess.Popen[str]) -> None:
    """SIGKILL: the process gets no chance to clean up, as in a crash or a power cut."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def ended_well(process: subprocess.Popen[str], timeout: float = 120) -> None:
    """Wait for the process to end; it must exit 0 (else the failure shows its stderr)."""
    _, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
