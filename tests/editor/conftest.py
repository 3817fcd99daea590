"""Fixtures for the editor's tests.

- `ren_url`: Ren's app started as a user starts it (`ren --no-browser --port N`, with seed
  001's example functions) on a free port with its own REN_HOME, session-wide; browser tests
  drive it with Playwright.
- `editor_user`: NiceGUI's simulated user (no browser) on Ren's app with a real engine on the
  test's own data folder, for page logic.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest
from nicegui.testing import User

from tests.browser import ROOT, require_chromium, start_ren, stop_app

FUNCTIONS = ROOT / "examples" / "seed001_functions.py"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item (the page fixture screenshots failures)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def ren_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ren-editor-app")


@pytest.fixture(scope="session")
def ren_url(ren_home: Path) -> Iterator[str]:
    """`ren --no-browser --port N --functions seed001_functions.py`, for the whole session."""
    require_chromium()
    process, url = start_ren(ren_home, "--functions", str(FUNCTIONS))
    yield url
    stop_app(process)


@pytest.fixture(autouse=True)
def ren_test_home(home: Path) -> Path:
    """Every test's own data folder (tests/conftest.py's `home`, as REN_HOME): the simulated
    app's engine opens it."""
    return home


@pytest.fixture
async def editor_user(user: User) -> AsyncIterator[User]:
    """NiceGUI's simulated user on Ren's whole app (app/ui/main.py, as pyproject configures),
    with its engine running on this test's data folder."""
    yield user
    from nicegui import Client

    from app.ui.live import committed_events, run_events

    run_events.callbacks.clear()  # leave no page of this test listening to later engines
    committed_events.callbacks.clear()
    Client.instances.clear()
