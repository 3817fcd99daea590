"""Field nodes: rename, pick (keep only) and drop fields of an object or of each object of a
list (n8n's Edit Fields "keep only / all except", Rename Keys)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext
from app.nodes.data_paths import (
    DataError,
    copied,
    get_path,
    items_result,
    kind_of,
    lookup,
    object_or_list_at,
    off_loop_if_big,
    path_problem,
    paths_problems,
    pop_path,
    set_path,
)

SOURCE_DESCRIPTION = (
    "What to change: empty for the input (an object, or each object of a list), or a dotted "
    "path to it"
)

Change = Callable[[dict[str, Any], str], dict[str, Any]]


def _source() -> Any:
    return Field("", description=SOURCE_DESCRIPTION)


def _ignore_missing() -> Any:
    return Field(
        False, description="A field an item lacks is skipped (else the step fails naming it)"
    )


async def _apply(input: Any, source: str, change: Change) -> NodeResult:
    """`change` on the object, or on each object of the list (output `{items, count}`)."""
    many, data = object_or_list_at(input, source)
    if not many:
        return NodeResult(change(data, "the input"))

    def each() -> dict[str, Any]:
        out = []
        for index, item in enumerate(data):
            if not isinstance(item, dict):
                raise DataError(f"item {index} is {kind_of(item)}, not an object")
            out.append(change(item, f"item {index}"))
        return items_result(out)

    return NodeResult(await off_loop_if_big(len(data), each))


def _source_problem(source: str) -> list[tuple[str, str]]:
    message = path_problem(source) if source else None
    return [("source", message)] if message else []


def _found(found: bool, item: dict[str, Any], path: str, where: str, ignore_missing: bool) -> bool:
    """Whether the field at `path` is there; a missing one fails naming what the item has,
    unless the node ignores missing fields."""
    if not found and not ignore_missing:
        get_path(item, path, where)  # raises, naming what is there
    return found


class FieldListConfig(NodeConfig):
    """What Keep fields and Remove fields share: a list of paths and where the objects are."""

    fields: list[str] = Field(default_factory=list)
    source: str = _source()
    ignore_missing: bool = _ignore_missing()


def _field_list_problems(config: FieldListConfig, doing: str) -> list[tuple[str, str]]:
    problems = _source_problem(config.source) + paths_problems("fields", config.fields)
    if not config.fields:
        problems.append(("fields", f"no field to {doing}: add at least one"))
    return problems


class RenameFieldsConfig(NodeConfig):
    renames: dict[str, str] = Field(
        default_factory=dict,
        description="Old name → new name; dotted paths move fields (customer.name → name)",
    )
    source: str = _source()
    ignore_missing: bool = _ignore_missing()


class RenameFieldsNode(NodeType[RenameFieldsConfig]):
    type_name = "rename_fields"
    title = "Rename fields"
    category = "Data"
    icon = "drive_file_rename_outline"
    description = (
        "Renames fields of an object (or of each object of a list); a dotted path moves a field "
        "in or out of a nested object. A new name that exists is replaced."
    )
    config_model = RenameFieldsConfig

    def config_problems(
        self, config: RenameFieldsConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = _source_problem(config.source)
        if not config.renames:
            problems.append(("renames", "there is nothing to rename"))
        for old, new in config.renames.items():
            for path in (old, new):
                message = path_problem(path)
                if message:
                    problems.append((f"renames.{old}", message))
        targets = list(config.renames.values())
        for new in {t for t in targets if targets.count(t) > 1}:
            problems.append(("renames", f"two fields are renamed to '{new}'"))
        return problems

    async def execute(self, ctx: StepContext, config: RenameFieldsConfig, input: Any) -> NodeResult:
        def rename(item: dict[str, Any], where: str) -> dict[str, Any]:
            result: dict[str, Any] = copied(item)
            moved: list[tuple[str, Any]] = []
            for old, new in config.renames.items():
                found, value = pop_path(result, old)
                if _found(found, item, old, where, config.ignore_missing):
                    moved.append((new, value))
            for new, value in moved:  # after all pops, so a → b, b → a swaps
                set_path(result, new, value)
            return result

        return await _apply(input, config.source, rename)


class PickFieldsConfig(FieldListConfig):
    fields: list[str] = Field(
        default_factory=list, description="The fields to keep (dotted paths keep nesting)"
    )


class PickFieldsNode(NodeType[PickFieldsConfig]):
    type_name = "pick_fields"
    title = "Keep fields"
    category = "Data"
    icon = "checklist"
    description = "Keeps only the chosen fields of an object (or of each object of a list)."
    config_model = PickFieldsConfig

    def config_problems(
        self, config: PickFieldsConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return _field_list_problems(config, "keep")

    async def execute(self, ctx: StepContext, config: PickFieldsConfig, input: Any) -> NodeResult:
        def pick(item: dict[str, Any], where: str) -> dict[str, Any]:
            result: dict[str, Any] = {}
            for path in config.fields:
                found, value = lookup(item, path)
                if _found(found, item, path, where, config.ignore_missing):
                    set_path(result, path, copied(value))
            return result

        return await _apply(input, config.source, pick)


class DropFieldsConfig(FieldListConfig):
    fields: list[str] = Field(default_factory=list, description="The fields to remove")


class DropFieldsNode(NodeType[DropFieldsConfig]):
    type_name = "drop_fields"
    title = "Remove fields"
    category = "Data"
    icon = "backspace"
    description = "Removes the chosen fields from an object (or from each object of a list)."
    config_model = DropFieldsConfig

    def config_problems(
        self, config: DropFieldsConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return _field_list_problems(config, "remove")

    async def execute(self, ctx: StepContext, config: DropFieldsConfig, input: Any) -> NodeResult:
        def drop(item: dict[str, Any], where: str) -> dict[str, Any]:
            result: dict[str, Any] = copied(item)
            for path in config.fields:
                found, _ = pop_path(result, path)
                _found(found, item, path, where, config.ignore_missing)
            return result

        return await _apply(input, config.source, drop)
