"""Aggregate (group by with count, sum, average, min, max, collect) and split out (a list field
into items): n8n's Summarize / Aggregate and Split Out."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext
from app.nodes.data_lists import FIELD_DESCRIPTION, ITEMS_PORT, field_problem
from app.nodes.data_paths import (
    DataError,
    copied,
    get_path,
    getter,
    identity,
    items_result,
    kind_of,
    list_at,
    object_or_list_at,
    off_loop_if_big,
    path_problem,
    paths_problems,
    pop_path,
    require_somewhere,
    set_path,
)

Op = Literal["count", "count_unique", "sum", "average", "min", "max", "collect"]


class Aggregation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Op = Field(description="count, count_unique, sum, average, min, max or collect (a list)")
    field: str = Field("", description="Dotted path in each item; count with none counts the items")
    output: str = Field("", description="Name of the result; default e.g. sum_amount")

    def output_name(self) -> str:
        if self.output:
            return self.output
        return f"{self.op}_{self.field.replace('.', '_')}" if self.field else self.op


class AggregateConfig(NodeConfig):
    field: str = Field("", description=FIELD_DESCRIPTION)
    group_by: list[str] = Field(
        default_factory=list,
        description="One result per distinct value of these fields; none: one total",
    )
    aggregations: list[Aggregation] = Field(
        default_factory=lambda: [Aggregation(op="count")],
        description="What to compute for each group",
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbers(values: list[tuple[int, Any]], agg: Aggregation) -> list[int | float]:
    for index, value in values:
        if not _is_number(value):
            raise DataError(
                f"{agg.op} of '{agg.field}': item {index} holds {kind_of(value)}, not a number"
            )
    return [value for _, value in values]


def _extreme(values: list[tuple[int, Any]], agg: Aggregation) -> Any:
    if not values:
        return None
    kinds = {
        "number" if _is_number(v) else "text" if isinstance(v, str) else kind_of(v)
        for _, v in values
    }
    if len(kinds) > 1 or not kinds <= {"number", "text"}:
        raise DataError(
            f"{agg.op} of '{agg.field}' needs all numbers or all texts, found "
            + " and ".join(sorted(kinds))
        )
    plain = [v for _, v in values]
    return min(plain) if agg.op == "min" else max(plain)


def compute(agg: Aggregation, group: list[tuple[int, Any]]) -> Any:
    """One aggregation over a group of (index in the list, item); missing and null values
    are left out (count with no field counts every item)."""
    if agg.op == "count" and not agg.field:
        return len(group)
    values: list[tuple[int, Any]] = []
    get = getter(agg.field)
    for index, item in group:
        found, value = get(item)
        if found and value is not None:
            values.append((index, value))
    if agg.op == "count":
        return len(values)
    if agg.op == "count_unique":
        return len({identity(v) for _, v in values})
    if agg.op == "collect":
        return [v for _, v in values]
    if agg.op in ("min", "max"):
        return _extreme(values, agg)
    numbers = _numbers(values, agg)
    total = sum(numbers)  # ints stay ints: the sum of ints is an int
    if agg.op == "sum":
        return total
    return total / len(numbers) if numbers else None


def aggregate(items: list[Any], config: AggregateConfig) -> Any:
    """The totals object without groups, else `{items, count}` with one row per group."""
    groups: dict[Hashable, tuple[list[Any], list[tuple[int, Any]]]] = {}
    gets = [getter(path) for path in config.group_by]
    for index, item in enumerate(items):
        values = [get(item)[1] for get in gets]
        key = tuple(identity(value) for value in values)
        groups.setdefault(key, (values, []))[1].append((index, item))
    if not config.group_by:
        whole = list(enumerate(items))
        return {a.output_name(): compute(a, whole) for a in config.aggregations}
    rows = []
    for values, group in groups.values():
        row: dict[str, Any] = {}
        for path, value in zip(config.group_by, values, strict=True):
            set_path(row, path, value)
        for agg in config.aggregations:
            row[agg.output_name()] = compute(agg, group)
        rows.append(row)
    return items_result(rows)


class AggregateNode(NodeType[AggregateConfig]):
    type_name = "aggregate"
    title = "Aggregate"
    category = "Data"
    icon = "functions"
    description = (
        "Summarises a list: count, count unique, sum, average, min, max or collect values into "
        "a list, for the whole list or per group (e.g. total amount per customer). Null and "
        "missing values are left out."
    )
    config_model = AggregateConfig

    def output_ports(self, config: AggregateConfig) -> Sequence[Port]:
        if config.group_by:
            return (ITEMS_PORT,)
        return (Port("out", "object", "the results, by name"),)

    def config_problems(
        self, config: AggregateConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = field_problem(config.field) + paths_problems("group_by", config.group_by)
        if not config.aggregations:
            problems.append(("aggregations", "there is nothing to compute: add an aggregation"))
        names: set[str] = set()
        groups = {path.split(".")[0] for path in config.group_by}
        for index, agg in enumerate(config.aggregations):
            where = f"aggregations[{index}]"
            if agg.field:
                message = path_problem(agg.field)
                if message:
                    problems.append((f"{where}.field", message))
            elif agg.op != "count":
                problems.append((f"{where}.field", f"{agg.op} needs a field"))
            name = agg.output_name()
            if name in names:
                problems.append((f"{where}.output", f"'{name}' is the name of two results"))
            elif name in groups:
                problems.append((f"{where}.output", f"'{name}' is also a group field"))
            names.add(name)
        return problems

    async def execute(self, ctx: StepContext, config: AggregateConfig, input: Any) -> NodeResult:
        items = list_at(input, config.field)
        require_somewhere(items, [*config.group_by, *(a.field for a in config.aggregations)])
        return NodeResult(await off_loop_if_big(len(items), lambda: aggregate(items, config)))


# -- split out ----------------------------------------------------------------------------------


class SplitOutConfig(NodeConfig):
    field: str = Field(description="The list field to split, e.g. order.lines: one item each")
    source: str = Field(
        "",
        description="Where the items are: empty for the input (an object, or a list of them), "
        "or a dotted path to them",
    )
    include: Literal["none", "all", "selected"] = Field(
        "none", description="Other fields of the item to copy into each new item"
    )
    fields: list[str] = Field(default_factory=list, description="include selected: which ones")
    destination: str = Field(
        "",
        description="Name for the element in each new item; default: objects are the new "
        "items themselves (with include none), other values go under the field's name",
    )


class SplitOutNode(NodeType[SplitOutConfig]):
    type_name = "split_out"
    title = "Split out"
    category = "Data"
    icon = "call_split"
    description = (
        "Turns a list inside an item into separate items, one per element (e.g. the lines of "
        "an order), optionally copying other fields of the item into each."
    )
    config_model = SplitOutConfig

    def output_ports(self, config: SplitOutConfig) -> Sequence[Port]:
        return (ITEMS_PORT,)

    def config_problems(
        self, config: SplitOutConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = []
        for name, value in (("field", config.field), ("source", config.source)):
            message = path_problem(value) if value or name == "field" else None
            if message:
                problems.append((name, message))
        if config.destination and "." in config.destination:
            problems.append(("destination", "a plain name, without dots"))
        if config.include == "selected":
            if not config.fields:
                problems.append(("fields", "include 'selected' needs the fields to copy"))
            problems += paths_problems("fields", config.fields)
        return problems

    async def execute(self, ctx: StepContext, config: SplitOutConfig, input: Any) -> NodeResult:
        many, data = object_or_list_at(input, config.source)
        items = data if many else [data]
        return NodeResult(
            await off_loop_if_big(len(items), lambda: self._split(items, many, config))
        )

    def _split(self, items: list[Any], many: bool, config: SplitOutConfig) -> dict[str, Any]:
        out: list[Any] = []
        for index, item in enumerate(items):
            where = f"item {index}" if many else "the input"
            elements = get_path(item, config.field, where)
            if not isinstance(elements, list):
                raise DataError(
                    f"{where}: '{config.field}' is {kind_of(elements)}, not a list to split"
                )
            base = self._others(item, config, where)
            name = config.destination or config.field.split(".")[-1]
            for element in elements:
                if config.include == "none" and not config.destination:
                    out.append(copied(element) if isinstance(element, dict) else {name: element})
                else:
                    out.append({**copied(base), name: copied(element)})
        return items_result(out)

    def _others(self, item: Any, config: SplitOutConfig, where: str) -> dict[str, Any]:
        if config.include == "none":
            return {}
        if not isinstance(item, dict):
            raise DataError(f"{where} is {kind_of(item)}; only an object has other fields")
        if config.include == "all":
            base: dict[str, Any] = copied(item)
            pop_path(base, config.field)  # the list itself is what is split
            return base
        picked: dict[str, Any] = {}
        for path in config.fields:
            set_path(picked, path, get_path(item, path, where))
        return picked
