"""List nodes: sort, limit and remove duplicates (n8n's Sort, Limit, Remove Duplicates).

Each takes a list from the input (`field`, or the input itself) and outputs
`{items, count}` (remove duplicates adds `removed`).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext
from app.nodes.data_paths import (
    getter,
    identity,
    items_result,
    list_at,
    lookup,
    off_loop_if_big,
    path_problem,
    paths_problems,
    require_somewhere,
)

FIELD_DESCRIPTION = (
    "The list to work on, as a dotted path in the input (e.g. data.rows); empty: the input "
    "itself when it is a list, or its `items`"
)
ITEMS_PORT = Port("out", "object", "{items, count}")


class ListConfig(NodeConfig):
    field: str = Field("", description=FIELD_DESCRIPTION)


def field_problem(field: str) -> list[tuple[str, str]]:
    message = path_problem(field) if field else None
    return [("field", message)] if message else []


# -- sort ---------------------------------------------------------------------------------------


class SortKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="Dotted path in each item, e.g. customer.name")
    order: Literal["asc", "desc"] = Field("asc", description="asc: A→Z, 1→9; desc: the reverse")


class SortConfig(ListConfig):
    by: list[SortKey] = Field(
        default_factory=list,
        description="Fields to sort by, the first deciding first; none: sort the items "
        "themselves (a list of numbers or texts)",
    )
    descending: bool = Field(False, description="With no fields: sort the items high to low")
    case_sensitive: bool = Field(False, description="Texts: 'B' before 'a' (else a, B)")


def _rank(value: Any, case_sensitive: bool) -> tuple[Any, ...]:
    """A key that orders any JSON values: numbers, then texts, then true/false, then the rest."""
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value) if case_sensitive else (1, value.casefold(), value)
    return (3, json.dumps(value, sort_keys=True, ensure_ascii=False))


def _keys(values: list[Any], case_sensitive: bool) -> list[Any]:
    """Sort keys for present values: the values themselves when all are numbers (or all texts,
    case-sensitive), which compare fastest; else ranks that order any mix of kinds."""
    if all(type(v) is int or type(v) is float for v in values):
        return values
    if all(type(v) is str for v in values):
        return values if case_sensitive else [(v.casefold(), v) for v in values]
    return [_rank(v, case_sensitive) for v in values]


def sort_items(items: list[Any], keys: list[SortKey], case_sensitive: bool) -> list[Any]:
    """Stable sorts from the last key to the first; at each, items missing the field (or
    holding null) go after the others whichever the order."""
    result = items
    for key in reversed(keys):
        get = getter(key.field)
        present: list[Any] = []
        values: list[Any] = []
        missing: list[Any] = []
        for item in result:
            found, value = get(item)
            if found and value is not None:
                present.append(item)
                values.append(value)
            else:
                missing.append(item)
        order = sorted(
            range(len(present)),
            key=_keys(values, case_sensitive).__getitem__,
            reverse=key.order == "desc",  # stable either way
        )
        result = [present[i] for i in order] + missing
    return result


class SortNode(NodeType[SortConfig]):
    type_name = "sort"
    title = "Sort"
    category = "Data"
    icon = "sort"
    description = (
        "Sorts a list by one or more fields, each ascending or descending. Numbers sort as "
        "numbers and texts alphabetically; items missing a field (or holding null) go last."
    )
    config_model = SortConfig

    def output_ports(self, config: SortConfig) -> Sequence[Port]:
        return (ITEMS_PORT,)

    def config_problems(
        self, config: SortConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return field_problem(config.field) + paths_problems("by", (k.field for k in config.by))

    async def execute(self, ctx: StepContext, config: SortConfig, input: Any) -> NodeResult:
        items = list_at(input, config.field)
        require_somewhere(items, (key.field for key in config.by))
        keys = config.by or [SortKey(field="", order="desc" if config.descending else "asc")]
        ordered = await off_loop_if_big(
            len(items), lambda: sort_items(items, keys, config.case_sensitive)
        )
        return NodeResult(items_result(ordered))


# -- limit --------------------------------------------------------------------------------------


class LimitConfig(ListConfig):
    max_items: int = Field(10, ge=0, description="How many items to keep")
    keep: Literal["first", "last"] = Field("first", description="Keep the first or the last ones")


class LimitNode(NodeType[LimitConfig]):
    type_name = "limit"
    title = "Limit"
    category = "Data"
    icon = "vertical_align_top"
    description = "Keeps the first (or last) N items of a list and drops the rest."
    config_model = LimitConfig

    def output_ports(self, config: LimitConfig) -> Sequence[Port]:
        return (ITEMS_PORT,)

    def config_problems(
        self, config: LimitConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return field_problem(config.field)

    async def execute(self, ctx: StepContext, config: LimitConfig, input: Any) -> NodeResult:
        items = list_at(input, config.field)
        n = config.max_items
        kept = items[:n] if config.keep == "first" else items[len(items) - n :] if n else []
        return NodeResult(items_result(kept))


# -- remove duplicates --------------------------------------------------------------------------


class RemoveDuplicatesConfig(ListConfig):
    fields: list[str] = Field(
        default_factory=list,
        description="Items with the same values of these fields are duplicates; none: "
        "only items equal in every field",
    )
    keep: Literal["first", "last"] = Field(
        "first", description="Which of the duplicates stays (in its place in the list)"
    )


def _identity(item: Any, fields: list[str]) -> Hashable:
    """Equal for equal values (1 and 1.0 differ, as their kinds do; missing is not null)."""
    if not fields:
        return identity(item)
    return tuple((found, identity(value)) for found, value in (lookup(item, f) for f in fields))


def unique_items(items: list[Any], fields: list[str], keep_last: bool) -> list[Any]:
    """The items less duplicates, each kept one in its place in the list."""
    chosen: dict[Hashable, int] = {}
    for index, item in enumerate(items):
        key = _identity(item, fields)
        if keep_last or key not in chosen:
            chosen[key] = index
    return [items[i] for i in sorted(chosen.values())]


class RemoveDuplicatesNode(NodeType[RemoveDuplicatesConfig]):
    type_name = "remove_duplicates"
    title = "Remove duplicates"
    category = "Data"
    icon = "filter_1"
    description = (
        "Drops items that repeat an earlier one: equal in every field, or in the fields you "
        "choose (e.g. the same email). Keeps the first of each, or the last."
    )
    config_model = RemoveDuplicatesConfig

    def output_ports(self, config: RemoveDuplicatesConfig) -> Sequence[Port]:
        return (Port("out", "object", "{items, count, removed}"),)

    def config_problems(
        self, config: RemoveDuplicatesConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return field_problem(config.field) + paths_problems("fields", config.fields)

    async def execute(
        self, ctx: StepContext, config: RemoveDuplicatesConfig, input: Any
    ) -> NodeResult:
        items = list_at(input, config.field)
        require_somewhere(items, config.fields)
        kept = await off_loop_if_big(
            len(items), lambda: unique_items(items, config.fields, config.keep == "last")
        )
        return NodeResult(items_result(kept, removed=len(items) - len(kept)))
