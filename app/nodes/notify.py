"""The `notify` node: a desktop notification, an entry in the app's notification list, or both.

The node hands its title and message to the notification sink of its data folder (the engine's
app.engine.notifications registers one per folder). Where no desktop notification service
exists, the message goes to the in-app list instead and the step logs a warning; it fails only
when `fail_if_undelivered` asks for that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.templates import render_template
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext

Channel = Literal["desktop", "app", "both"]


class NotificationSink(Protocol):
    async def notify(
        self,
        title: str,
        message: str,
        channel: str,
        kind: str = "notify",
        run_id: str | None = None,
        task_id: str | None = None,
    ) -> dict[str, Any]:
        """Deliver; returns {"delivered": [...], "notification_id", "problems": [...]}."""
        ...


_SINKS: dict[Path, NotificationSink] = {}


def register_sink(root: Path, sink: NotificationSink) -> None:
    """Make `sink` the one for steps of runs kept under the data folder `root`."""
    _SINKS[root.resolve()] = sink


def sink_for(data_dir: Path) -> NotificationSink | None:
    """The sink of the data folder that holds a step's run folder (`ctx.data_dir`)."""
    here = data_dir.resolve()
    for root, sink in _SINKS.items():
        if here.is_relative_to(root):
            return sink
    return None


class NotifyConfig(NodeConfig):
    title: str = Field("", description="Title; may use {{ expressions }}")
    message: str = Field("", description="Message; may use {{ expressions }}")
    channel: Channel = Field(
        "both", description="desktop (the OS), app (the bell in Ren's header) or both"
    )
    fail_if_undelivered: bool = Field(
        False,
        description="Fail the step when the desktop notification cannot be shown (else it "
        "goes to the app's list with a warning)",
    )


class NotifyNode(NodeType[NotifyConfig]):
    type_name = "notify"
    title = "Notify"
    category = "Email & notify"
    description = (
        "Shows a notification on this computer's desktop and/or in Ren's notification list "
        "(the bell in the header). Title and message may use run data."
    )
    icon = "notifications"
    config_model = NotifyConfig

    def config_problems(
        self, config: NotifyConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not config.title.strip() and not config.message.strip():
            problems.append(("title", "give a title or a message"))
        problems += template_fields("title", config.title)
        problems += template_fields("message", config.message)
        return problems

    async def execute(self, ctx: StepContext, config: NotifyConfig, input: Any) -> NodeResult:
        scope = ctx.scope(input)
        title = str(render_template(config.title, scope)) if config.title else ""
        message = str(render_template(config.message, scope)) if config.message else ""
        sink = sink_for(ctx.data_dir)
        if sink is None:
            raise RuntimeError("notifications are not available in this process")
        result = await sink.notify(
            title or "Ren", message, config.channel, kind="notify", run_id=ctx.run_id
        )
        for problem in result.get("problems", []):
            if config.fail_if_undelivered:
                raise RuntimeError(problem)
            ctx.log(f"{problem}; shown in the app's notification list instead", "warning")
        return NodeResult({"title": title, "message": message, **result})
