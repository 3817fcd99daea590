"""The Code node on a real engine and SQLite file: outputs, errors at their line, timeouts, the
step's idempotency key, and trust (imported code never runs until a person trusted it)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from app.engine.code_trust import How
from app.engine.service import Engine
from app.engine.workflows import WorkflowInvalid
from tests.conftest import chain_workflow
from tests.flows import step_error


def code_flow(code: str, wid: str = "wf", **config: Any) -> dict[str, Any]:
    return chain_workflow({"type": "code", "config": {"code": code, **config}}, wid=wid)


async def run_trusted(
    engine: Engine, doc: dict[str, Any], input: Any = None, how: How = "run"
) -> Any:
    """Import the workflow, trust its code (by default as `ren run FILE` does: it then runs in
    Ren's process; "review", as `ren trust` does, runs it isolated), publish it and run it."""
    wid = engine.import_workflow(doc, publish=False)
    assert isinstance(wid, str)
    engine.workflows.trust.trust_spec(wid, engine.workflows.draft(wid), how)
    engine.workflows.publish(wid)
    return await engine.run(wid, input or {})


async def test_code_returns_the_output_and_ints_stay_ints(engine: Engine) -> None:
    code = "total = state['x'] + args['add']\nreturn {'y': total, 'as_text': args['label']}"
    doc = code_flow(code, args={"add": 2, "label": "x is {{ input.x }}"})
    run = await run_trusted(engine, doc, {"x": 40})
    assert run.status == "succeeded"
    assert run.output == {"y": 42, "as_text": "x is 40"}
    assert type(run.output["y"]) is int


async def test_a_non_dict_return_is_a_clear_step_error(engine: Engine) -> None:
    run = await run_trusted(engine, code_flow("return [1, 2]"))
    assert run.status == "failed"
    message = step_error(engine, run.id)["message"]
    assert "the code returned a list; return a dict (the node's output)" in message
    run = await run_trusted(engine, code_flow("x = 1", wid="none"))
    assert "the code returned nothing (None)" in step_error(engine, run.id)["message"]


async def test_a_raise_names_its_line_in_the_code(engine: Engine) -> None:
    run = await run_trusted(engine, code_flow("a = 1\nb = 0\nreturn {'q': a / b}"))
    assert run.status == "failed"
    error = step_error(engine, run.id)
    assert error["message"] == (
        "line 3 (`return {'q': a / b}`): ZeroDivisionError: division by zero"
    )
    assert "return {'q': a / b}" in error["traceback"]  # the traceback quotes the code too


async def test_a_syntax_error_is_a_problem_on_the_code_field_with_its_line(
    engine: Engine,
) -> None:
    spec = engine.workflows.import_document(code_flow("x = 1\nreturn {'y': (x}"))
    problems = [p for p in engine.validate(spec, check_trust=False) if p.node_id == "n1"]
    assert len(problems) == 1
    assert problems[0].field == "config.code"
    assert problems[0].message.startswith("line 2: ")
    empty = engine.workflows.import_document(code_flow("   "))
    assert any("the code is empty" in p.message for p in engine.validate(empty, check_trust=False))


async def test_a_hung_code_times_out(engine: Engine) -> None:
    doc = code_flow("import time\ntime.sleep(3)\nreturn {}")
    doc["nodes"][1]["timeout_s"] = 0.3
    run = await run_trusted(engine, doc)
    assert run.status == "failed"
    error = step_error(engine, run.id)
    assert error["type"] == "StepTimeout"


async def test_ctx_carries_the_idempotency_key(engine: Engine) -> None:
    run = await run_trusted(engine, code_flow("return {'key': ctx.idempotency_key}"))
    assert run.output == {"key": f"{run.id}:n1:1"}


# -- trust ---------------------------------------------------------------------------------


async def test_imported_code_does_not_run_until_trusted(engine: Engine, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('x')\nreturn {{'ok': True}}"
    with pytest.raises(WorkflowInvalid) as refused:
        engine.import_workflow(code_flow(code))  # imports publish: refused
    assert "review and trust it before it runs" in str(refused.value)
    assert [p.code for p in engine.validate(engine.workflows.draft("wf"), "wf")] == [
        "untrusted_code"
    ]
    assert engine.trust_code("wf") == 1
    assert engine.validate(engine.workflows.draft("wf"), "wf") == []
    engine.workflows.publish("wf")
    run = await engine.run("wf", {})
    assert run.status == "succeeded" and marker.exists()


async def test_reimporting_changed_code_makes_it_untrusted_again(engine: Engine) -> None:
    await run_trusted(engine, code_flow("return {'v': 1}"))
    engine.import_workflow(code_flow("return {'v': 1}"))  # the same code: still trusted
    with pytest.raises(WorkflowInvalid):
        engine.import_workflow(code_flow("return {'v': 2}"))
    problems = engine.validate(engine.workflows.draft("wf"), "wf")
    assert [(p.code, p.node_id) for p in problems] == [("untrusted_code", "n1")]


async def test_the_runner_refuses_untrusted_code_as_a_second_guard(
    engine: Engine, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('x')\nreturn {{}}"
    await run_trusted(engine, code_flow(code))
    marker.unlink()
    engine.store.write_raw("DELETE FROM trusted_code")  # a version whose code lost its trust
    run = await engine.run("wf", {})
    assert run.status == "failed"
    error = step_error(engine, run.id)
    assert error["message"] == (
        "this workflow was imported with code; review and trust it before it runs"
    )
    assert not marker.exists()


async def test_trust_is_per_workflow(engine: Engine) -> None:
    await run_trusted(engine, code_flow("return {'v': 1}", wid="a"))
    with pytest.raises(WorkflowInvalid):
        engine.import_workflow(code_flow("return {'v': 1}", wid="b"))
    assert json.loads(engine.workflows.export_json("b"))["nodes"][1]["type"] == "code"


# -- isolation -----------------------------------------------------------------------------

PID = "import os\nreturn {'pid': os.getpid()}"


async def test_approved_imported_code_runs_in_its_own_process(engine: Engine) -> None:
    run = await run_trusted(engine, code_flow(PID), how="review")  # as `ren trust` does
    assert run.status == "succeeded", run.error
    assert run.output["pid"] != os.getpid()


async def test_code_run_from_a_file_runs_in_process_unless_isolated(engine: Engine) -> None:
    assert (await run_trusted(engine, code_flow(PID))).output == {"pid": os.getpid()}
    isolated = await run_trusted(engine, code_flow(PID, wid="iso", isolate=True))
    assert isolated.output["pid"] != os.getpid()


async def test_isolated_code_errors_name_their_line_and_timeouts_kill_it(engine: Engine) -> None:
    run = await run_trusted(engine, code_flow("x = 1\nraise ValueError('bad x')"), how="cli")
    assert (
        step_error(engine, run.id)["message"]
        == "line 2 (`raise ValueError('bad x')`): ValueError: bad x"
    )
    doc = code_flow("import time\ntime.sleep(30)\nreturn {}", wid="slow")
    doc["nodes"][1]["timeout_s"] = 1
    run = await run_trusted(engine, doc, how="cli")
    assert step_error(engine, run.id)["type"] == "StepTimeout"
