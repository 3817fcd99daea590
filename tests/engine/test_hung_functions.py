"""Hung sync functions on a real engine: a timeout or a cancel abandons the call and frees its
slot, the step says so, and its retry policy applies."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app import register_function
from app.engine.service import Engine
from app.nodes import sync_calls
from tests.conftest import chain_workflow

RELEASE = threading.Event()  # set at the end of each test: the hung calls then return
STARTED: list[str] = []  # idempotency keys of the calls that began


@pytest.fixture(autouse=True)
def release_hung_calls() -> Iterator[None]:
    deadline = time.monotonic() + 10  # calls other tests abandoned end first: counts are exact
    while sync_calls.abandoned_calls() and time.monotonic() < deadline:
        time.sleep(0.05)
    RELEASE.clear()
    STARTED.clear()
    yield
    RELEASE.set()  # so abandoned threads end and do not count against later tests


@register_function("hang.forever")
def hang_forever(state: dict[str, Any], ctx: Any) -> dict[str, Any]:
    STARTED.append(ctx.idempotency_key)
    RELEASE.wait()
    ctx.log("returned after all")  # its step is over: this line must go nowhere
    return {"late": True}


@register_function("hang.trivial")
def trivial(state: dict[str, Any], n: int = 0) -> dict[str, Any]:
    return {"n": n + 1}


def hung_workflow(wid: str, timeout_s: float | None = 0.2, **extra: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "function", "config": {"function": "hang.forever"}}
    if timeout_s is not None:
        node["timeout_s"] = timeout_s
    return chain_workflow({**node, **extra}, wid=wid)


def trivial_workflow() -> dict[str, Any]:
    return chain_workflow({"type": "function", "config": {"function": "hang.trivial"}}, wid="ok")


async def test_twenty_hung_calls_do_not_starve_a_hundred_trivial_runs(engine: Engine) -> None:
    engine.import_workflow(hung_workflow("hung"))
    engine.import_workflow(trivial_workflow())
    hung = [await engine.start_run("hung") for _ in range(20)]
    for run_id in hung:
        run = await engine.wait(run_id, timeout=30)
        assert run.status == "failed"
        step = engine.steps(run_id)[1]
        assert step.status == "failed"
        assert step.error == {
            "type": "StepTimeout",
            "message": "timed out after 0.2 s; the function call was abandoned "
            "(it runs on until it returns)",
        }
    ours = [c for c in sync_calls.abandoned_calls() if c.name == "hang.forever"]
    assert len(ours) == 20  # still running, and counted (other tests' calls may still end)
    trivial_runs = [await engine.start_run("ok") for _ in range(100)]
    done = await asyncio.wait_for(
        asyncio.gather(*(engine.wait(r) for r in trivial_runs)), timeout=60
    )
    assert [r.status for r in done] == ["succeeded"] * 100
    assert all(r.output == {"n": 1} for r in done)


async def test_a_timed_out_hung_call_is_retried_with_a_new_attempt(engine: Engine) -> None:
    retry = {"max_attempts": 3, "backoff_s": 0}
    engine.import_workflow(hung_workflow("retried", retry=retry))
    run = await engine.run("retried")
    assert run.status == "failed"
    assert [s.attempt for s in engine.steps(run.id) if s.node_id == "n1"] == [1, 2, 3]
    started = list(STARTED)
    assert started == [f"{run.id}:n1:1", f"{run.id}:n1:2", f"{run.id}:n1:3"]
    types = [e.type for e in engine.events(run.id)]
    assert types.count("step.retrying") == 2


async def test_canceling_a_run_abandons_its_hung_call(engine: Engine) -> None:
    engine.import_workflow(hung_workflow("stuck", timeout_s=None))
    engine.import_workflow(trivial_workflow())
    run_id = await engine.start_run("stuck")
    while not STARTED:
        await asyncio.sleep(0.01)
    assert await asyncio.wait_for(engine.control.cancel(run_id), timeout=10) == "canceled"
    assert engine.get_run(run_id).status == "canceled"
    assert sync_calls.was_abandoned(f"{run_id}:n1:1")
    assert (await engine.run("ok")).status == "succeeded"


async def test_an_abandoned_call_that_returns_late_changes_nothing(engine: Engine) -> None:
    engine.import_workflow(hung_workflow("late"))
    run = await engine.run("late")
    events_before = [(e.seq, e.type) for e in engine.events(run.id)]
    RELEASE.set()
    while any(c.name == "hang.forever" for c in sync_calls.abandoned_calls()):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # give a stray event time to arrive, were there one
    engine.journal.flush()
    assert [(e.seq, e.type) for e in engine.events(run.id)] == events_before
    assert engine.steps(run.id)[1].status == "failed"


async def test_too_many_abandoned_calls_refuse_new_sync_calls_clearly(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_calls, "MAX_ABANDONED", 3)
    engine.import_workflow(hung_workflow("hung"))
    engine.import_workflow(trivial_workflow())
    for _ in range(3):
        assert (await engine.run("hung")).status == "failed"
    refused = await engine.run("ok")
    assert refused.status == "failed"
    assert engine.steps(refused.id)[1].error == {
        "type": "TooManyAbandoned",
        "message": "3 abandoned function calls are still running in this process "
        "(the limit is 3); restart Ren to end them",
    }


async def test_try_it_abandons_a_hung_call_like_a_step(engine: Engine) -> None:
    """The Functions page's Try it: a call that does not answer is abandoned, not pooled."""
    from app.nodes.functions import describe_function
    from app.nodes.library_try import try_function

    info = describe_function("hang.forever", hang_forever, "", "")
    result = await try_function(info, {}, {}, timeout=0.2)
    assert result.error == "no answer within 0.2 s (a step would go on waiting)"
    assert any(call.name == "hang.forever" for call in sync_calls.abandoned_calls())
