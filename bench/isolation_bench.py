"""What running a function isolated costs per call: a trivial sync function called in Ren's
process (on a thread of its own, as a function node does) against the same function in a
worker process (app.nodes.isolation), warm and on the first call (the pool starts its workers).

    .venv/bin/python bench/isolation_bench.py [--calls 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from app.nodes import isolation
from app.nodes.library import import_source
from app.nodes.sync_calls import Call, call_in_thread

FUNCTION = """
from app import register_function


@register_function("bench.add")
def add(state, n: int = 1):
    return {"x": state["x"] + n}
"""


async def per_call_ms(calls: int, file: Path) -> dict[str, float]:
    functions, problem = import_source(FUNCTION, file)
    assert problem is None
    fn = functions["bench.add"].fn
    target = isolation.IsolatedTarget("bench.add", file=str(file))

    started = time.perf_counter()
    await isolation.call_isolated(target, {"x": 1}, {"n": 1})
    first = (time.perf_counter() - started) * 1000

    async def timed(call: object) -> float:
        begin = time.perf_counter()
        for _ in range(calls):
            await call()  # type: ignore[operator]
        return (time.perf_counter() - begin) * 1000 / calls

    warm = await timed(lambda: isolation.call_isolated(target, {"x": 1}, {"n": 1}))
    in_process = await timed(lambda: call_in_thread(Call("bench", "bench.add"), fn, {"x": 1}))
    isolation.shutdown()
    return {"in-process (own thread)": in_process, "isolated, warm": warm, "isolated, first": first}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder, "bench_functions.py")
        file.write_text(FUNCTION)
        for _ in range(options.rounds):
            for name, ms in asyncio.run(per_call_ms(options.calls, file)).items():
                rows.setdefault(name, []).append(ms)
    print(f"| Call ({options.calls} calls, {options.rounds} rounds) | median ms per call |")
    print("|---|---|")
    for name, values in rows.items():
        print(f"| {name} | {statistics.median(values):.3f} |")


if __name__ == "__main__":  # the workers are spawned: they import this file without running it
    main()
