"""Retrieval nodes: `documents`, `text_splitter`, `vector_store` and the `retriever` tool.

A flow fills a store: documents (from a folder or run data) -> vector_store, which splits them
with its attached text_splitter and embeds the chunks with its attached Embeddings model. An AI
agent then searches it through a `retriever` wired into its Tools port (the retriever has its
own Embeddings sub-node, the same model the store was filled with). The store lives in the
data folder (app.nodes.ai_retrieval_store).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.dsl import NodeSpec
from app.core.ports import Port
from app.core.templates import render_config
from app.engine.ai_journal import folder_store, run_workflow
from app.nodes.ai_agent_tools import Tool
from app.nodes.ai_model import ModelConfig, settings_for
from app.nodes.ai_model_client import add_usage, embed
from app.nodes.ai_model_journal import attached_to_step
from app.nodes.ai_ports import AI_EMBEDDING, AI_TEXT_SPLITTER, AI_TOOL, ai_port, attached
from app.nodes.ai_retrieval_store import document_writes, search, store_problem
from app.nodes.ai_retrieval_text import documents_of, read_documents, split_text
from app.nodes.base import IN, OUT, NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext
from app.nodes.files_paths import glob_problem, render_path

EMBED_BATCH = 64  # texts per embeddings request


class RetrievalError(ValueError):
    """A retrieval node cannot do its work (nothing wired in, bad documents, ...)."""


# --- text_splitter -----------------------------------------------------------------------------


class TextSplitterConfig(NodeConfig):
    chunk_size: int = Field(1000, ge=10, le=100_000, description="Most characters in a chunk")
    overlap: int = Field(
        100, ge=0, le=10_000, description="Characters repeated from the chunk before"
    )


class TextSplitterNode(NodeType[TextSplitterConfig]):
    type_name = "text_splitter"
    title = "Text splitter"
    category = "AI"
    icon = "content_cut"
    description = (
        "How a vector store cuts documents into chunks: at most chunk_size characters, at "
        "paragraph, sentence or word ends, overlapping a little. Wire it into a Vector store."
    )
    config_model = TextSplitterConfig

    def input_ports(self, config: TextSplitterConfig) -> Sequence[Port]:
        return ()

    def output_ports(self, config: TextSplitterConfig) -> Sequence[Port]:
        return (ai_port(AI_TEXT_SPLITTER),)

    def config_problems(
        self, config: TextSplitterConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        if config.overlap >= config.chunk_size:
            return [("overlap", "must be smaller than chunk_size")]
        return []

    async def execute(self, ctx: StepContext, config: TextSplitterConfig, input: Any) -> NodeResult:
        return NodeResult(config.model_dump(), ports=(AI_TEXT_SPLITTER,))


# --- documents ---------------------------------------------------------------------------------


class DocumentsConfig(NodeConfig):
    source: Literal["folder", "data"] = Field(
        "folder", description="folder: the text files of a folder; data: from run data"
    )
    folder: str = Field("", description="The folder to read (source folder); may use {{ ... }}")
    pattern: str = Field("**/*", description="Which files, e.g. **/*.md (text files only)")
    data: str = Field(
        "{{ input.documents }}",
        description="Source data: texts, or objects with text (or content), id and metadata",
    )


class DocumentsNode(NodeType[DocumentsConfig]):
    type_name = "documents"
    title = "Documents"
    category = "AI"
    icon = "description"
    description = (
        "Documents for a vector store: the text files of a folder (.txt, .md, .csv, .json, "
        ".html, ...) or texts from run data. Outputs documents, a list of {id, text, metadata}."
    )
    config_model = DocumentsConfig

    def input_ports(self, config: DocumentsConfig) -> Sequence[Port]:
        return (IN,)

    def output_ports(self, config: DocumentsConfig) -> Sequence[Port]:
        return (OUT,)

    def config_problems(
        self, config: DocumentsConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        if config.source == "data":
            return (
                [] if config.data.strip() else [("data", "give the data, e.g. {{ input.texts }}")]
            )
        problems = [] if config.folder.strip() else [("folder", "give the folder to read")]
        bad = glob_problem(config.pattern)
        return problems + ([("pattern", bad)] if bad else [])

    def output_schema(self, config: DocumentsConfig) -> dict[str, Any] | None:
        return {"type": "object", "properties": {"documents": {"type": "array"}}}

    async def execute(self, ctx: StepContext, config: DocumentsConfig, input: Any) -> NodeResult:
        scope = ctx.scope(input)
        if config.source == "data":
            documents = documents_of(render_config(config.data, scope), "data")
        else:
            folder = render_path(config.folder, scope, "documents", "folder")
            documents = await asyncio.to_thread(read_documents, folder, config.pattern)
        return NodeResult({"documents": documents, "count": len(documents)})


# --- vector_store ------------------------------------------------------------------------------


class VectorStoreConfig(NodeConfig):
    store: str = Field("docs", description="The store's name (a retriever searches it by name)")
    documents: str = Field(
        "{{ input.documents }}", description="The documents to add (from a Documents node)"
    )


class VectorStoreNode(NodeType[VectorStoreConfig]):
    type_name = "vector_store"
    title = "Vector store"
    category = "AI"
    icon = "database"
    description = (
        "Adds documents to a store in the data folder: split by the attached Text splitter, "
        "embedded by the attached Embeddings model. A document added again replaces its chunks. "
        "A Retriever searches the store."
    )
    config_model = VectorStoreConfig

    def input_ports(self, config: VectorStoreConfig) -> Sequence[Port]:
        return (IN, ai_port(AI_EMBEDDING), ai_port(AI_TEXT_SPLITTER))

    def output_ports(self, config: VectorStoreConfig) -> Sequence[Port]:
        return (OUT,)

    def config_problems(
        self, config: VectorStoreConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        bad = store_problem(config.store)
        return [("store", bad)] if bad else []

    async def execute(self, ctx: StepContext, config: VectorStoreConfig, input: Any) -> NodeResult:
        documents = documents_of(render_config(config.documents, ctx.scope(input)), "documents")
        (embedder,) = await _one(ctx, AI_EMBEDDING, "Embeddings model", required=True)
        splitters = await _one(ctx, AI_TEXT_SPLITTER, "Text splitter", required=False)
        splitter = TextSplitterConfig.model_validate(splitters[0].config if splitters else {})
        settings = await settings_for(ctx, ModelConfig.model_validate(embedder.config))
        writes: list[Any] = []
        usage: dict[str, int] = {}
        chunks_total = 0
        for doc in documents:
            ctx.checkpoint()
            texts = split_text(doc["text"], splitter.chunk_size, splitter.overlap)
            vectors: list[list[float]] = []
            for start in range(0, len(texts), EMBED_BATCH):
                got, used = await embed(settings, texts[start : start + EMBED_BATCH])
                vectors += got
                usage = add_usage(usage, used)
            if len(vectors) != len(texts):
                raise RetrievalError(
                    f"the embeddings model gave {len(vectors)} vectors for {len(texts)} chunks"
                )
            rows = [(t, doc["metadata"], v) for t, v in zip(texts, vectors, strict=True)]
            writes += document_writes(config.store, doc["id"], rows)
            chunks_total += len(texts)
        output = {
            "store": config.store,
            "documents": len(documents),
            "chunks": chunks_total,
            "usage": usage,
        }
        return NodeResult(output, writes=tuple(writes))


# --- retriever ---------------------------------------------------------------------------------


class RetrieverConfig(NodeConfig):
    store: str = Field("docs", description="The vector store to search")
    top_k: int = Field(4, ge=1, le=50, description="How many chunks a search returns")
    name: str = Field("", description="The tool's name for the model (empty: search_<store>)")
    description: str = Field(
        "", description="What the store holds, so the model knows when to search it"
    )


class RetrieverNode(NodeType[RetrieverConfig]):
    type_name = "retriever"
    title = "Retriever"
    category = "AI"
    icon = "manage_search"
    description = (
        "Lets an AI agent search a vector store: the model asks with a query and gets the "
        "closest chunks with their sources. Wire it into an agent's Tools port and wire in the "
        "Embeddings model the store was filled with."
    )
    config_model = RetrieverConfig

    def input_ports(self, config: RetrieverConfig) -> Sequence[Port]:
        return (ai_port(AI_EMBEDDING),)

    def output_ports(self, config: RetrieverConfig) -> Sequence[Port]:
        return (ai_port(AI_TOOL),)

    def config_problems(
        self, config: RetrieverConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        bad = store_problem(config.store)
        return [("store", bad)] if bad else []

    async def execute(self, ctx: StepContext, config: RetrieverConfig, input: Any) -> NodeResult:
        return NodeResult(config.model_dump(), ports=(AI_TOOL,))


def retriever_tool(spec: NodeSpec) -> Tool:
    """The agent's tool for retriever sub-node `spec` (app.nodes.ai_agent_tools)."""
    config = RetrieverConfig.model_validate(spec.config)
    name = config.name or "search_" + re.sub(r"[^A-Za-z0-9_-]", "_", config.store)[:57]

    async def run(ctx: StepContext, args: dict[str, Any], state: Any, key: str) -> Any:
        query = args.get("query")
        if not isinstance(query, str) or not query.strip():
            raise RetrievalError("give a query (text)")
        root = ctx.data_dir.parent.parent
        workflow = await asyncio.to_thread(run_workflow, folder_store(root), ctx.run_id)
        embedders = attached(workflow, spec.id, AI_EMBEDDING)
        if len(embedders) != 1:
            raise RetrievalError(f"retriever '{spec.id}' needs one Embeddings model wired in")
        settings = await settings_for(ctx, ModelConfig.model_validate(embedders[0].config))
        (vector,), _ = await embed(settings, [query])
        db = root / "ren.sqlite"
        return await asyncio.to_thread(search, db, config.store, vector, config.top_k)

    return Tool(
        name,
        config.description
        or f"Search the '{config.store}' documents; returns the closest passages",
        {
            "type": "object",
            "properties": {"query": {"type": "string", "description": "What to look for"}},
            "required": ["query"],
        },
        False,
        run,
    )


async def _one(ctx: StepContext, kind: str, what: str, required: bool) -> list[NodeSpec]:
    found = await attached_to_step(ctx, kind)
    if len(found) > 1 or (required and not found):
        raise RetrievalError(
            f"wire in {'one' if required else 'at most one'} {what} ({kind}); found {len(found)}"
        )
    return found
