"""List nodes: sort, limit and remove duplicates (n8n's Sort, Limit, Remove Duplicates).

Each takes a list from the input (`field`, or the input itself) and outputs
`{items, count}` (remove duplicates adds `removed`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cmp_to_key
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext
from app.nodes.data_paths import items_result, list_at, lookup, path_problem, paths_problems

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


def _compare(a: tuple[bool, Any], b: tuple[bool, Any], descending: bool) -> int:
    """Missing and null values go last whichever the order."""
    (a_has, a_key), (b_has, b_key) = a, b
    if not a_has or not b_has:
        return (not a_has) - (not b_has)
    result = int(a_key > b_key) - int(a_key < b_key)
    return -result if descending else result


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
        keys = config.by or [SortKey(field="", order="desc" if config.descending else "asc")]
        cased = config.case_sensitive

        def sort_key(item: Any) -> list[tuple[bool, Any]]:
            found = [lookup(item, key.field) for key in keys]
            return [(ok and v is not None, _rank(v, cased)) for ok, v in found]

        def compare(a: list[tuple[bool, Any]], b: list[tuple[bool, Any]]) -> int:
            for key, x, y in zip(keys, a, b, strict=True):
                order = _compare(x, y, key.order == "desc")
                if order:
                    return order
            return 0

        Keyed = tuple[list[tuple[bool, Any]], Any]

        def compare_keyed(a: Keyed, b: Keyed) -> int:
            return compare(a[0], b[0])

        keyed = [(sort_key(item), item) for item in items]
        keyed.sort(key=cmp_to_key(compare_keyed))  # a stable sort: ties keep their order
        return NodeResult(items_result([item for _, item in keyed]))


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


def _identity(item: Any, fields: list[str]) -> str:
    """Equal JSON text for equal values (1 and 1.0 differ, as their kinds do)."""
    if not fields:
        return json.dumps(item, sort_keys=True, ensure_ascii=False)
    values = []
    for path in fields:
        found, value = lookup(item, path)
        values.append([found, value])
    return json.dumps(values, sort_keys=True, ensure_ascii=False)


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
        chosen: dict[str, int] = {}
        for index, item in enumerate(items):
            identity = _identity(item, config.fields)
            if config.keep == "last" or identity not in chosen:
                chosen[identity] = index
        kept_at = sorted(chosen.values())
        kept = [items[i] for i in kept_at]
        return NodeResult(items_result(kept, removed=len(items) - len(kept)))
