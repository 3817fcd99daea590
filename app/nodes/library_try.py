""" "Try it": call one function with a sample `state` and arguments, outside any run.

The call follows the function node's rules (a sync function runs in a worker thread, the
result becomes the output: a dict as it is, None as `{}`, anything else as `{"result": …}`), and
a function that asks for `ctx` gets a context of a pretend run `try`, whose log lines and
progress are collected. Nothing is written to the database.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.nodes import sync_calls
from app.nodes.context import RunControl, StepContext
from app.nodes.functions import FunctionInfo
from app.nodes.sync_calls import Call, call_in_thread

TRY_TIMEOUT_S = 60.0


@dataclass
class TryResult:
    output: Any = None
    error: str | None = None
    traceback: str = ""
    ms: float = 0.0
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def _context(info: FunctionInfo, events: list[tuple[str, dict[str, Any]]]) -> StepContext:
    return StepContext(
        run_id="try",
        node_id=info.name,
        node_key=info.name,
        attempt=1,
        params={},
        run_info={"id": "try"},
        nodes_source=dict,
        upstream={},
        control=RunControl(),
        emit=lambda kind, data: events.append((kind, data)),
        data_dir=Path(tempfile.gettempdir()),
    )


def _user_frames(err: BaseException) -> str:
    """The traceback from the function's own code on (Ren's calling frames left out)."""
    frames = traceback.extract_tb(err.__traceback__)
    here = __file__
    ren = (here, sync_calls.__file__)
    kept = [f for f in frames if f.filename not in ren and "asyncio" not in f.filename]
    lines = traceback.format_list(kept) + traceback.format_exception_only(err)
    return "Traceback (most recent call last):\n" + "".join(lines)


async def try_function(
    info: FunctionInfo, state: Any, args: dict[str, Any], timeout: float = TRY_TIMEOUT_S
) -> TryResult:
    result = TryResult()
    kwargs = dict(args)
    if info.wants_ctx:
        kwargs["ctx"] = _context(info, result.events)
    state = json.loads(json.dumps(state))  # as a step gets it: plain JSON data
    started = time.perf_counter()
    try:
        if info.is_async:
            value = await asyncio.wait_for(info.fn(state, **kwargs), timeout)
        else:
            call = call_in_thread(Call("try", info.name), info.fn, state, **kwargs)
            value = await asyncio.wait_for(call, timeout)  # a hung call is abandoned
    except TimeoutError:
        result.error = f"no answer within {timeout:g} s (a step would go on waiting)"
    except Exception as err:
        result.error = f"{type(err).__name__}: {err}"
        result.traceback = _user_frames(err)
    else:
        result.output = (
            {} if value is None else value if isinstance(value, dict) else {"result": value}
        )
    result.ms = (time.perf_counter() - started) * 1000
    return result
