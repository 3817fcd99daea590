"""Functions registered for the engine tests (module-level, like a user's functions file)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from app import register_function

CALLS: list[tuple[str, Any]] = []
FLAKY_STATE: dict[str, int] = {}


@register_function("t.add")
async def add(state: dict[str, Any], by: int = 1) -> dict[str, Any]:
    CALLS.append(("add", by))
    return {"counter": state.get("counter", 0) + by}


@register_function("t.sync_thread")
def sync_thread(state: dict[str, Any]) -> dict[str, Any]:
    """A sync function: must run off the event loop's thread."""
    return {"thread": threading.get_ident()}


@register_function("t.sleep")
async def sleep(state: dict[str, Any], seconds: float = 0.05, tag: str = "") -> dict[str, Any]:
    started = time.monotonic()
    await asyncio.sleep(seconds)
    CALLS.append(("sleep", tag))
    return {tag or "slept": round(time.monotonic() - started, 3)}


@register_function("t.flaky")
async def flaky(state: dict[str, Any], fail_times: int = 2, key: str = "k") -> dict[str, Any]:
    FLAKY_STATE[key] = FLAKY_STATE.get(key, 0) + 1
    if FLAKY_STATE[key] <= fail_times:
        raise ConnectionError(f"attempt {FLAKY_STATE[key]} failed")
    return {"attempts": FLAKY_STATE[key]}


@register_function("t.boom")
def boom(state: dict[str, Any], message: str = "boom") -> dict[str, Any]:
    raise ValueError(message)


@register_function("t.ctx")
async def with_ctx(state: dict[str, Any], ctx: Any) -> dict[str, Any]:
    ctx.log("working", step=1)
    ctx.progress(1, 2, "half")
    return {"key": ctx.idempotency_key, "attempt": ctx.attempt}


@register_function("t.double")
def double(state: dict[str, Any]) -> dict[str, Any]:
    CALLS.append(("double", state["item"]))
    return {"value": state["item"] * 2}


@register_function("t.mutate")
def mutate(state: dict[str, Any]) -> dict[str, Any]:
    state["mutated"] = True  # must not leak into the upstream node's recorded output
    return {"ok": True}


@register_function("t.scalar")
def scalar(state: dict[str, Any]) -> int:
    return 42


@register_function("t.record")
def record(state: dict[str, Any], tag: str = "") -> dict[str, Any]:
    CALLS.append(("record", tag))
    return {**state, tag or "recorded": True}
