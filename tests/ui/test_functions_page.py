"""The Functions page through NiceGUI's simulated user: the list, the code editor (syntax and
import errors at their line before saving), Try it, upload, and "Create function" from the
editor's "not registered" problem."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from app.engine.service import Engine
from app.ui import runtime
from tests.ui.conftest import chain

GREET = '''from app import register_function


@register_function("greet")
def greet(state, who: str, times: int = 1):
    """Say hello."""
    if who == "nobody":
        raise ValueError("nobody to greet")
    return {"text": " ".join(["hello " + who] * times), "seen": state}
'''


def engine() -> Engine:
    return runtime.engine()


async def wait_for(condition: object, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def code(user: User) -> ui.codemirror:
    element = user.find(marker="code").elements.pop()
    assert isinstance(element, ui.codemirror)
    return element


def library(home: Path, name: str, text: str) -> None:
    folder = home / "functions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


async def test_the_nav_leads_to_the_functions_page(user: User) -> None:
    await user.open("/workflows")
    await user.should_see("Functions", kind=ui.link)
    await user.open("/functions")
    await user.should_see("Python functions your workflows call.")
    user.find(marker="new-function").click()
    await wait_for(lambda: user.back_history[-1] == "/functions/new")
    await user.should_see("New function file")
    assert '@register_function("my.function")' in code(user).value


async def test_write_a_function_save_it_and_see_it_listed(user: User, home: Path) -> None:
    await user.open("/functions/new?name=greet")
    assert user.find(marker="file-name").elements.pop().value == "greet.py"
    code(user).set_value(GREET)
    user.find(marker="save-code").click()
    await wait_for(lambda: (home / "functions" / "greet.py").is_file())
    assert (home / "functions" / "greet.py").read_text() == GREET
    assert engine().functions.get("greet") is not None  # usable at once, no restart
    await user.open("/functions")
    await user.should_see("greet")
    await user.should_see("(state, who: string, times: integer = 1)")
    await user.should_see("Say hello.")
    await user.should_see("functions/greet.py")


async def test_a_syntax_error_shows_at_its_line_and_is_never_saved(user: User, home: Path) -> None:
    await user.open("/functions/new?name=broken")
    editor = code(user)
    editor.set_value("from app import register_function\n\n\ndef f(:\n    pass\n")
    await user.should_see("Line 4: syntax error: invalid syntax")
    assert editor.decorations == [{"kind": "line", "line": 4, "class": "ren-code-error"}]
    assert editor.line_tooltips == {4: "syntax error: invalid syntax"}
    user.find(marker="save-code").click()
    await user.should_see("Not saved: fix the syntax error first")
    assert not (home / "functions" / "broken.py").exists()
    editor.set_value(GREET)
    await user.should_not_see("Line 4")
    assert editor.decorations == []


async def test_an_import_error_shows_at_its_line_and_saves_only_on_purpose(
    user: User, home: Path
) -> None:
    await user.open("/functions/new?name=later")
    text = GREET + "\nimport no_such_package_here\n"
    code(user).set_value(text)
    user.find(marker="check-code").click()
    line = text.count("\n")
    await user.should_see(
        f"Line {line}: ModuleNotFoundError: No module named 'no_such_package_here'"
    )
    user.find(marker="save-code").click()
    await user.should_see("Not saved: this file would not load.")
    assert not (home / "functions" / "later.py").exists()
    user.find(marker="save-anyway").click()
    await wait_for(lambda: (home / "functions" / "later.py").is_file())
    await user.open("/functions")
    await user.should_see(f"functions/later.py:{line}: ModuleNotFoundError")


async def test_a_name_another_file_registers_is_refused(user: User, home: Path) -> None:
    library(home, "greet.py", GREET)
    engine().functions.reload()
    await user.open("/functions/new?name=greet")
    assert user.find(marker="file-name").elements.pop().value == "greet_2.py"
    code(user).set_value(GREET)
    user.find(marker="save-code").click()
    await user.should_see("Line 4: function 'greet' is already registered by greet.py")
    assert not (home / "functions" / "greet_2.py").exists()


async def test_try_it_shows_output_time_and_errors(user: User, home: Path) -> None:
    library(home, "greet.py", GREET)
    engine().functions.reload()
    await user.open("/functions")
    user.find(marker="try-greet").click()
    await user.should_see("Try greet")
    user.find(marker="try-state").elements.pop().set_value('{"id": 7}')
    user.find(marker="field-args.who").elements.pop().set_value("Ana")
    user.find(marker="field-args.times").elements.pop().set_value("2")
    user.find(marker="try-run").click()
    await user.should_see(marker="try-output")
    shown = user.find(marker="try-output").elements.pop()
    assert isinstance(shown, ui.code)
    assert json.loads(shown.content) == {"text": "hello Ana hello Ana", "seen": {"id": 7}}
    assert user.find(marker="try-time").elements.pop().text.endswith(" ms")

    user.find(marker="field-args.who").elements.pop().set_value("nobody")
    user.find(marker="try-run").click()
    await user.should_see("ValueError: nobody to greet")
    trace = user.find(marker="try-traceback").elements.pop()
    assert isinstance(trace, ui.code)
    assert 'greet.py", line 8, in greet' in trace.content
    assert engine().list_runs() == []  # no run was started


async def test_upload_a_function_file(user: User, home: Path) -> None:
    await user.open("/functions")
    upload = user.find(ui.upload).elements.pop()
    await upload.handle_uploads([SmallFileUpload("greet.py", "text/x-python", GREET.encode())])
    await user.should_see("Added greet.py: greet")
    assert (home / "functions" / "greet.py").read_text() == GREET
    bad = b"def f(:\n"
    await upload.handle_uploads([SmallFileUpload("bad.py", "text/x-python", bad)])
    await user.should_see("bad.py was not added: bad.py:1: syntax error")
    assert not (home / "functions" / "bad.py").exists()


async def test_create_function_from_the_editors_problem(user: User, home: Path) -> None:
    flow = chain(
        "needs_fn", {"type": "function", "config": {"function": "lib.approve", "args": {"a": 1}}}
    )
    engine().workflows.save(engine().workflows.import_document(flow))
    await user.open("/workflows/needs_fn")
    await user.should_see("function 'lib.approve' is not registered")
    user.find(marker="create-function-lib.approve").click()
    await wait_for(lambda: user.back_history[-1].startswith("/functions/new?"))
    await user.open(user.back_history[-1])
    text = code(user).value
    assert '@register_function("lib.approve")' in text and "def approve(state, a):" in text
    assert user.find(marker="file-name").elements.pop().value == "lib_approve.py"
    user.find(marker="save-code").click()
    await wait_for(lambda: user.back_history[-1] == "/workflows/needs_fn")
    assert (home / "functions" / "lib_approve.py").is_file()
    await user.open("/workflows/needs_fn")
    await user.should_see("No problems")
