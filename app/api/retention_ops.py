"""The retention operation (`ren runs purge`), beside the others of app.api.ops.

Imported where the operations must be known: by the command and by the processes that serve
a data folder (the app and `ren worker`), which run it when a command hands it over.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app.api.ops import OpError, op
from app.engine.retention import PurgeInvalid, PurgeRequest
from app.engine.service import Engine


@op
async def runs_purge(
    engine: Engine,
    before: float,
    workflow: str | None = None,
    status: str | None = None,
    export: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Delete finished runs created before `before` (epoch seconds), optionally only one
    workflow's or one status's, after appending them to `export` (an absolute .jsonl path).
    With `dry_run`, nothing is deleted and `would_delete` lists the runs."""
    request = PurgeRequest(before, workflow, status)
    target = Path(export) if export is not None else None
    if target is not None and not (target.is_absolute() and target.parent.is_dir()):
        raise OpError("invalid", f"export: {export} is not in an existing folder")
    try:
        result = await asyncio.to_thread(engine.retention.purge, request, target, dry_run)
    except PurgeInvalid as err:
        raise OpError("invalid", str(err)) from None
    except OSError as err:
        raise OpError("invalid", f"export: cannot write {export}: {err.strerror}") from None
    if dry_run:
        return {"would_delete": result.skipped, "deleted": 0}
    return result.to_dict()
