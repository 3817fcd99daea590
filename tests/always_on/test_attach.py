"""One process per data folder, and the app attaches to it: `ren worker` serves the app's pages,
`ren` finds it and opens (here: names) its address, `ren --native` opens a window on it, and
closing that window leaves the worker running. Real processes on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.browser import REN, free_port, require, start_app, stop_app
from tests.ren_cli import ROOT, child_env, run_ren

WINDOW_WAIT_S = 60.0


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    url: str
    home: Path


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Worker]:
    """`ren worker` (the headless, always-on process) on a fresh data folder."""
    home = tmp_path / "ren-home"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*REN, "worker", "--port", str(port)]
    process = start_app(command, url + "/workflows", home / "worker.log", {"REN_HOME": str(home)})
    try:
        yield Worker(process, url, home)
    finally:
        stop_app(process)


def page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


def test_the_worker_serves_the_app_and_says_where(worker: Worker) -> None:
    assert "<title>Workflows · Ren</title>" in page(worker.url + "/workflows")
    described = json.loads((worker.home / "engine.json").read_text())
    assert described["ui"] == worker.url
    assert described["pid"] == worker.process.pid


def test_ren_attaches_to_the_running_worker_instead_of_refusing(
    worker: Worker, tmp_path: Path
) -> None:
    from tests.always_on.test_keep_running import nap_workflow

    started = run_ren(worker.home, "run", str(nap_workflow(tmp_path)), "--json")
    assert started.returncode == 3, started.stderr  # the worker runs it; it naps (waits)
    run_id = json.loads(started.stdout)["run_id"]
    attached = run_ren(worker.home, "--no-browser")
    assert attached.returncode == 0, attached.stderr
    assert f"Ren is already running for {worker.home} at {worker.url}." in attached.stdout
    assert worker.process.poll() is None  # no second engine, and the first one still serves
    assert "Workflows · Ren" in page(worker.url + "/workflows")
    assert run_id in page(worker.url + "/runs")  # the app it opens lists the worker's run


def test_a_batch_worker_without_the_app_is_named(tmp_path: Path) -> None:
    """`ren worker --until-idle` (a batch) serves no pages; `ren` says so instead of waiting on."""
    home = tmp_path / "ren-home"
    home.mkdir()
    lock_holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from app.engine.lock import FolderLock;"
            "lock = FolderLock(Path(sys.argv[1]));"
            "lock.acquire({'port': 1, 'host': '127.0.0.1', 'token': 't'});"  # as a batch's API
            "print('held', flush=True);"
            "time.sleep(120)",
            str(home),
        ],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert lock_holder.stdout is not None and lock_holder.stdout.readline() == "held\n"
        refused = run_ren(home, "--no-browser")
    finally:
        lock_holder.kill()
        lock_holder.wait()
    assert refused.returncode != 0
    assert f"pid {lock_holder.pid}" in refused.stderr and "without the app" in refused.stderr


@pytest.mark.browser
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X display is Linux's")
def test_ren_native_opens_a_window_on_the_worker_and_closing_it_leaves_the_worker(
    worker: Worker,
) -> None:
    from tests.native.x11 import close_window, virtual_display

    apt = "Debian: apt-get install xvfb x11-utils"
    require("Xvfb", shutil.which("Xvfb") is not None, apt)
    require("xwininfo", shutil.which("xwininfo") is not None, apt)
    native = find_spec("webview") is not None and find_spec("qtpy") is not None
    require("pywebview with Qt", native, 'pip install -e ".[test]"')
    with virtual_display() as display:
        env = child_env(
            {
                "REN_HOME": str(worker.home),
                "DISPLAY": display,
                "QTWEBENGINE_CHROMIUM_FLAGS": "--disable-gpu --disable-dev-shm-usage",
            }
        )
        client = subprocess.Popen(
            [*REN, "--native"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        try:
            # the page's title: loaded (a close while the window starts may be dropped)
            found = _window_titled(display, ("Workflows · Ren",), client)
            assert client.stdout is not None
            assert f"at {worker.url}" in client.stdout.readline()
            for _ in range(6):  # Qt may still drop a close soon after start: ask again
                close_window(display, found)
                try:
                    assert client.wait(timeout=5) == 0
                    break
                except subprocess.TimeoutExpired:
                    continue
            assert client.poll() == 0
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
    assert worker.process.poll() is None
    assert "Workflows · Ren" in page(worker.url + "/workflows")


def _window_titled(display: str, titles: tuple[str, ...], client: subprocess.Popen[str]) -> int:
    from tests.native.x11 import windows

    deadline = time.monotonic() + WINDOW_WAIT_S
    while time.monotonic() < deadline and client.poll() is None:
        listed = windows(display)
        for title in titles:
            if title in listed:
                return listed[title][0]
        time.sleep(0.3)
    pytest.fail(f"no window {titles} appeared (ren --native exited with {client.poll()})")
