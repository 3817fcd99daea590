"""Handing a command to the Ren process that serves a data folder."""

from __future__ import annotations

from typing import Any

import httpx

from app.api.ops import OpError
from app.api.rpc import TOKEN_HEADER


class NoServer(RuntimeError):
    """The folder is locked by a Ren process that does not (yet) take commands."""


def remote_call(
    holder: dict[str, Any], name: str, args: dict[str, Any], timeout: float | None = None
) -> Any:
    if "port" not in holder or "token" not in holder:
        pid = holder.get("pid", "?")
        raise NoServer(
            f"another Ren process (pid {pid}) serves this data folder but takes no "
            "commands; stop it or use its app"
        )
    url = f"http://{holder.get('host', '127.0.0.1')}:{holder['port']}/api/rpc/{name}"
    try:
        response = httpx.post(
            url, json=args, headers={TOKEN_HEADER: holder["token"]}, timeout=timeout
        )
    except httpx.HTTPError as err:
        raise NoServer(f"cannot reach the Ren process serving this folder: {err}") from None
    try:
        body = response.json()
    except ValueError:  # e.g. the process stopped while the command ran
        raise NoServer(
            f"the Ren process serving this folder gave no answer (HTTP {response.status_code}); "
            "it may have stopped: see `ren show RUN_ID` or `ren runs`"
        ) from None
    if not body.get("ok"):
        error = body.get("error") or {"kind": "invalid", "message": response.text}
        raise OpError(error["kind"], error["message"], error.get("problems"))
    return body["result"]
