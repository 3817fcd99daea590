"""Hung sync functions on a real engine: a timeout abandons the call and frees its slot."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from app import register_function
from app.engine.service import Engine
from tests.conftest import chain_workflow

NEVER = threading.Event()  # never set: a call waiting on it hangs until the process ends


@register_function("hang.forever")
def hang_forever(state: dict[str, Any]) -> dict[str, Any]:
    NEVER.wait()
    return {}


@register_function("hang.trivial")
def trivial(state: dict[str, Any], n: int = 0) -> dict[str, Any]:
    return {"n": n + 1}


def hung_workflow(wid: str, timeout_s: float = 0.2, retry: dict[str, Any] | None = None) -> Any:
    node: dict[str, Any] = {
        "type": "function",
        "config": {"function": "hang.forever"},
        "timeout_s": timeout_s,
    }
    if retry is not None:
        node["retry"] = retry
    return chain_workflow(node, wid=wid)


async def test_twenty_hung_calls_do_not_starve_a_hundred_trivial_runs(engine: Engine) -> None:
    engine.import_workflow(hung_workflow("hung"))
    engine.import_workflow(
        chain_workflow({"type": "function", "config": {"function": "hang.trivial"}}, wid="ok")
    )
    hung = [await engine.start_run("hung") for _ in range(20)]
    for run_id in hung:
        run = await engine.wait(run_id, timeout=30)
        assert run.status == "failed"
        step = engine.steps(run_id)[1]
        assert step.status == "failed"
        assert step.error is not None
        assert step.error["type"] == "StepTimeout"
        assert "timed out after 0.2 s" in step.error["message"]
        assert "abandoned" in step.error["message"]
    trivial_runs = [await engine.start_run("ok") for _ in range(100)]
    done = await asyncio.wait_for(
        asyncio.gather(*(engine.wait(r) for r in trivial_runs)), timeout=60
    )
    assert [r.status for r in done] == ["succeeded"] * 100
    assert all(r.output == {"n": 1} for r in done)
