"""A Code node's code run in a worker process (app.nodes.isolation): a timeout or a cancel
kills it, and `memory_mb` limits it. The worker builds the function from the text exactly as
Ren's process does (app.nodes.code_text), so an error names the same line."""

from __future__ import annotations

import re
from typing import Any

from app.nodes.code_text import file_name, quoted_line
from app.nodes.context import StepContext
from app.nodes.isolation import IsolatedError, IsolatedTarget, call_isolated, isolated_context


async def call_code_isolated(
    ctx: StepContext, text: str, state: Any, args: dict[str, Any], memory_mb: int | None
) -> Any:
    """The code's return value; raises IsolatedError saying where it failed."""
    source = f"from app.nodes.code_text import load\n_code = load({text!r})\n"
    target = IsolatedTarget(name="_code", source=source)
    try:
        return await call_isolated(
            target, state, {"args": args}, context=isolated_context(ctx), memory_mb=memory_mb
        )
    except IsolatedError as err:
        remote = str(err.__cause__ or "")
        lines = re.findall(rf'File "{re.escape(file_name(text))}", line (\d+)', remote)
        if not lines:
            raise
        line = int(lines[-1])
        quoted = quoted_line(text, line)
        where = f"line {line} (`{quoted}`)" if quoted else f"line {line}"
        raise IsolatedError(f"{where}: {err}") from err.__cause__
