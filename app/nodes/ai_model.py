"""Model sub-nodes: `chat_model` and `embeddings`, wired into AI nodes on their AI ports.

They hold where a model lives (an OpenAI-compatible base URL), which model, sampling settings
and the credential; the AI node they are attached to makes the calls (app.nodes.ai_model_client).
Run on their own (not attached), they output their settings without the key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.credentials.checks import credential_problems, folder_of
from app.nodes.ai_model_client import ModelSettings, auth_headers
from app.nodes.ai_ports import AI_EMBEDDING, AI_LANGUAGE_MODEL, ai_port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext
from app.nodes.http import url_problem

MODEL_CREDENTIAL_KINDS = ("bearer", "api_key")
_CREDENTIAL_SCHEMA: dict[str, Any] = {
    "x-ren-kind": "credential",
    "x-ren-credential-kinds": list(MODEL_CREDENTIAL_KINDS),
}


class ModelConfig(NodeConfig):
    base_url: str = Field(
        "http://127.0.0.1:11434/v1",
        description="OpenAI-compatible API root, e.g. https://api.openai.com/v1 or Ollama's "
        "http://127.0.0.1:11434/v1",
    )
    model: str = Field("llama3.2", min_length=1, description="The model's name at the endpoint")
    credential: str | None = Field(
        None,
        description="bearer or api_key credential with the API key (empty: none, e.g. Ollama)",
        json_schema_extra=_CREDENTIAL_SCHEMA,
    )
    timeout_s: float = Field(120.0, gt=0, description="Seconds to wait for one answer")
    retries: int = Field(2, ge=0, le=10, description="Tries again on network errors, 429, 5xx")


class ChatModelConfig(ModelConfig):
    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature")
    max_tokens: int | None = Field(None, ge=1, description="Longest reply, in tokens")
    stream: bool = Field(
        True, description="Stream the reply (the chat page shows it as it is written)"
    )


def model_problems(
    config: ModelConfig, functions: FunctionLookup, prefix: str = ""
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    bad_url = url_problem(config.base_url)
    if bad_url:
        problems.append((prefix + "base_url", bad_url))
    problems += credential_problems(
        config.credential, MODEL_CREDENTIAL_KINDS, folder_of(functions), prefix + "credential"
    )
    return problems


async def settings_for(ctx: StepContext, config: ModelConfig) -> ModelSettings:
    """Where and how to call the model, with the credential's key in the headers (the key is
    then masked in this step's errors, logs and output)."""
    headers: dict[str, str] = {}
    if config.credential:
        credential = await asyncio.to_thread(ctx.credential, config.credential)
        headers = auth_headers(credential.kind, credential.fields)
    return ModelSettings(
        base_url=config.base_url,
        model=config.model,
        temperature=getattr(config, "temperature", None),
        max_tokens=getattr(config, "max_tokens", None),
        stream=getattr(config, "stream", False),  # embeddings never stream
        timeout_s=config.timeout_s,
        retries=config.retries,
        headers=headers,
    )


def _describe(config: ModelConfig) -> dict[str, Any]:
    return config.model_dump(exclude={"credential"})


class ChatModelNode(NodeType[ChatModelConfig]):
    type_name = "chat_model"
    title = "Chat model"
    category = "AI"
    icon = "psychology"
    description = (
        "A chat model at any OpenAI-compatible endpoint (OpenAI, Ollama, LM Studio, llama.cpp, "
        "vLLM). Wire it into an AI agent or an LLM node; they call it with these settings."
    )
    config_model = ChatModelConfig

    def input_ports(self, config: ChatModelConfig) -> Sequence[Port]:
        return ()

    def output_ports(self, config: ChatModelConfig) -> Sequence[Port]:
        return (ai_port(AI_LANGUAGE_MODEL),)

    def config_problems(
        self, config: ChatModelConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return model_problems(config, functions)

    async def execute(self, ctx: StepContext, config: ChatModelConfig, input: Any) -> NodeResult:
        return NodeResult(_describe(config), ports=(AI_LANGUAGE_MODEL,))


class EmbeddingsNode(NodeType[ModelConfig]):
    type_name = "embeddings"
    title = "Embeddings"
    category = "AI"
    icon = "scatter_plot"
    description = (
        "An embeddings model at any OpenAI-compatible endpoint; wire it into a vector store or "
        "retriever, which turn text into vectors with it."
    )
    config_model = ModelConfig

    def input_ports(self, config: ModelConfig) -> Sequence[Port]:
        return ()

    def output_ports(self, config: ModelConfig) -> Sequence[Port]:
        return (ai_port(AI_EMBEDDING),)

    def config_problems(
        self, config: ModelConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return model_problems(config, functions)

    async def execute(self, ctx: StepContext, config: ModelConfig, input: Any) -> NodeResult:
        return NodeResult(_describe(config), ports=(AI_EMBEDDING,))
