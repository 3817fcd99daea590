"""Task reminders and escalations delivered through a channel (the task's `remind_via`).

A reminder timer or a due time that passed (app.engine.tasks) calls `deliver_task_notice`:
`desktop` and `app` go through the notification list (app.engine.notifications), `email` to the
task's `assignee_email` (a template over the task's input) or to an assignee that is an email
address, with the task's smtp credential or the default one. A notice that cannot be delivered
is recorded on the run (`task.notice_failed`) and put in the app's list; it never fails the run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

from app.auth.links import emailed_link
from app.core.expressions import expression_scope
from app.core.templates import render_template
from app.engine.notifications import notifications_of
from app.nodes.email_message import is_address
from app.nodes.email_smtp import EmailFailed

if TYPE_CHECKING:
    from app.engine.service import Engine

log = logging.getLogger(__name__)

NoticeKind = Literal["reminder", "escalation"]


async def deliver_task_notice(engine: Engine, wait: dict[str, Any], kind: NoticeKind) -> None:
    """Deliver a reminder or escalation of the task behind `wait` through its channel."""
    try:
        await _deliver(engine, wait, kind)
    except Exception:  # a notice must never take the timer (or the run) down with it
        log.exception("cannot deliver the %s of task %s", kind, wait.get("id"))


async def _deliver(engine: Engine, wait: dict[str, Any], kind: NoticeKind) -> None:
    node = engine.compiled_for_run(wait["run_id"]).nodes.get(wait["node_id"])
    via = str(getattr(node.config, "remind_via", "none")) if node else "none"
    task = engine.store.task_row(wait["id"])
    if node is None or via == "none" or task is None:
        return
    title, message = _words(task, kind)
    data: dict[str, Any] = {"task_id": task["id"], "kind": kind, "channel": via}
    notifications = notifications_of(engine)
    if via in ("desktop", "app"):
        result = await notifications.notify(
            title, message, via, kind=kind, run_id=task["run_id"], task_id=task["id"]
        )
        data["delivered"] = result["delivered"]
        engine.note(wait["run_id"], "task.notice_sent", wait["node_key"], data)
        return
    try:
        address = _email_address(engine, node.config, task, wait)
        message += _answer_link(engine, task, address)
        credential = getattr(node.config, "smtp_credential", None)
        accepted = await notifications.email([address], title, message, credential)
    except (EmailFailed, ValueError) as err:
        log.warning("%s of task %s not emailed: %s", kind, task["id"], err)
        engine.note(
            wait["run_id"], "task.notice_failed", wait["node_key"], {**data, "error": str(err)}
        )
        notifications.add(
            title, f"{message}\n(Not emailed: {err})", kind, task["run_id"], task["id"]
        )
        return
    engine.note(wait["run_id"], "task.notice_sent", wait["node_key"], {**data, "to": accepted})


def _words(task: dict[str, Any], kind: NoticeKind) -> tuple[str, str]:
    who = f" (assigned to {task['assignee']})" if task.get("assignee") else ""
    link = f"Open it in Ren: /tasks/{task['id']}"
    if kind == "reminder":
        return (
            f"Reminder: {task['title']}",
            f"The task '{task['title']}'{who} is still waiting for an answer.\n{link}",
        )
    if task.get("status") == "open":  # reassigned: it waits for its new assignee
        return (
            f"Escalated: {task['title']}",
            f"The task '{task['title']}' was not answered in time and now waits for "
            f"{task.get('assignee') or 'someone else'}.\n{link}",
        )
    return (f"Not answered: {task['title']}", f"The task '{task['title']}'{who} expired.")


def _answer_link(engine: Engine, task: dict[str, Any], address: str) -> str:
    """For an open task: a line with a signed link (app.auth.links) that lets the recipient
    answer without an account, when Ren serves its pages (it knows its address then)."""
    base = engine.lock.holder().get("base")
    if task.get("status") != "open" or not isinstance(base, str) or not base:
        return ""
    url = emailed_link(engine.folder.root, engine.folder.db_path, task["id"], address, base)
    return f"\nAnswer it here (no account needed; the link works once, for 7 days): {url}"


def _email_address(engine: Engine, config: Any, task: dict[str, Any], wait: dict[str, Any]) -> str:
    """The assignee's address: `assignee_email` rendered over the task's input, else an
    assignee that is an address."""
    template = getattr(config, "assignee_email", None)
    if template:
        run = engine.store.run_row(wait["run_id"]) or {}
        scope = expression_scope(
            input=wait.get("input"), nodes={}, params=run.get("input") or {}, run={}
        )
        address = str(render_template(template, scope)).strip()
        if not is_address(address):
            raise ValueError(f"assignee_email rendered '{address}', which is not an address")
        return address
    assignee = str(task.get("assignee") or "").strip()
    if is_address(assignee):
        return assignee
    raise ValueError(
        f"the assignee '{assignee}' is not an email address and the task has no assignee_email"
    )
