"""The `llm` node: one model call with a prompt over run data, optionally structured output.

The model is the attached `chat_model` sub-node (on the ai_language_model port) or, without one,
the node's own base_url/model/credential. With a `schema` the reply must be JSON matching it:
an invalid reply gets one repair turn quoting the problem, then the step fails saying why.
Replies are journalled (app.engine.ai_journal), so a re-run after a crash does not ask again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ConfigDict, Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import render_template
from app.nodes.ai_model import MODEL_CREDENTIAL_KINDS, ChatModelConfig, model_problems, settings_for
from app.nodes.ai_model_client import ModelSettings, add_usage, chat_body
from app.nodes.ai_model_journal import DurableCalls, attached_to_step
from app.nodes.ai_ports import AI_LANGUAGE_MODEL, ai_port
from app.nodes.base import IN, OUT, NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext
from app.nodes.llm_output import parse_reply, repair_message, schema_instruction, schema_problem


class StructuredOutputError(ValueError):
    """The model's reply did not match the schema, even after one repair turn."""


class LlmConfig(NodeConfig):
    prompt: str = Field(min_length=1, description="The message to the model; may use {{ ... }}")
    system: str = Field("", description="System prompt (instructions); may use {{ ... }}")
    base_url: str | None = Field(
        None, description="OpenAI-compatible API root (empty: the attached Chat model's)"
    )
    model: str | None = Field(None, description="The model's name (empty: the attached one's)")
    credential: str | None = Field(
        None,
        description="bearer or api_key credential with the API key",
        json_schema_extra={
            "x-ren-kind": "credential",
            "x-ren-credential-kinds": list(MODEL_CREDENTIAL_KINDS),
        },
    )
    schema_: dict[str, Any] | None = Field(
        None,
        alias="schema",
        description="JSON Schema the reply must match; the parsed reply is then output as data",
    )
    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature")
    max_tokens: int | None = Field(None, ge=1, description="Longest reply, in tokens")
    timeout_s: float = Field(120.0, gt=0, description="Seconds to wait for one answer")
    retries: int = Field(2, ge=0, le=10, description="Tries again on network errors, 429, 5xx")
    stream: bool = Field(
        True, description="Stream the reply (the chat page shows it as it is written)"
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def own_model(self) -> ChatModelConfig | None:
        if not self.base_url or not self.model:
            return None
        return ChatModelConfig(
            base_url=self.base_url,
            model=self.model,
            credential=self.credential,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            timeout_s=self.timeout_s,
            retries=self.retries,
            stream=self.stream,
        )


class LlmNode(NodeType[LlmConfig]):
    type_name = "llm"
    title = "LLM"
    category = "AI"
    icon = "chat"
    description = (
        "Ask a language model once: a prompt over run data and an optional system prompt. Give "
        "a JSON Schema to get checked structured data back. Uses the attached Chat model, or "
        "its own base URL and model."
    )
    config_model = LlmConfig

    def input_ports(self, config: LlmConfig) -> Sequence[Port]:
        return (IN, ai_port(AI_LANGUAGE_MODEL))

    def output_ports(self, config: LlmConfig) -> Sequence[Port]:
        return (OUT,)

    def config_problems(
        self, config: LlmConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = template_fields("prompt", config.prompt) + template_fields(
            "system", config.system
        )
        if bool(config.base_url) != bool(config.model):
            problems.append(
                ("model", "give both base_url and model, or neither (then attach a model)")
            )
        own = config.own_model()
        if own is not None:
            problems += model_problems(own, functions)
        if config.schema_ is not None:
            bad = schema_problem(config.schema_)
            if bad:
                problems.append(("schema", bad))
        return problems

    def output_schema(self, config: LlmConfig) -> dict[str, Any] | None:
        properties: dict[str, Any] = {"text": {"type": "string"}, "usage": {"type": "object"}}
        if config.schema_ is not None:
            properties["data"] = config.schema_
        return {"type": "object", "properties": properties}

    async def execute(self, ctx: StepContext, config: LlmConfig, input: Any) -> NodeResult:
        settings = await _settings(ctx, config)
        scope = ctx.scope(input)
        messages: list[dict[str, Any]] = []
        system = _text(render_template(config.system, scope)) if config.system else ""
        if config.schema_ is not None:
            system = (system + "\n\n" if system else "") + schema_instruction(config.schema_)
        if system:
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": _text(render_template(config.prompt, scope))})
        calls = await DurableCalls.open(ctx)
        json_mode = config.schema_ is not None
        reply = await calls.chat(settings, chat_body(settings, messages, json_mode=json_mode))
        usage = reply.usage
        output: dict[str, Any] = {"text": reply.text, "model": settings.model}
        if config.schema_ is not None:
            data, problem = parse_reply(reply.text, config.schema_)
            if problem is not None:
                ctx.log(f"structured output rejected, asking once more: {problem}", "warning")
                messages += [
                    {"role": "assistant", "content": reply.text},
                    {"role": "user", "content": repair_message(problem)},
                ]
                reply = await calls.chat(settings, chat_body(settings, messages, json_mode=True))
                usage = add_usage(usage, reply.usage)
                data, problem = parse_reply(reply.text, config.schema_)
                output["text"] = reply.text
                if problem is not None:
                    raise StructuredOutputError(
                        f"the model's reply does not match the schema after one repair: {problem}"
                    )
            output["data"] = data
        output["usage"] = usage
        return NodeResult(output)


async def _settings(ctx: StepContext, config: LlmConfig) -> ModelSettings:
    models = await attached_to_step(ctx, AI_LANGUAGE_MODEL)
    if models:
        return await settings_for(ctx, ChatModelConfig.model_validate(models[0].config))
    own = config.own_model()
    if own is None:
        raise ValueError("no model: set base_url and model, or attach a Chat model")
    return await settings_for(ctx, own)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value, ensure_ascii=False)
