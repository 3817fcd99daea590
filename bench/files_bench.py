"""What artifacts and the file nodes cost, on a real engine in a temporary data folder.

    .venv/bin/python bench/files_bench.py

Prints, as medians of a few runs: a one-step run that saves no artifact vs one that saves a
1 KB artifact (the cost of recording it with the step), the time to save 10 MB and 100 MB
artifacts (written and fsync'd), and read_file / write_file of a 10,000-row CSV next to a
set node that passes the same rows on (what any step with that much data costs the engine).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import median_run_ms

from app import register_function
from app.engine.service import Engine
from tests.flows import chain, publish_reviewed

MB = 1024 * 1024


@register_function("bench.nothing")
def nothing(state: dict[str, Any]) -> dict[str, Any]:
    return {}


@register_function("bench.save")
def save(state: dict[str, Any], ctx: Any, size: int = 1024) -> dict[str, Any]:
    return ctx.save_artifact("blob.bin", b"x" * size)


def fn(name: str, **args: Any) -> dict[str, Any]:
    return {"type": "function", "config": {"function": name, "args": args}}


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder) / "work"
        work.mkdir()
        async with Engine(Path(folder) / "home") as engine:
            engine.import_workflow(chain("plain", fn("bench.nothing")))
            engine.import_workflow(chain("small", fn("bench.save", size=1024)))
            engine.import_workflow(chain("ten", fn("bench.save", size=10 * MB)))
            engine.import_workflow(chain("hundred", fn("bench.save", size=100 * MB)))
            rows = [{"id": i, "name": f"name {i}", "amount": i * 1.5} for i in range(10_000)]
            csv_path = str(work / "rows.csv")
            publish_reviewed(
                engine,
                chain(
                    "csv_write",
                    {
                        "type": "write_file",
                        "config": {
                            "path": csv_path,
                            "format": "csv",
                            "content": "{{ input.rows }}",
                        },
                    },
                ),
            )
            engine.import_workflow(
                chain(
                    "csv_read", {"type": "read_file", "config": {"path": csv_path, "format": "csv"}}
                )
            )
            await median_run_ms(engine, "plain", runs=20)  # warm up
            plain = await median_run_ms(engine, "plain", runs=50)
            small = await median_run_ms(engine, "small", runs=50)
            print(f"one-step run, no artifact      {plain:8.2f} ms")
            print(f"one-step run, 1 KB artifact    {small:8.2f} ms  (+{small - plain:.2f} ms)")
            ten = await median_run_ms(engine, "ten")
            print(f"one-step run, 10 MB artifact   {ten:8.2f} ms")
            hundred = await median_run_ms(engine, "hundred", runs=3)
            print(f"one-step run, 100 MB artifact  {hundred:8.2f} ms")
            engine.import_workflow(chain("pass", {"type": "set", "config": {"values": {}}}))
            passed = await median_run_ms(engine, "pass", {"rows": rows})
            print(f"set node passing 10,000 rows   {passed:8.2f} ms  (the engine's share)")
            written = await median_run_ms(engine, "csv_write", {"rows": rows})
            print(f"write_file, 10,000-row CSV     {written:8.2f} ms")
            print(
                f"read_file, 10,000-row CSV      {await median_run_ms(engine, 'csv_read'):8.2f} ms"
            )


if __name__ == "__main__":
    asyncio.run(main())
