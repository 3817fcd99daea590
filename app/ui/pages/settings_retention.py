"""The Settings page's Retention card: how long finished runs are kept (globally and per
workflow), applying that now, and how much disk the data folder uses.

Per-workflow policies live here too, in a list under the global one, rather than in the
editor: nothing in the editor changes, and every policy is seen in one place. A workflow's
menu on the Workflows page leads here with that workflow chosen (`/settings?retention=ID`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from urllib.parse import urlencode

from nicegui import ui

from app.engine.retention_disk import disk_use, human
from app.engine.retention_policy import (
    GLOBAL,
    Policy,
    PolicyInvalid,
    load_policies,
    remove_policy,
    save_policy,
)
from app.engine.service import Engine
from app.store import reads

FIELDS = (
    ("keep_days", "Delete runs after (days)"),
    ("keep_last", "Keep only the newest (runs per workflow)"),
    ("keep_failed_days", "Keep failed runs for (days)"),
)


def retention_of(workflow_id: str) -> None:
    """Open this card with the workflow's own policy ready to edit."""
    ui.navigate.to(f"/settings?{urlencode({'retention': workflow_id})}#retention")


def _asked_for() -> str | None:
    """The workflow `?retention=` names, if any."""
    request = getattr(ui.context.client, "request", None)
    return None if request is None else request.query_params.get("retention")


def retention_card(engine: Engine) -> None:
    with ui.column().classes("ren-card w-full p-5 gap-3").mark("retention").props('id="retention"'):
        ui.label("Retention").classes("ren-card-title")
        ui.label(
            "Finished runs (succeeded, failed or canceled) are deleted with their steps, "
            "events, log lines and files once a limit below says so; empty means no limit. "
            "Runs that are still going or waiting are never deleted. Ren checks every hour."
        ).classes("ren-muted ren-small")
        policies = load_policies(engine.store)
        read = _policy_form(policies.get(GLOBAL, Policy()), "global", export=True)

        def save() -> None:
            if _saved(engine, GLOBAL, read):
                ui.notify("Retention policy saved; it applies within the hour.")

        async def apply() -> None:
            result = await engine.retention.apply_now()
            if not disk.is_deleted:
                ui.notify(f"Deleted {result.deleted} finished run(s).")
                await show_disk()

        with ui.row().classes("gap-2"):
            ui.button("Save", on_click=save).props("unelevated no-caps").mark("retention-save")
            ui.button("Apply now", on_click=apply).props("outline no-caps").mark("retention-apply")

        # refreshable per page: a module-level one would redraw every open Settings page
        @ui.refreshable
        def per_workflow(policies: dict[str, Policy], chosen: str | None = None) -> None:
            _workflow_policies(
                engine, policies, chosen, lambda: per_workflow.refresh(load_policies(engine.store))
            )

        per_workflow(policies, _asked_for())
        ui.label("Disk use").classes("font-medium mt-2")
        disk = ui.element("div").classes("ren-kv w-full").mark("disk-use")

        async def show_disk() -> None:
            use = await asyncio.to_thread(disk_use, engine.folder, engine.artifacts.root)
            if disk.is_deleted:  # the page was closed meanwhile
                return
            disk.clear()
            with disk:
                for key, size in (
                    ("Database", use.database),
                    ("Write-ahead log", use.wal),
                    ("Artifacts", use.artifacts),
                    ("Run logs", use.logs),
                    ("Run files", use.run_files),
                    ("Total", use.total),
                ):
                    ui.label(key).classes("k")
                    ui.label(human(size)).classes("ren-mono text-[13px]")
                if engine.retention.last_at is not None and engine.retention.last is not None:
                    ui.label("Last applied").classes("k")
                    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(engine.retention.last_at))
                    ui.label(f"{when}: {engine.retention.last.deleted} run(s) deleted")

        ui.timer(0.05, show_disk, once=True)


def _policy_form(policy: Policy, key: str, export: bool) -> Callable[[], Policy]:
    """Inputs for a policy's fields; returns a function that reads them as a Policy."""
    inputs: dict[str, ui.number] = {}
    with ui.row().classes("w-full gap-3 items-start"):
        for name, label in FIELDS:
            field = ui.number(label, value=getattr(policy, name), min=0, precision=0)
            field.props("outlined dense clearable").classes("w-56").mark(f"{key}-{name}")
            inputs[name] = field
        folder = None
        if export:
            folder = ui.input("Export runs to this folder first (optional)")
            folder.value = policy.export_folder or ""
            folder.props("outlined dense clearable").classes("w-96").mark(f"{key}-export")

    def read() -> Policy:
        values: dict[str, object] = {
            name: None if field.value is None else int(field.value)
            for name, field in inputs.items()
        }
        if folder is not None:
            values["export_folder"] = (folder.value or "").strip() or None
        return Policy.from_dict(values)

    return read


def _saved(engine: Engine, scope: str, read: Callable[[], Policy]) -> bool:
    try:
        save_policy(engine.store, scope, read())
    except PolicyInvalid as err:
        ui.notify(str(err), type="negative")
        return False
    return True


def _describe(policy: Policy) -> str:
    parts = []
    for name, label in FIELDS:
        value = getattr(policy, name)
        if value is not None:
            parts.append(f"{label.lower()}: {'no limit' if value == 0 else value}")
    return "; ".join(parts) or "as the global policy"


def _workflow_policies(
    engine: Engine, policies: dict[str, Policy], chosen: str | None, redraw: Callable[[], object]
) -> None:
    with engine.store.session() as session:
        names = {w.id: w.name for w in reads.list_workflows(session)}
    own = {scope: p for scope, p in policies.items() if scope != GLOBAL}
    opened = chosen in names
    with (
        ui.expansion(f"Per workflow · {len(own)}", value=opened)
        .classes("w-full")
        .mark("retention-workflows")
    ):
        ui.label(
            "A workflow's own limits replace the global ones; 0 means no limit for it."
        ).classes("ren-muted ren-small")
        for scope, policy in sorted(own.items()):
            with ui.row().classes("items-center gap-2"):
                ui.label(f"{names.get(scope, scope)}: {_describe(policy)}")

                def forget(scope: str = scope) -> None:
                    remove_policy(engine.store, scope)
                    redraw()

                ui.button(icon="delete", on_click=forget).props(
                    f'flat round dense size=sm aria-label="Remove the policy of {scope}"'
                )
        choice = ui.select(names, label="Workflow", value=chosen if opened else None)
        choice.props("outlined dense").classes("w-72")
        choice.mark("retention-workflow")
        current = own.get(str(chosen), Policy()) if opened else Policy()
        read = _policy_form(current, "workflow", export=False)

        def save() -> None:
            if not choice.value:
                ui.notify("Choose a workflow first.", type="warning")
                return
            if _saved(engine, str(choice.value), read):
                ui.notify(f"Policy of {names.get(str(choice.value))} saved.")
                redraw()

        ui.button("Save for this workflow", on_click=save).props("outline no-caps").mark(
            "retention-workflow-save"
        )
