"""A workflow's chat page (/chat/<workflow id>): each message starts a run of the published
workflow, whose `chat_trigger` gives the run {"message", "session"}; the reply appears when the
run ends.

The session key is made when the page opens (or taken from `?session=`, to go on with a
conversation), so a memory_window in the flow keeps this conversation apart from others. A reply
the model streams shows as it is written (app.nodes.ai_stream); the run's output replaces it when
the run ends. While a run waits for a person (an agent's tool call to approve in the inbox) the
page says so and goes on waiting. Each message's run has an idempotency key, so a double send
starts one run.
"""

from __future__ import annotations

import asyncio
import html
import re
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi.responses import HTMLResponse, Response
from nicegui import ui

from app.engine.form_triggers import published_trigger_host
from app.engine.service import Engine
from app.engine.workflows import NotFound
from app.nodes import ai_stream
from app.nodes.chat_trigger import ChatTriggerConfig
from app.ui import runtime

SESSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
WAIT_STEP_S = 2.0  # how often a waiting run is looked at again
FAILED = "Sorry, this message could not be answered"
NOT_FOUND_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Chat not found</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:10vh auto;padding:0 1rem;
color:#1e293b}}h1{{font-size:1.5rem}}p{{color:#475569}}</style></head><body>
<h1>Chat not found</h1><p>{reason}</p><p>A chat is available once its workflow, which starts
with a Chat trigger, is published.</p></body></html>"""


class ChatUnavailable(LookupError):
    """No published workflow with a chat trigger at this address."""


@dataclass(frozen=True)
class Chat:
    workflow_id: str
    workflow_name: str
    version: int
    config: ChatTriggerConfig


def register() -> None:
    ui.page("/chat/{workflow_id}")(chat_page)


def find_chat(engine: Engine, workflow_id: str) -> Chat:
    try:
        host = published_trigger_host(engine, workflow_id)
    except NotFound:
        raise ChatUnavailable("This chat's workflow is not published yet.") from None
    if host is None:
        raise ChatUnavailable("There is no chat at this address.")
    row, compiled = host
    for node in compiled.nodes.values():
        if isinstance(node.config, ChatTriggerConfig) and node.spec.parent is None:
            name = compiled.spec.name or workflow_id
            return Chat(workflow_id, name, row.number, node.config)
    raise ChatUnavailable("This workflow has no Chat trigger.")


def reply_text(output: Any) -> str:
    """What the person reads of a run's output: its `text`, else the output itself."""
    if isinstance(output, dict) and isinstance(output.get("text"), str):
        return str(output["text"])
    if isinstance(output, str):
        return output
    return "" if output is None else str(output)


def chat_page(workflow_id: str, session: str = "") -> Response | None:
    try:
        engine = runtime.engine()
        chat = find_chat(engine, workflow_id)
    except ChatUnavailable as err:
        return _not_found(str(err))
    except RuntimeError:
        return _not_found("Ren is not running.")
    key = session if SESSION.match(session) else secrets.token_urlsafe(12)
    ui.page_title(f"{chat.config.title or chat.workflow_name} · Ren")
    with ui.column().classes("ren-chat w-full max-w-3xl mx-auto p-4 gap-3 h-screen"):
        ChatPage(engine, chat, key)
    return None


def _not_found(reason: str) -> HTMLResponse:
    return HTMLResponse(NOT_FOUND_HTML.format(reason=html.escape(reason)), status_code=404)


class ChatPage:
    def __init__(self, engine: Engine, chat: Chat, session: str) -> None:
        self.engine = engine
        self.chat = chat
        self.session = session
        self.sent = 0
        ui.label(chat.config.title or chat.workflow_name).classes("text-2xl font-medium")
        self.log = ui.column().classes("w-full flex-1 overflow-auto gap-1").mark("chat-log")
        with self.log:
            if chat.config.welcome:
                ui.chat_message(chat.config.welcome, name="Assistant").mark("chat-reply")
        with ui.row().classes("w-full items-center gap-2 no-wrap"):
            self.box = (
                ui.input(placeholder=chat.config.placeholder)
                .props("outlined dense autofocus")
                .classes("flex-1")
                .mark("chat-input")
                .on("keydown.enter", self.send)
            )
            self.button = ui.button(icon="send", on_click=self.send).mark("chat-send")
            self.button.props('aria-label="Send"')

    async def send(self) -> None:
        text = str(self.box.value or "").strip()
        if not text or not self.button.enabled:
            return
        self.box.value = ""
        self.button.disable()
        self.sent += 1
        with self.log:
            ui.chat_message(text, name="You", sent=True).mark("chat-mine")
            pending = ui.chat_message(name="Assistant").mark("chat-pending")
            with pending:
                status = ui.label("…").classes("text-gray-500")
        try:
            reply = await self._answer(text, status)
        finally:
            self.button.enable()
        pending.delete()
        with self.log:
            if reply is None:
                ui.chat_message(FAILED + ".", name="Assistant").mark("chat-failed")
            else:
                ui.chat_message(reply, name="Assistant").mark("chat-reply")

    async def _answer(self, text: str, status: ui.label) -> str | None:
        """The reply to one message; None when the run failed (then the page says so)."""
        key = f"chat:{self.chat.workflow_id}:{self.session}:{self.sent}"
        try:
            run_id = await self.engine.start_run(
                self.chat.workflow_id,
                {"message": text, "session": self.session},
                version=self.chat.version,
                idempotency_key=key,
            )
        except Exception as err:  # e.g. the workflow's params refuse the input
            ui.notify(f"{FAILED}: {err}", type="negative")
            return None
        stop = ai_stream.listen(run_id, lambda _key, so_far: _show_partial(status, so_far))
        try:
            return await self._reply_of(run_id, status)
        finally:
            stop()

    async def _reply_of(self, run_id: str, status: ui.label) -> str | None:
        waited = 0.0
        while True:
            try:
                run = await self.engine.wait(run_id, timeout=self.chat.config.wait_s)
            except TimeoutError:
                ui.notify(
                    f"{FAILED}: no reply within {self.chat.config.wait_s:g} s", type="warning"
                )
                return None
            if run.status == "succeeded":
                return reply_text(run.output)
            if run.status != "waiting" or waited >= self.chat.config.wait_s:
                error = (run.error or {}).get("message") if isinstance(run.error, dict) else None
                ui.notify(f"{FAILED}{': ' + str(error) if error else ''}", type="negative")
                return None
            status.set_text("Waiting for a person to approve a step (see the inbox)…")
            status.mark("chat-waiting")
            await asyncio.sleep(WAIT_STEP_S)
            waited += WAIT_STEP_S


def _show_partial(status: ui.label, text: str) -> None:
    """A streamed reply so far, in the pending message."""
    if status.is_deleted:
        return
    status.set_text(text)
    status.classes(remove="text-gray-500")
    status.mark("chat-streaming")
