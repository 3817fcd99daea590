"""The `form_trigger` node: a public form that starts a run when someone submits it.

The form is designed like a human task's (app.core.forms: fields with types, bounds, choices)
and served at `/forms/<workflow id>` or `/forms/<workflow id>/<path>` once the workflow is
published (app.ui.pages.public_form). The answers, checked like a task's, are the run's input;
after submitting, the person sees the thank-you text or, with `response: output`, the run's
output once it is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, model_validator

from app.core.catalog import FunctionLookup
from app.core.forms import FormField, FormSpec
from app.core.ports import Port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext

OUT_OBJECT = (Port("out", "object", "the answers"),)


class FormTriggerConfig(NodeConfig):
    title: str = Field("", description="The form's heading (empty: the workflow's name)")
    description: str = Field("", description="A paragraph under the heading")
    fields: list[FormField] = Field(default_factory=list, description="The questions")
    path: str = Field(
        "",
        pattern=r"^[A-Za-z0-9._~/-]*$",
        description="Served at /forms/<workflow id>/<path>; empty: /forms/<workflow id>",
    )
    access: Literal["signed_in", "link"] = Field(
        "signed_in",
        description="Who may fill it in when Ren serves the network: people signed in, or "
        "also anyone with a shared link (/f/…, made under the form's address)",
    )
    submit_label: str = Field("Submit", min_length=1, description="The button's text")
    response: Literal["text", "output"] = Field(
        "text",
        description="After submitting: the thank-you text, or the run's output once it ends",
    )
    thank_you: str = Field(
        "Thank you! Your answers were sent.",
        description="Shown after submitting; may use {{ expressions }} over the answers",
    )
    wait_s: float = Field(
        30.0, gt=0, le=600, description="How long the page waits for the run's output"
    )

    @model_validator(mode="after")
    def _check(self) -> FormTriggerConfig:
        FormSpec(fields=self.fields)  # unique names, valid field definitions
        return self


class FormTriggerNode(NodeType[FormTriggerConfig]):
    type_name = "form_trigger"
    title = "Form"
    category = "Triggers"
    description = (
        "Starts a run when someone fills in a web form (at /forms/<workflow id>): you design "
        "the questions like a task's form; the answers are the run's input. The person sees "
        "a thank-you text or the run's result. For people who never open the editor."
    )
    icon = "dynamic_form"
    is_trigger = True
    config_model = FormTriggerConfig

    def output_ports(self, config: FormTriggerConfig) -> Sequence[Port]:
        return OUT_OBJECT

    def config_problems(
        self, config: FormTriggerConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = template_fields("thank_you", config.thank_you)
        if not config.fields:
            problems.append(("fields", "add at least one question"))
        return problems

    async def execute(self, ctx: StepContext, config: FormTriggerConfig, input: Any) -> NodeResult:
        return NodeResult(input)
