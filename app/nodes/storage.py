"""The storage node: a key-value store in the data folder that outlives runs.

get, set, delete, increment and append (a list kept to its newest `max_length` items), per
workflow or shared by all workflows. The node reads when it runs and returns its change as
SQL that commits with the step (app.store.kv), so a re-run never counts twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import render_config
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext
from app.nodes.data_paths import kind_of
from app.store.kv import SHARED, KvWrites, encode, workflow_scope

MAX_KEY_LENGTH = 500
MAX_LIST_LENGTH = 10_000


class StorageError(ValueError):
    """A storage step that cannot do what it was asked (the message says which key and why)."""


class StorageConfig(NodeConfig):
    operation: Literal["get", "set", "delete", "increment", "append"] = Field(
        "get",
        description="get: read the key; set: store the value; delete: remove the key; "
        "increment: add `by` to a number (missing counts as 0); append: add the value to a "
        "list, keeping the newest `max_length` items",
    )
    key: str = Field(description="The key; may use {{ expressions }}, e.g. seen-{{ input.id }}")
    value: Any = Field(
        None,
        description="set / append: what to store; {{ expressions }} give any JSON value",
    )
    by: int | float | str = Field(
        1, description="increment: the number to add (may be negative, or a {{ expression }})"
    )
    max_length: int = Field(
        100, ge=1, le=MAX_LIST_LENGTH, description="append: the most items the list keeps"
    )
    default: Any = Field(None, description="get: the value when the key holds nothing")
    scope: Literal["workflow", "shared"] = Field(
        "workflow",
        description="workflow: keys of this workflow only; shared: one store for all workflows",
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class StorageNode(NodeType[StorageConfig]):
    type_name = "storage"
    title = "Storage"
    category = "Storage"
    icon = "database"
    description = (
        "Remembers values between runs: get, set or delete a key, increment a counter or "
        "append to a list that keeps its newest items. Keys belong to the workflow or are "
        "shared by all workflows. A change is saved together with the step, so a run that is "
        "interrupted and resumed never counts twice."
    )
    config_model = StorageConfig

    def output_ports(self, config: StorageConfig) -> Sequence[Port]:
        return (Port("out", "object", "{key, value, found}"),)

    def config_problems(
        self, config: StorageConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = template_fields("key", config.key)
        if not config.key.strip():
            problems.append(("key", "the key is empty"))
        if config.operation in ("set", "append"):
            problems += template_fields("value", config.value)
        if config.operation == "increment" and isinstance(config.by, str):
            if "{{" not in config.by:
                problems.append(("by", f"'{config.by}' is not a number or a {{{{ expression }}}}"))
            problems += template_fields("by", config.by)
        return problems

    async def execute(self, ctx: StepContext, config: StorageConfig, input: Any) -> NodeResult:
        if ctx.kv is None:
            raise StorageError("storage is not available here (no data folder)")
        scope_names = ctx.scope(input)
        key = render_config(config.key, scope_names)
        if not isinstance(key, str):
            key = encode(key)
        if not key.strip():
            raise StorageError(f"the key '{config.key}' gave empty text")
        if len(key) > MAX_KEY_LENGTH:
            raise StorageError(f"the key is {len(key)} characters, over {MAX_KEY_LENGTH}")
        scope = SHARED if config.scope == "shared" else workflow_scope(_workflow_id(ctx))
        found, stored = ctx.kv.kv_get(scope, key)
        write = KvWrites(scope, key)
        op = config.operation
        if op == "get":
            value = stored if found else config.default
            return NodeResult({"key": key, "value": value, "found": found})
        if op == "delete":
            return NodeResult({"key": key, "deleted": found}, writes=(write.delete(),))
        if op == "set":
            value = _checked(render_config(config.value, scope_names), key)
            return NodeResult({"key": key, "value": value}, writes=(write.set(value),))
        if op == "increment":
            by = render_config(config.by, scope_names)
            if not _is_number(by):
                raise StorageError(f"increment of '{key}': by is {kind_of(by)}, not a number")
            if found and not _is_number(stored):
                raise StorageError(f"cannot increment '{key}': it holds {kind_of(stored)}")
            total = (stored if found else 0) + by
            return NodeResult({"key": key, "value": total}, writes=(write.increment(by),))
        item = _checked(render_config(config.value, scope_names), key)
        if found and not isinstance(stored, list):
            raise StorageError(f"cannot append to '{key}': it holds {kind_of(stored)}, not a list")
        items = [*(stored if found else []), item][-config.max_length :]
        return NodeResult(
            {"key": key, "value": items, "length": len(items)},
            writes=(write.append(item, config.max_length),),
        )


def _workflow_id(ctx: StepContext) -> str:
    workflow_id = ctx.run_info.get("workflow_id")
    if not workflow_id:
        raise StorageError("workflow scope needs a run of a workflow; use scope 'shared'")
    return str(workflow_id)


def _checked(value: Any, key: str) -> Any:
    """The value if the store can hold it (JSON data), else a StorageError naming the key."""
    try:
        encode(value)
    except ValueError as err:
        raise StorageError(f"cannot store '{key}': {err}") from None
    return value
