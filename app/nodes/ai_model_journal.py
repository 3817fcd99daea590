"""Model calls that are recorded before the step goes on, and replayed when it runs again.

`DurableCalls` wraps one AI step's journal (app.engine.ai_journal): `chat()` answers from the
journal while it has entries, else calls the model and records the reply; `tool()` does the same
for a tool call. Recording happens in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from app.core.dsl import NodeSpec
from app.engine.ai_journal import AiJournal, folder_store, run_workflow
from app.nodes.ai_model_client import ChatReply, ModelSettings, asked, chat, reply_of
from app.nodes.ai_ports import attached
from app.nodes.ai_stream import Listener, publish
from app.nodes.context import StepContext


class DurableCalls:
    def __init__(self, journal: AiJournal, on_text: Listener | None = None) -> None:
        self.journal = journal
        self.on_text = on_text  # (step key, text so far) of a streamed reply
        self.calls = 0  # calls that really went out (not replayed)

    @classmethod
    async def open(cls, ctx: StepContext) -> DurableCalls:
        store = folder_store(ctx.data_dir.parent.parent)  # data_dir: <root>/runs/<run id>
        journal = await asyncio.to_thread(AiJournal, store, ctx.run_id, ctx.node_key)
        return cls(journal, partial(publish, ctx.run_id))

    @property
    def next_seq(self) -> int:
        """The journal position of the next call (the same when the step runs again)."""
        return self.journal.cursor

    async def chat(self, settings: ModelSettings, body: dict[str, Any]) -> ChatReply:
        """The reply to `body`: recorded (one entry, streamed or not), else asked and recorded.
        A streamed reply's text goes to the run's listeners as it grows, unless it is JSON for
        a schema (not for reading)."""
        request = asked(body)  # streamed or not, the same question
        entry = self.journal.replay("model", request)
        if entry is not None:
            return reply_of(entry.response)
        on_text = None
        if self.on_text is not None and "response_format" not in body:
            on_text = partial(self.on_text, self.journal.node_key)
        reply = await chat(settings, body, on_text)
        self.calls += 1
        await asyncio.to_thread(self.journal.record, "model", request, reply.raw)
        return reply

    async def tool(self, request: dict[str, Any], run: Callable[[], Awaitable[Any]]) -> Any:
        """The result of the tool call `request` ({"name", "arguments"}), run at most once."""
        entry = self.journal.replay("tool", request)
        if entry is not None:
            return entry.response
        result = await run()
        self.calls += 1
        await asyncio.to_thread(self.journal.record, "tool", request, result)
        return result

    async def first_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The conversation as the step's first run started it (recorded then): what it read
        (e.g. a memory window) may have changed since, the replies recorded answer this one."""
        entry = self.journal.replay("start", {})
        if entry is not None:
            return list(entry.response)
        await self.record("start", {}, messages)
        return messages

    def replayed(self, kind: str, request: Any) -> Any | None:
        """A recorded answer of another kind (e.g. a person's approval), or None."""
        entry = self.journal.replay(kind, request)
        return None if entry is None else entry.response

    async def record(self, kind: str, request: Any, response: Any) -> None:
        await asyncio.to_thread(self.journal.record, kind, request, response)


async def attached_to_step(ctx: StepContext, kind: str) -> list[NodeSpec]:
    """The sub-nodes wired into this step's node on `kind` (read from the run's version)."""
    store = folder_store(ctx.data_dir.parent.parent)
    spec = await asyncio.to_thread(run_workflow, store, ctx.run_id)
    return attached(spec, ctx.node_id, kind)
