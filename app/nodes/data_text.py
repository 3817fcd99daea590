"""Text nodes: parse and write CSV, parse and write JSON, and a text template.

The text comes from a template (e.g. {{ input.body }}); parse errors name the line (and the
column for JSON) so a broken file is found quickly.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import render_config, render_template
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext
from app.nodes.data_lists import FIELD_DESCRIPTION, field_problem
from app.nodes.data_paths import (
    DataError,
    items_result,
    kind_of,
    list_at,
    lookup,
    off_loop_if_big,
)

TEXT_PORT = Port("out", "object", "{text}")
_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise DataError(f"the {what} is {kind_of(value)}, not text")
    return value


def _delimiter(text: str) -> str:
    return "\t" if text in ("\\t", "tab") else text


def _delimiter_problem(text: str) -> list[tuple[str, str]]:
    if len(_delimiter(text)) != 1:
        return [("delimiter", f"'{text}' is not one character (use \\t for a tab)")]
    return []


# -- CSV ----------------------------------------------------------------------------------------


class ParseCsvConfig(NodeConfig):
    text: str = Field(description="The CSV text, e.g. {{ input.body }}")
    delimiter: str = Field(",", description="The separator: , or ; or \\t for a tab")
    header: bool = Field(True, description="The first line names the columns (rows as objects)")
    infer_types: bool = Field(
        False,
        description="Turn 12 and 1.5 into numbers, true/false into booleans and empty cells "
        "into null (007 stays text)",
    )


def _infer(cell: str) -> Any:
    if cell == "":
        return None
    if _INT.fullmatch(cell):
        return int(cell)
    if _FLOAT.fullmatch(cell):
        return float(cell)
    lowered = cell.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return cell


def _header(row: list[str], line: int) -> list[str]:
    names = [name.strip() or f"column_{i + 1}" for i, name in enumerate(row)]
    for name in names:
        if names.count(name) > 1:
            raise DataError(f"CSV line {line}: the header names '{name}' twice")
    return names


def parse_csv(text: str, delimiter: str, header: bool, infer: bool) -> tuple[list[Any], list[str]]:
    """The rows (objects by column with a header, else lists) and the column names."""
    text = text.removeprefix("\ufeff")  # the byte order mark Excel writes before the header
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    columns: list[str] = []
    rows: list[Any] = []
    try:
        for row in reader:
            if not row or row == [""]:
                continue  # blank lines carry no row
            cells = [_infer(c) for c in row] if infer else row
            if header and not columns:
                columns = _header(row, reader.line_num)
                continue
            if header:
                if len(row) != len(columns):
                    raise DataError(
                        f"CSV line {reader.line_num} has {len(row)} fields, "
                        f"the header has {len(columns)}"
                    )
                rows.append(dict(zip(columns, cells, strict=True)))
            else:
                rows.append(cells)
    except csv.Error as err:
        raise DataError(f"CSV line {reader.line_num}: {err}") from None
    return rows, columns


class ParseCsvNode(NodeType[ParseCsvConfig]):
    type_name = "parse_csv"
    title = "Parse CSV"
    category = "Data"
    icon = "table_view"
    description = (
        "Reads CSV text into a list of rows: objects by column name when the first line is a "
        "header, else lists. Output {items, count, columns}."
    )
    config_model = ParseCsvConfig

    def output_ports(self, config: ParseCsvConfig) -> Sequence[Port]:
        return (Port("out", "object", "{items, count, columns}"),)

    def config_problems(
        self, config: ParseCsvConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return template_fields("text", config.text) + _delimiter_problem(config.delimiter)

    async def execute(self, ctx: StepContext, config: ParseCsvConfig, input: Any) -> NodeResult:
        text = _text(render_config(config.text, ctx.scope(input)), "CSV text")
        rows, columns = await off_loop_if_big(
            text.count("\n"),
            lambda: parse_csv(
                text, _delimiter(config.delimiter), config.header, config.infer_types
            ),
        )
        return NodeResult(items_result(rows, columns=columns))


class WriteCsvConfig(NodeConfig):
    field: str = Field("", description=FIELD_DESCRIPTION)
    columns: list[str] = Field(
        default_factory=list,
        description="Columns in order; none: every key of the items, in order of appearance",
    )
    delimiter: str = Field(",", description="The separator: , or ; or \\t for a tab")
    header: bool = Field(True, description="Write the column names as the first line")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_csv(items: list[Any], columns: list[str], delimiter: str, header: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    if all(isinstance(item, list) for item in items):  # rows given as lists
        if header and columns:
            writer.writerow(columns)
        writer.writerows([[_cell(v) for v in item] for item in items])
        return out.getvalue()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise DataError(f"item {index} is {kind_of(item)}, not an object (a row)")
    names = columns or list(dict.fromkeys(key for item in items for key in item))
    if header:
        writer.writerow(names)
    writer.writerows([[_cell(lookup(item, name)[1]) for name in names] for item in items])
    return out.getvalue()


class WriteCsvNode(NodeType[WriteCsvConfig]):
    type_name = "write_csv"
    title = "Write CSV"
    category = "Data"
    icon = "grid_on"
    description = (
        "Writes a list of objects (or of lists) as CSV text with a header line; nested values "
        "are written as JSON. Output {text, count}."
    )
    config_model = WriteCsvConfig

    def output_ports(self, config: WriteCsvConfig) -> Sequence[Port]:
        return (Port("out", "object", "{text, count}"),)

    def config_problems(
        self, config: WriteCsvConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = field_problem(config.field) + _delimiter_problem(config.delimiter)
        for index, name in enumerate(config.columns):
            if not name.strip():
                problems.append((f"columns[{index}]", "the column name is empty"))
        return problems

    async def execute(self, ctx: StepContext, config: WriteCsvConfig, input: Any) -> NodeResult:
        items = list_at(input, config.field)
        text = await off_loop_if_big(
            len(items),
            lambda: write_csv(items, config.columns, _delimiter(config.delimiter), config.header),
        )
        return NodeResult({"text": text, "count": len(items)})


# -- JSON ---------------------------------------------------------------------------------------


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as err:
        raise DataError(f"JSON line {err.lineno} column {err.colno}: {err.msg}") from None
    except ValueError as err:  # NaN, Infinity
        raise DataError(f"JSON: {err}") from None
    except RecursionError:
        raise DataError("JSON: nested too deeply") from None


class ParseJsonConfig(NodeConfig):
    text: str = Field(description="The JSON text, e.g. {{ input.body }}")
    output_field: str = Field("data", description="Where the parsed value goes")


class ParseJsonNode(NodeType[ParseJsonConfig]):
    type_name = "parse_json"
    title = "Parse JSON"
    category = "Data"
    icon = "data_object"
    description = "Reads JSON text into data. Output {data}; errors name the line and column."
    config_model = ParseJsonConfig

    def output_ports(self, config: ParseJsonConfig) -> Sequence[Port]:
        return (Port("out", "object", f"{{{config.output_field}}}"),)

    def config_problems(
        self, config: ParseJsonConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = template_fields("text", config.text)
        if not config.output_field.strip():
            problems.append(("output_field", "the output field name is empty"))
        return problems

    async def execute(self, ctx: StepContext, config: ParseJsonConfig, input: Any) -> NodeResult:
        text = _text(render_config(config.text, ctx.scope(input)), "JSON text")
        data = await off_loop_if_big(len(text) // 100, lambda: parse_json(text))
        return NodeResult({config.output_field: data})


class WriteJsonConfig(NodeConfig):
    value: Any = Field("{{ input }}", description="What to write: {{ expressions }} or a value")
    indent: int = Field(2, ge=0, le=8, description="Spaces per level; 0: one compact line")
    sort_keys: bool = Field(False, description="Write object keys in alphabetical order")


class WriteJsonNode(NodeType[WriteJsonConfig]):
    type_name = "write_json"
    title = "Write JSON"
    category = "Data"
    icon = "code"
    description = "Writes data as JSON text, indented or compact. Output {text}."
    config_model = WriteJsonConfig

    def output_ports(self, config: WriteJsonConfig) -> Sequence[Port]:
        return (TEXT_PORT,)

    def config_problems(
        self, config: WriteJsonConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return template_fields("value", config.value)

    async def execute(self, ctx: StepContext, config: WriteJsonConfig, input: Any) -> NodeResult:
        value = render_config(config.value, ctx.scope(input))
        try:
            text = json.dumps(
                value,
                ensure_ascii=False,
                allow_nan=False,
                sort_keys=config.sort_keys,
                indent=config.indent or None,
                separators=None if config.indent else (",", ":"),
            )
        except (TypeError, ValueError) as err:
            raise DataError(f"cannot write as JSON: {err}") from None
        return NodeResult({"text": text})


# -- text template ------------------------------------------------------------------------------


class TextTemplateConfig(NodeConfig):
    template: str = Field(
        description="The text, with {{ expressions }}, e.g. Hello {{ input.name }}",
        json_schema_extra={"x-ren-kind": "template"},
    )
    output_field: str = Field("text", description="Where the text goes")


class TextTemplateNode(NodeType[TextTemplateConfig]):
    type_name = "text_template"
    title = "Text template"
    category = "Data"
    icon = "article"
    description = (
        "Builds a text (a message, an email body, a report line) from a template with "
        "{{ expressions }} over the input. Output {text}."
    )
    config_model = TextTemplateConfig

    def output_ports(self, config: TextTemplateConfig) -> Sequence[Port]:
        return (Port("out", "object", f"{{{config.output_field}}}"),)

    def config_problems(
        self, config: TextTemplateConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = template_fields("template", config.template)
        if not config.output_field.strip():
            problems.append(("output_field", "the output field name is empty"))
        return problems

    async def execute(self, ctx: StepContext, config: TextTemplateConfig, input: Any) -> NodeResult:
        value = render_template(config.template, ctx.scope(input))
        if not isinstance(value, str):  # "{{ expr }}" alone gives the value itself
            value = "" if value is None else json.dumps(value, ensure_ascii=False)
        return NodeResult({config.output_field: value})
