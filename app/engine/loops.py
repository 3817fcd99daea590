"""Driving a foreach loop: each item runs the loop body as its own scope.

Items are shared among `concurrency` workers (no task per item). Item steps are checkpointed in
batches (Journal.stage): a crash loses at most the last batch, whose items then run again with
the same idempotency keys. Items already done before a restart are not run again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from app.core.expressions import ExpressionError, evaluate
from app.core.plan import ScopeProgress
from app.engine.compiled import CompiledNode
from app.engine.state import ScopeBlocked, node_key
from app.nodes.base import NodeResult
from app.nodes.context import StepContext, StepInterrupted
from app.nodes.foreach import ForeachConfig

if TYPE_CHECKING:
    from app.engine.runner import RunDriver, ScopeRun


async def run_foreach(
    driver: RunDriver, scope: ScopeRun, node: CompiledNode, ctx: StepContext, input: Any
) -> NodeResult:
    from app.engine.runner import ScopeRun

    config = node.config
    assert isinstance(config, ForeachConfig)
    items = evaluate(config.items, ctx.scope(input))
    if not isinstance(items, list):
        raise ExpressionError(f"items '{config.items}' gave {type(items).__name__}, not a list")
    graph = driver.state.compiled.graph
    body = graph.scope_nodes(node.spec.id)
    sinks = [n for n in body if not graph.out_edges[n]]
    results: list[Any] = [None] * len(items)

    async def run_item(index: int) -> None:
        suffix = f"{scope.suffix}[{index}]"
        progress = ScopeProgress(graph, node.spec.id)
        loop_vars = {**scope.loop_vars, "item": items[index], "index": index}
        item_scope = ScopeRun(
            progress,
            suffix,
            loop_vars,
            entry_input={"item": items[index], "index": index},
            batched=True,
        )
        advance = driver.restore(item_scope)
        if not progress.finished:
            await driver.run_scope(item_scope, advance)
        if progress.finished:
            results[index] = _item_result(driver, sinks, suffix)
        elif driver.halt is None:
            blocked.append(index)  # waits on a person, a timer, …

    async def worker(indexes: Iterator[int]) -> None:
        for index in indexes:
            if driver.halt is not None:
                return
            await run_item(index)

    indexes: Iterator[int] = iter(range(len(items)))
    while True:
        blocked: list[int] = []
        generation = driver.state.wake_generation
        width = min(config.concurrency, len(items))
        workers = [asyncio.ensure_future(worker(indexes)) for _ in range(width)]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
        if not blocked or driver.halt is not None:
            break
        if driver.state.wake_generation == generation:
            raise ScopeBlocked(f"{len(blocked)} items wait")
        indexes = iter(blocked)  # some waits were resolved meanwhile: look at those items again
    if driver.halt is not None:  # paused or canceled inside an item: nothing to record
        raise StepInterrupted("cancel" if driver.halt == "canceled" else "pause")
    return NodeResult({"results": results, "count": len(results)})


def _item_result(driver: RunDriver, sinks: list[str], suffix: str) -> Any:
    outputs = {}
    for node_id in sinks:
        record = driver.state.records.get(node_key(node_id, suffix))
        if record is not None and record.status != "skipped":
            outputs[node_id] = record.output
    if len(outputs) == 1:
        return next(iter(outputs.values()))
    return outputs
