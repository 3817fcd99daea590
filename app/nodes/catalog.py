"""The node catalogue: every node type Ren knows, built in or from installed packs."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from importlib.metadata import entry_points
from typing import Any

from app.nodes.ai_agent import AiAgentNode
from app.nodes.ai_agent_tools import FunctionToolNode, HttpToolNode, WorkflowToolNode
from app.nodes.ai_mcp import McpToolsNode
from app.nodes.ai_memory import MemoryWindowNode
from app.nodes.ai_model import ChatModelNode, EmbeddingsNode
from app.nodes.ai_retrieval import DocumentsNode, RetrieverNode, TextSplitterNode, VectorStoreNode
from app.nodes.base import NodeType
from app.nodes.branch import IfNode, SwitchNode
from app.nodes.chat_trigger import ChatTriggerNode
from app.nodes.code import CodeNode
from app.nodes.command import CommandNode
from app.nodes.data import FilterNode, LogNode, MergeNode, SetNode
from app.nodes.data_aggregate import AggregateNode, SplitOutNode
from app.nodes.data_datetime import DateTimeNode
from app.nodes.data_fields import DropFieldsNode, PickFieldsNode, RenameFieldsNode
from app.nodes.data_lists import LimitNode, RemoveDuplicatesNode, SortNode
from app.nodes.data_text import (
    ParseCsvNode,
    ParseJsonNode,
    TextTemplateNode,
    WriteCsvNode,
    WriteJsonNode,
)
from app.nodes.email import SendEmailNode
from app.nodes.end import EndNode
from app.nodes.file_trigger import FileTriggerNode
from app.nodes.files import ReadFileNode, WriteFileNode
from app.nodes.files_manage import CopyFileNode, DeleteFileNode, ListFilesNode, MoveFileNode
from app.nodes.foreach import ForeachNode
from app.nodes.form_trigger import FormTriggerNode
from app.nodes.function import FunctionNode
from app.nodes.http import HttpRequestNode
from app.nodes.human_task import HumanTaskNode
from app.nodes.llm import LlmNode
from app.nodes.notify import NotifyNode
from app.nodes.start import StartNode, WebhookNode
from app.nodes.storage import StorageNode
from app.nodes.subworkflow import SubworkflowNode
from app.nodes.waiting import SignalNode, WaitNode

log = logging.getLogger(__name__)

AnyNodeType = NodeType[Any]

BUILT_IN: tuple[type[AnyNodeType], ...] = (
    StartNode,
    WebhookNode,
    EndNode,
    IfNode,
    SwitchNode,
    MergeNode,
    SetNode,
    FilterNode,
    ForeachNode,
    FunctionNode,
    CodeNode,
    LogNode,
    HumanTaskNode,
    WaitNode,
    SignalNode,
    SubworkflowNode,
    ReadFileNode,
    WriteFileNode,
    ListFilesNode,
    MoveFileNode,
    CopyFileNode,
    DeleteFileNode,
    StorageNode,
    SortNode,
    LimitNode,
    RemoveDuplicatesNode,
    AggregateNode,
    SplitOutNode,
    RenameFieldsNode,
    PickFieldsNode,
    DropFieldsNode,
    DateTimeNode,
    ParseCsvNode,
    WriteCsvNode,
    ParseJsonNode,
    WriteJsonNode,
    TextTemplateNode,
    CommandNode,
    FileTriggerNode,
    HttpRequestNode,
    SendEmailNode,
    NotifyNode,
    FormTriggerNode,
    ChatModelNode,
    EmbeddingsNode,
    LlmNode,  # AI (app.nodes.ai_model, app.nodes.llm)
    AiAgentNode,
    FunctionToolNode,
    HttpToolNode,
    WorkflowToolNode,
    MemoryWindowNode,  # AI memory and retrieval (app.nodes.ai_memory, ai_retrieval)
    DocumentsNode,
    TextSplitterNode,
    VectorStoreNode,
    RetrieverNode,
    McpToolsNode,  # app.nodes.ai_mcp
    ChatTriggerNode,  # app.nodes.chat_trigger, page app.ui.pages.chat
)

ENTRY_POINT_GROUP = "ren.nodes"


class NodeCatalog:
    def __init__(self) -> None:
        self._types: dict[tuple[str, int], AnyNodeType] = {}

    def register(self, node_type: AnyNodeType) -> None:
        self._types[(node_type.type_name, node_type.type_version)] = node_type

    def lookup(self, type_name: str, type_version: int) -> AnyNodeType | None:
        return self._types.get((type_name, type_version))

    def known_types(self) -> Sequence[str]:
        return sorted({name for name, _ in self._types})

    def __iter__(self) -> Iterator[AnyNodeType]:
        return iter(self._types.values())


def default_catalog(load_packs: bool = True) -> NodeCatalog:
    catalog = NodeCatalog()
    for cls in BUILT_IN:
        catalog.register(cls())
    if load_packs:
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = entry.load()
                catalog.register(loaded())
            except Exception:  # a broken pack must not take Ren down
                log.exception("cannot load node pack %s", entry.name)
    return catalog
