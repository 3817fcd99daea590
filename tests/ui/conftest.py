"""UI tests. Page logic runs through NiceGUI's `user` fixture (no browser): pyproject loads
`nicegui.testing.user_plugin` and points `main_file` at app/ui/main.py, which each test runs
afresh. Every test gets its own data folder (REN_HOME), so every test has its own engine.

Browser tests (marked `browser`) start a real `ren` process on a free port and drive the
system's Chromium with async Playwright (tests/browser.py); see `ren_app` and `browser_page`
below.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from app.nodes.functions import load_functions
from tests.browser import ROOT, chromium, require_chromium, start_ren, stop_app
from tests.flows import chain

EXAMPLES = ROOT / "examples"
FUNCTION_FILES = (EXAMPLES / "seed004_functions.py", ROOT / "tests" / "helpers_functions.py")


@pytest.fixture(autouse=True)
def ren_home(home: Path) -> Path:
    """Every UI test gets its own data folder (tests/conftest.py's `home`, as REN_HOME)."""
    return home


@pytest.fixture(autouse=True)
def forget_pages() -> Iterator[None]:
    """Leave nothing of a test's pages behind: pages of earlier tests must not hear later
    tests' engines (NiceGUI's reset does not reach this module-level event once it has cleared
    its registry), and left-over clients would keep later tests that build elements outside a
    page (tests/ui_component) from getting NiceGUI's stand-in client."""
    yield
    from nicegui import Client

    from app.ui.live import committed_events, run_events

    run_events.callbacks.clear()
    committed_events.callbacks.clear()
    Client.instances.clear()


@pytest.fixture(autouse=True, scope="session")
def registered_functions() -> None:
    """The functions the UI tests' workflows call (the registry is process-wide)."""
    for path in FUNCTION_FILES:
        load_functions(str(path))


def seed_folder(folder: Path, runs: int = 2) -> list[str]:
    """Fill a data folder before the app opens it: two workflows, `runs` runs of the first and
    one of the second (whose step takes 0.4 s). Returns the run ids, the slow run last."""

    async def fill() -> list[str]:
        engine = Engine(folder)
        await engine.start(recover=False)
        try:
            engine.import_workflow(EXAMPLES / "seed004_amount_approval.json")
            engine.import_workflow(
                chain(
                    "slow",
                    {
                        "type": "function",
                        "config": {"function": "t.sleep", "args": {"seconds": 0.4}},
                    },
                )
            )
            ids = []
            for i in range(runs):
                run = await engine.run("workflow_1", {"data": {"amount": 500 + 1000 * i}})
                ids.append(run.id)
            ids.append((await engine.run("slow")).id)  # the last one is slow
            return ids
        finally:
            await engine.stop()

    return asyncio.run(fill())


# -- browser tests ----------------------------------------------------------------------------


@dataclass
class RenApp:
    url: str
    home: Path
    process: subprocess.Popen[bytes]
    seeded_runs: list[str]


@pytest.fixture(scope="module")
def ren_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RenApp]:
    """`ren` itself, on a free port and a fresh data folder holding a few runs."""
    require_chromium()
    home = tmp_path_factory.mktemp("ren-app")
    seeded = seed_folder(home)
    functions = [arg for path in FUNCTION_FILES for arg in ("--functions", str(path))]
    process, url = start_ren(home, *functions)
    yield RenApp(url, home, process, seeded)
    stop_app(process)
    shutil.rmtree(home, ignore_errors=True)


EDITOR_PAGE = re.compile(r"/workflows/[^/?#]+$")  # another module's page, maybe not there yet


@pytest.fixture
async def browser_page(ren_app: RenApp) -> AsyncIterator[Any]:
    """A fresh Chromium page; the test fails on JavaScript errors (page errors, and console
    errors but those of the editor's page), which it finds in `page.errors`."""
    async with chromium(viewport={"width": 1360, "height": 880}) as context:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def console(message: Any) -> None:
            where = str(message.location.get("url", ""))
            if message.type == "error" and not EDITOR_PAGE.search(where):
                errors.append(f"{message.text} ({where})")

        context.on("console", console)
        page.errors = errors  # type: ignore[attr-defined]
        yield page
    assert not errors, f"JavaScript errors on the page: {errors}"
