"""Trigger nodes: where a run begins. Their output is the run's input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from app.core.ports import Port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext

OUT_OBJECT = (Port("out", "object", "run input"),)


class StartConfig(NodeConfig):
    pass


class StartNode(NodeType[StartConfig]):
    type_name = "start"
    title = "Start"
    category = "Triggers"
    description = "Where the run begins; passes on the run's input."
    icon = "play_arrow"
    is_trigger = True
    config_model = StartConfig

    def output_ports(self, config: StartConfig) -> Sequence[Port]:
        return OUT_OBJECT

    def output_schema(self, config: StartConfig) -> dict[str, Any] | None:
        """The run input: the workflow's params schema, which the workflow holds (not this
        config); the editor reads it from there."""
        return None

    async def execute(self, ctx: StepContext, config: StartConfig, input: Any) -> NodeResult:
        return NodeResult(input)


class WebhookConfig(NodeConfig):
    path: str = Field(
        "",
        pattern=r"^[A-Za-z0-9._~/-]*$",
        description="Called at /hooks/<workflow id>/<path>; empty: /hooks/<workflow id>",
    )
    method: Literal["POST", "PUT", "GET"] = Field(
        "POST", description="POST and PUT send a JSON object; GET sends query parameters"
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1,
        description="Largest request body taken, in bytes (larger ones get 413); the app's "
        "--max-body caps it",
    )


class WebhookNode(NodeType[WebhookConfig]):
    """A trigger whose request payload becomes the run's input."""

    type_name = "webhook"
    title = "Webhook"
    category = "Triggers"
    description = "Starts a run when a request arrives; the payload is the run's input."
    icon = "webhook"
    is_trigger = True
    config_model = WebhookConfig

    def output_ports(self, config: WebhookConfig) -> Sequence[Port]:
        return OUT_OBJECT

    async def execute(self, ctx: StepContext, config: WebhookConfig, input: Any) -> NodeResult:
        return NodeResult(input)
