"""Human task: a form a person fills in; the run sleeps until they answer.

Each outcome (button) is an output port, e.g. approve / reject. Title, description, assignee
and field defaults may use {{ expressions }} over run data. When a due time is set and passes,
the `timeout` port fires (or the task is reassigned, or the step fails).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, model_validator

from app.core.catalog import FunctionLookup
from app.core.forms import FormField, FormSpec, Outcome, resolve_defaults
from app.core.ports import Port
from app.core.templates import render_template
from app.credentials.checks import credential_problems, folder_of
from app.nodes.base import NodeConfig, NodeResult, NodeType, WaitFor
from app.nodes.checks import template_fields
from app.nodes.context import StepContext
from app.nodes.output_schemas import FORM_FIELD_TYPES, object_schema

OnTimeout = Literal["timeout_port", "reassign", "fail"]
RemindVia = Literal["none", "desktop", "email", "app"]


class HumanTaskConfig(NodeConfig):
    title: str = Field(min_length=1, description="Shown in the inbox; may use {{ expressions }}")
    description: str = ""
    fields: list[FormField] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(
        default_factory=lambda: [Outcome(name="submit", label="Submit")]
    )
    assignee: str | None = Field(None, description="A user; may use {{ expressions }}")
    group: str | None = Field(None, description="A group whose members may answer")
    due_in_s: float | None = Field(None, gt=0, description="Seconds until the task is due")
    remind_every_s: float | None = Field(None, gt=0, description="Remind while it is open")
    on_timeout: OnTimeout = "timeout_port"
    reassign_to: str | None = None
    # Reminders and escalations through a channel (app.engine.notifications_tasks).
    remind_via: RemindVia = Field(
        "none", description="Deliver reminders and escalations: desktop, email or app (the bell)"
    )
    assignee_email: str | None = Field(
        None,
        description="Where email reminders go; may use {{ expressions }}; empty: the assignee "
        "when it is an email address",
    )
    smtp_credential: str | None = Field(
        None,
        description="smtp credential for email reminders; empty: the default in Settings",
        json_schema_extra={"x-ren-kind": "credential", "x-ren-credential-kinds": ["smtp"]},
    )

    @model_validator(mode="after")
    def _check(self) -> HumanTaskConfig:
        FormSpec(fields=self.fields, outcomes=self.outcomes)  # unique names, valid fields
        if self.on_timeout == "reassign" and not self.reassign_to:
            raise ValueError("on_timeout 'reassign' needs reassign_to")
        return self


class HumanTaskNode(NodeType[HumanTaskConfig]):
    type_name = "human_task"
    title = "Human task"
    category = "People"
    description = "Waits for a person to fill in a form and pick an outcome."
    icon = "assignment_ind"
    config_model = HumanTaskConfig

    def output_ports(self, config: HumanTaskConfig) -> Sequence[Port]:
        ports = [Port(o.name, "object", o.label or o.name) for o in config.outcomes]
        if config.due_in_s and config.on_timeout == "timeout_port":
            ports.append(Port("timeout", "object", "timeout"))
        return ports

    def branch_ports(self, config: HumanTaskConfig) -> Sequence[str]:
        """With a choice of outcomes, each needs somewhere to go (like an If's true and false):
        an unconnected one would end the run quietly when a person picks it."""
        if len(config.outcomes) < 2:
            return ()
        return [o.name for o in config.outcomes]

    def config_problems(
        self, config: HumanTaskConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = template_fields("title", config.title)
        problems += template_fields("description", config.description)
        if config.assignee:
            problems += template_fields("assignee", config.assignee)
        if config.assignee_email:
            problems += template_fields("assignee_email", config.assignee_email)
        elif config.remind_via == "email" and not config.assignee:
            problems.append(
                ("assignee_email", "email reminders need assignee_email or an assignee")
            )
        if config.remind_via == "email":
            root = folder_of(functions)
            problems += credential_problems(
                config.smtp_credential, ("smtp",), root, "smtp_credential"
            )
        return problems

    def output_schema(self, config: HumanTaskConfig) -> dict[str, Any] | None:
        """The answer: the outcome picked and the form's values, by field."""
        values = {f.name: FORM_FIELD_TYPES.get(f.type, {}) for f in config.fields}
        outcomes = [o.name for o in config.outcomes]
        return object_schema(
            {
                "outcome": {"type": "string", "enum": outcomes},
                "values": object_schema(values),
                "completed_by": {"type": "string"},
                "completed_at": {"type": "number"},
            }
        )

    async def execute(self, ctx: StepContext, config: HumanTaskConfig, input: Any) -> WaitFor:
        scope = ctx.scope(input)
        form = FormSpec(fields=config.fields, outcomes=config.outcomes)
        defaults = resolve_defaults(form, scope)
        fields = [
            {**f.model_dump(mode="json"), "default": defaults.get(f.name)} for f in form.fields
        ]
        task = {
            "title": str(render_template(config.title, scope)),
            "description": str(render_template(config.description, scope)),
            "form": fields,
            "outcomes": [o.model_dump(mode="json") for o in form.outcomes],
            "assignee": str(render_template(config.assignee, scope)) if config.assignee else None,
            "group": config.group,
        }
        due = time.time() + config.due_in_s if config.due_in_s else None
        return WaitFor(
            "task",
            due_at=due,
            task=task,
            timeout_port="timeout" if config.on_timeout == "timeout_port" else None,
            remind_every_s=config.remind_every_s,
        )

    def on_wake(self, config: HumanTaskConfig, input: Any, result: dict[str, Any]) -> NodeResult:
        if result.get("timed_out"):
            if config.on_timeout != "timeout_port":
                raise TimeoutError("the task was not answered in time")
            return NodeResult({"timed_out": True, "input": input}, ports=("timeout",))
        output = {k: result.get(k) for k in ("outcome", "values", "completed_by", "completed_at")}
        return NodeResult(output, ports=(str(result["outcome"]),))
