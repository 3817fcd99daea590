"""Fixtures for the editor's tests.

- `ren_url`: Ren's app started as a user starts it (`ren --no-browser --port N`, with seed
  001's example functions) on a free port with its own REN_HOME, session-wide; browser tests
  drive it with Playwright.
- `browser_page`: a fresh headless Chromium page (the system's /usr/bin/chromium).
- `editor_user`: NiceGUI's simulated user (no browser) on Ren's app with a real engine on the
  test's own data folder, for page logic.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nicegui.testing import User

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FUNCTIONS = ROOT / "examples" / "seed001_functions.py"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Keep each phase's report on the test item (the page fixture screenshots failures)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing; CI must install it (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests skipped")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def ren_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ren-editor-app")


@pytest.fixture(scope="session")
def ren_url(ren_home: Path) -> Iterator[str]:
    require_chromium()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["REN_HOME"] = str(ren_home)
    command = ["--no-browser", "--port", str(port), "--functions", str(FUNCTIONS)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", *command],  # `ren --no-browser --port N`
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while True:
        try:
            with urllib.request.urlopen(url + "/workflows", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                output = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"Ren did not start:\n{output}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(autouse=True)
def ren_test_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's own data folder (the simulated app's engine opens it)."""
    folder = tmp_path / "ren-home"
    monkeypatch.setenv("REN_HOME", str(folder))
    return folder


@pytest.fixture
async def editor_user(user: User) -> AsyncIterator[User]:
    """NiceGUI's simulated user on Ren's whole app (app/ui/main.py, as pyproject configures),
    with its engine running on this test's data folder."""
    yield user
    from nicegui import Client

    from app.ui.live import run_events

    run_events.callbacks.clear()  # leave no page of this test listening to later engines
    Client.instances.clear()
