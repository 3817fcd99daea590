"""`ren --url URL --token T <command>`: the commands against a remote Ren, through /api/v1.

Each operation the commands hand to `execute` (app.cli.common) maps to one API call here; the
answer is reshaped into what the local operation returns (app.api.ops), so every command prints
and exits the same way whether it ran here, in the local Ren process or on another machine.
An API error becomes the OpError the local operation would have raised.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from app.api.client import NoServer
from app.api.ops import OpError

URL_ENV, TOKEN_ENV = "REN_URL", "REN_TOKEN"
TIMEOUT = httpx.Timeout(30.0, read=None)  # completing a task waits for its run to go on


@dataclass(frozen=True)
class Remote:
    url: str  # the Ren's address, e.g. http://192.168.1.20:8710 (the API is under /api/v1)
    token: str | None = None

    @classmethod
    def from_options(cls, url: str | None, token: str | None) -> Remote | None:
        url = url or os.environ.get(URL_ENV) or None
        if url is None:
            return None
        return cls(url.rstrip("/").removesuffix("/api/v1"), token or os.environ.get(TOKEN_ENV))

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = httpx.request(
                method, f"{self.url}/api/v1{path}", headers=headers, timeout=TIMEOUT, **kwargs
            )
        except httpx.HTTPError as err:
            raise NoServer(f"cannot reach Ren at {self.url}: {err}") from None
        if response.status_code >= 400:
            raise _error(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()


def _error(response: httpx.Response) -> Exception:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return NoServer(f"Ren answered HTTP {response.status_code}: {response.text[:200]}")
    problems = [
        f"{p['field']}: {p['message']}" if p.get("field") else p["message"]
        for p in error.get("problems") or []
    ]
    return OpError(error.get("kind", "invalid"), error.get("message", ""), problems)


def _id(value: str) -> str:
    return quote(value, safe="")


def _runs(remote: Remote, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"limit": limit}
    if status:
        params["status"] = status
    page = remote.json("GET", "/runs", params=params)
    keys = ("run_id", "workflow_id", "status", "created_at", "finished_at")
    return [{k: item.get(k) for k in keys} for item in page["items"]]


def _tasks(remote: Remote, assignee: str | None = None) -> Any:
    return remote.json("GET", "/tasks", params={"assignee": assignee} if assignee else {})


def _complete(remote: Remote, task_id: str, outcome: str, values: dict[str, Any], by: str) -> Any:
    body = {"outcome": outcome, "values": values, "by": by}
    return remote.json("POST", f"/tasks/{_id(task_id)}/complete", json=body)


def _signal(remote: Remote, run_id: str, name: str, data: Any = None) -> Any:
    return remote.json("POST", f"/runs/{_id(run_id)}/signals", json={"name": name, "data": data})


def _show(remote: Remote, run_id: str) -> Any:
    return remote.json("GET", f"/runs/{_id(run_id)}")


def _run_log(remote: Remote, run_id: str) -> list[str]:
    return remote.request("GET", f"/runs/{_id(run_id)}/log").text.splitlines()


def _control(action: str) -> Callable[..., Any]:
    def control(remote: Remote, run_id: str, inputs: dict[str, Any] | None = None) -> Any:
        body = {"inputs": inputs} if action == "resume" else None
        return remote.json("POST", f"/runs/{_id(run_id)}/{action}", json=body)

    return control


def _start(
    remote: Remote,
    workflow_id: str,
    input: Any = None,
    wait: bool = True,
    idempotency_key: str | None = None,
) -> Any:
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    body = {"workflow": workflow_id, "input": input, "wait": wait}
    started = remote.json("POST", "/runs", json=body, headers=headers)
    return _show(remote, started["run_id"])


def _rerun(remote: Remote, run_id: str, node_id: str, **given: Any) -> Any:
    body = {"node_id": node_id, "input": given.get("input"), "same_input": "input" not in given}
    return remote.json("POST", f"/runs/{_id(run_id)}/rerun", json=body)


def _schedule_add(remote: Remote, **schedule: Any) -> Any:
    return remote.json("POST", "/schedules", json=schedule)


def _schedule_list(remote: Remote) -> Any:
    return remote.json("GET", "/schedules")


def _schedule_remove(remote: Remote, schedule_id: str) -> Any:
    return remote.json("DELETE", f"/schedules/{_id(schedule_id)}")


OPERATIONS: dict[str, Callable[..., Any]] = {
    "runs": _runs,
    "tasks": _tasks,
    "complete": _complete,
    "signal": _signal,
    "show": _show,
    "run_log": _run_log,
    "start": _start,
    "rerun": _rerun,
    "schedule_add": _schedule_add,
    "schedule_list": _schedule_list,
    "schedule_remove": _schedule_remove,
    **{name: _control(name) for name in ("pause", "resume", "cancel", "retry")},
}


def remote_op(remote: Remote, name: str, args: dict[str, Any]) -> Any:
    """Run the operation `name` on the remote Ren; OpError for what it cannot do there."""
    operation = OPERATIONS.get(name)
    if operation is None:
        raise OpError("invalid", f"this command does not work with --url (only: {_names()})")
    return operation(remote, **args)


def _names() -> str:
    shown = {"run_log": "show --log", "schedule_add": "schedule", "schedule_list": "schedule"}
    shown |= {"schedule_remove": "schedule"}
    return ", ".join(sorted({shown.get(n, n) for n in OPERATIONS}))
