"""The date_time node (n8n's Date & Time): parse, format, add, subtract, difference, convert
between time zones, or now. Dates come from templates; results are ISO 8601 text (or the
format asked for) put in a field of the output."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import render_config
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext
from app.nodes.data_dates import (
    Unit,
    difference,
    format_problem,
    parse,
    render,
    shift,
    zone,
    zone_problem,
)
from app.nodes.data_paths import DataError, kind_of

Operation = Literal["parse", "format", "add", "subtract", "difference", "convert", "now"]

DEFAULT_OUTPUT = {
    "parse": "date",
    "format": "formatted",
    "add": "date",
    "subtract": "date",
    "difference": "difference",
    "convert": "date",
    "now": "now",
}


class DateTimeConfig(NodeConfig):
    operation: Operation = Field(
        "format",
        description="parse: read a date; format: write it with `format`; add / subtract: move "
        "it by `amount` `unit`s; difference: `end` minus `value` in `unit`s; convert: into "
        "`to_timezone`; now: the current time",
    )
    value: str = Field(
        "", description="The date: {{ expressions }} giving ISO 8601 text or Unix seconds"
    )
    input_format: str = Field(
        "",
        description="How `value` is written, e.g. %d/%m/%Y %H:%M; empty: ISO 8601 or Unix seconds",
    )
    timezone: str = Field(
        "UTC", description="Time zone of dates written without one, and of the result"
    )
    format: str = Field("", description="format: the output, e.g. %Y-%m-%d; empty: ISO 8601")
    amount: int | float | str = Field(
        0, description="add / subtract: how many units (a number or a {{ expression }})"
    )
    unit: Unit = Field("days", description="add / subtract / difference: the unit")
    end: str = Field("", description="difference: the later date ({{ expressions }})")
    to_timezone: str = Field("", description="convert: the time zone to convert into")
    output_field: str = Field(
        "", description="Where the result goes; default date, formatted, difference or now"
    )
    keep_input: bool = Field(True, description="Add the result to the input object")


class DateTimeNode(NodeType[DateTimeConfig]):
    type_name = "date_time"
    title = "Date & time"
    category = "Data"
    icon = "schedule"
    description = (
        "Works with dates: parse text in a format, format a date, add or subtract days, hours "
        "or months, the difference between two dates, conversion between time zones, or the "
        "current time. Results are ISO 8601 text added to the input."
    )
    config_model = DateTimeConfig

    def output_ports(self, config: DateTimeConfig) -> Sequence[Port]:
        return (Port("out", "object", "the input with the result"),)

    def config_problems(
        self, config: DateTimeConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = template_fields("value", config.value) + template_fields("end", config.end)
        op = config.operation
        if op != "now" and not config.value.strip():
            problems.append(("value", "the date to work on is empty"))
        if op == "difference" and not config.end.strip():
            problems.append(("end", "difference needs the end date"))
        if op == "convert" and not config.to_timezone:
            problems.append(("to_timezone", "convert needs the time zone to convert into"))
        for name in ("timezone", "to_timezone"):
            value = getattr(config, name)
            message = zone_problem(value) if value else None
            if message:
                problems.append((name, message))
        for name in ("input_format", "format"):
            message = format_problem(getattr(config, name))
            if message:
                problems.append((name, message))
        if isinstance(config.amount, str):
            if "{{" not in config.amount:
                problems.append(("amount", f"'{config.amount}' is not a number"))
            problems += template_fields("amount", config.amount)
        if "." in config.output_field:
            problems.append(("output_field", "a plain name, without dots"))
        return problems

    async def execute(self, ctx: StepContext, config: DateTimeConfig, input: Any) -> NodeResult:
        names = ctx.scope(input)
        home = zone(config.timezone)
        op = config.operation

        def read(template: str) -> datetime:
            return parse(render_config(template, names), config.input_format, home)

        result: Any
        if op == "now":
            result = render(datetime.now(home), config.format)
        elif op == "difference":
            result = difference(read(config.value), read(config.end), config.unit)
        elif op == "convert":
            result = render(read(config.value).astimezone(zone(config.to_timezone)), config.format)
        else:
            moment = read(config.value).astimezone(home)
            if op in ("add", "subtract"):
                amount = render_config(config.amount, names)
                if isinstance(amount, bool) or not isinstance(amount, int | float):
                    raise DataError(f"the amount is {kind_of(amount)}, not a number")
                moment = shift(moment, -amount if op == "subtract" else amount, config.unit)
            result = render(moment, config.format if op != "parse" else "")
        name = config.output_field or DEFAULT_OUTPUT[op]
        base = dict(input) if config.keep_input and isinstance(input, dict) else {}
        return NodeResult({**base, name: result})
