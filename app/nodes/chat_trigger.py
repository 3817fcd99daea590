"""The `chat_trigger` node: a chat page (/chat/<workflow id>) where each message starts a run.

The run's input is {"message": the text, "session": the conversation's key}; a memory_window
wired into the flow's agent keeps the conversation by that key. The page shows the run's reply
(its output's `text`, else the output) once the run ends, and says so while it waits for a
person (e.g. an approval in the inbox). The page is app.ui.pages.chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from app.core.ports import Port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext

OUT_MESSAGE = (Port("out", "object", "the message"),)


class ChatTriggerConfig(NodeConfig):
    title: str = Field("", description="The chat page's heading (empty: the workflow's name)")
    welcome: str = Field("", description="The first message people see, from the assistant")
    placeholder: str = Field("Type a message", description="The message box's hint")
    wait_s: float = Field(300.0, gt=0, le=3600, description="How long the page waits for one reply")


class ChatTriggerNode(NodeType[ChatTriggerConfig]):
    type_name = "chat_trigger"
    title = "Chat"
    category = "Triggers"
    icon = "forum"
    is_trigger = True
    description = (
        "Starts a run for each message typed on the workflow's chat page (/chat/<workflow id>), "
        "with input message and session; the page shows the run's reply. Wire an AI agent with "
        "a memory after it to hold a conversation."
    )
    config_model = ChatTriggerConfig

    def output_ports(self, config: ChatTriggerConfig) -> Sequence[Port]:
        return OUT_MESSAGE

    def output_schema(self, config: ChatTriggerConfig) -> dict[str, Any] | None:
        return {
            "type": "object",
            "properties": {"message": {"type": "string"}, "session": {"type": "string"}},
        }

    async def execute(self, ctx: StepContext, config: ChatTriggerConfig, input: Any) -> NodeResult:
        return NodeResult(input)
