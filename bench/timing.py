"""Timing for the benches: the median of repeated calls, or of whole runs, in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.engine.service import Engine


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """The median wall time of `fn()` over `repeat` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def median_run_ms(engine: Engine, wid: str, input: Any = None, runs: int = 5) -> float:
    """The median wall time of a whole run of `wid`; every run must succeed."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run = await engine.run(wid, input or {})
        samples.append((time.perf_counter() - started) * 1000)
        assert run.status == "succeeded", run.error
    return statistics.median(samples)
