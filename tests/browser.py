"""What the browser and desktop-window tests share: the system's Chromium, free ports, and an
app process (`ren`, or a demo app) started on a port and stopped again.

Browser tests use Debian's Chromium (/usr/bin/chromium, which .ci/run installs), never a
downloaded browser. Without it they skip locally and fail in CI (where CI is set).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.ren_cli import REN, ROOT, child_env

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_SECONDS = 40.0


def require(what: str, present: bool, install: str) -> None:
    """Skip a test whose system dependency is missing; in CI, fail instead."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; CI must install it ({install})")
    pytest.skip(f"{what} is missing ({install})")


def require_chromium() -> None:
    """Skip (in CI, fail) a test that needs the system's Chromium when it is not there."""
    require(CHROMIUM, Path(CHROMIUM).exists(), "Debian: apt-get install chromium")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_app(
    command: list[str],
    ready_url: str,
    log: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start `command` from the checkout and wait until `ready_url` answers; its output goes
    to `log`, which a failure to start shows."""
    environment = child_env(env)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(ready_url, timeout=2):
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail(
                    f"{' '.join(command)} did not start:\n{log.read_text(errors='replace')}"
                )
            time.sleep(0.2)


def start_ren(
    home: Path, *args: str, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`ren --no-browser` (plus `args`) on a free port for the data folder `home`; returns the
    process and the app's address."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*REN, "--no-browser", "--port", str(port), *args]
    process = start_app(
        command, url + "/workflows", home / "ren.log", {"REN_HOME": str(home), **(env or {})}
    )
    return process, url


def stop_app(process: subprocess.Popen[bytes], seconds: float = 15.0) -> int:
    """Stop as Ctrl+C would (SIGTERM); kill if it does not end in time. Returns the exit code."""
    process.terminate()
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@asynccontextmanager
async def chromium(**context_options: Any) -> AsyncIterator[BrowserContext]:
    """A fresh headless Chromium browser context (Playwright)."""
    from playwright.async_api import async_playwright

    require_chromium()
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield await browser.new_context(**context_options)
        finally:
            await browser.close()
