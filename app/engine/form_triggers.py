"""Form triggers: which published form answers at /forms/<workflow id>[/<path>], and submitting it.

Only the workflow's latest published version counts (like webhooks). A submission is checked
like a task's answers (app.core.forms.validate_values: every wrong field named, integers stay
integers) and starts one run with the answers as input. The page sends a submission id made
when it was shown: it is the run's idempotency key, so a double click or a resent request
starts nothing more and returns the first run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core.forms import FormInvalid, FormSpec, validate_values
from app.engine.inputs import InputInvalid
from app.engine.webhooks import hook_path
from app.engine.workflows import NotFound
from app.nodes.form_trigger import FormTriggerConfig
from app.store import reads

if TYPE_CHECKING:
    from app.engine.compiled import CompiledWorkflow
    from app.engine.service import Engine
    from app.store.schema import WorkflowVersion

SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class FormUnavailable(LookupError):
    """No published form at that address: why, in words for the person who opened it."""


@dataclass(frozen=True)
class PublicForm:
    workflow_id: str
    workflow_name: str
    version: int
    node_id: str
    config: FormTriggerConfig

    @property
    def spec(self) -> FormSpec:
        return FormSpec(fields=self.config.fields)


def published_trigger_host(
    engine: Engine, workflow_id: str
) -> tuple[WorkflowVersion, CompiledWorkflow] | None:
    """The latest published version of a live workflow and its compiled form, for the pages a
    trigger serves (forms, chats); None when there is no such workflow or it was deleted.
    Raises NotFound when it has no published version yet."""
    with engine.store.session() as session:
        workflow = reads.get_workflow_any(session, workflow_id)
    if workflow is None or workflow.deleted_at is not None:
        return None
    row = engine.workflows.version(workflow_id)
    return row, engine.workflows.compiled(row.id)


def find_form(engine: Engine, workflow_id: str, path: str = "") -> PublicForm:
    """The form served at /forms/<workflow_id>/<path>; FormUnavailable when there is none."""
    try:
        host = published_trigger_host(engine, workflow_id)
    except NotFound:
        host = None
    if host is None:
        raise FormUnavailable("There is no form at this address.")
    row, compiled = host
    wanted = hook_path(path)
    for node_id, node in compiled.nodes.items():
        config = node.config
        top = node.spec.parent is None
        if isinstance(config, FormTriggerConfig) and top and hook_path(config.path) == wanted:
            return PublicForm(
                workflow_id, compiled.spec.name or workflow_id, row.number, node_id, config
            )
    raise FormUnavailable("There is no form at this address.")


def submission_key(form: PublicForm, submission_id: str) -> str:
    return f"form:{form.workflow_id}:{submission_id}"


async def submit(
    engine: Engine, form: PublicForm, values: dict[str, Any], submission_id: str
) -> str:
    """Start the run for one submission and return its id (the same run for the same
    submission id). Raises FormInvalid naming each wrong field."""
    if not SUBMISSION_ID.match(submission_id):
        raise ValueError("the submission id must be 8 to 64 letters, digits, '-' or '_'")
    answers = validate_values(form.spec, values)
    key = submission_key(form, submission_id)
    earlier = engine.store.run_id_for_key(key)
    if earlier is not None:
        return earlier
    try:
        return await engine.start_run(
            form.workflow_id, answers, version=form.version, idempotency_key=key
        )
    except InputInvalid as err:  # the workflow's params ask for something the form lacks
        raise FormInvalid({"form": "; ".join(err.problems)}) from None
