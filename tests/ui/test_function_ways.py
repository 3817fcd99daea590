"""The ways between a workflow and its functions, through NiceGUI's simulated user: the code
editor's way back to the workflow (and never off this app), Try it asking for a required
argument instead of failing the call, and an open editor whose problem clears when the function
arrives in the library from elsewhere."""

from __future__ import annotations

from pathlib import Path

from nicegui.testing import User

from tests.ui.conftest import chain
from tests.ui.test_functions_page import GREET, engine, library, wait_for


async def test_the_code_editor_leads_back_to_the_workflow(user: User) -> None:
    await user.open("/functions/new?name=lib.approve&args=a&back=/workflows/needs_fn")
    user.find(marker="back-to-workflow").click()
    await wait_for(lambda: user.back_history[-1] == "/workflows/needs_fn")


async def test_a_back_address_off_this_app_is_ignored(user: User, home: Path) -> None:
    await user.open("/functions/new?name=lib.approve&back=//example.com/x")
    await user.should_not_see(marker="back-to-workflow")
    user.find(marker="save-code").click()
    await wait_for(lambda: (home / "functions" / "lib_approve.py").is_file())
    await user.should_see("Saved functions/lib_approve.py")
    assert all(page.startswith("/functions/") for page in user.back_history)


async def test_try_it_asks_for_a_required_argument(user: User, home: Path) -> None:
    library(home, "greet.py", GREET)
    engine().functions.reload()
    await user.open("/functions")
    user.find(marker="try-greet").click()
    user.find(marker="try-run").click()
    await user.should_see("Fill in who: the function requires it")
    await user.should_not_see("TypeError")
    await user.should_not_see(marker="try-traceback")


async def test_the_open_editor_sees_a_function_added_elsewhere(user: User, home: Path) -> None:
    flow = chain(
        "needs_greet", {"type": "function", "config": {"function": "greet", "args": {"who": "Ana"}}}
    )
    engine().workflows.save(engine().workflows.import_document(flow))
    await user.open("/workflows/needs_greet")
    await user.should_see("function 'greet' is not registered")
    library(home, "greet.py", GREET)  # saved in another tab, or by `ren functions add`
    engine().functions.reload()
    await user.should_see("No problems", retries=50)
    await user.should_not_see("function 'greet' is not registered")
