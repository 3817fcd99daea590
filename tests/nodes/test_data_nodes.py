"""The data nodes on a real engine: each case runs start → node → end as a published
workflow and checks the step's output as stored (JSON kinds included: 3 is not 3.0)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.engine.service import Engine
from app.engine.workflows import WorkflowInvalid
from tests.conftest import chain_workflow

ORDERS = [
    {"id": 1, "customer": {"name": "bea", "country": "FR"}, "amount": 10, "tags": ["a"]},
    {"id": 2, "customer": {"name": "Al", "country": "DE"}, "amount": 2.5, "tags": []},
    {"id": 3, "customer": {"name": "cy", "country": "FR"}, "amount": 7, "tags": ["a", "b"]},
    {"id": 4, "customer": {"name": "Al", "country": "DE"}, "amount": None},
]


def same(actual: Any, expected: Any) -> bool:
    """Equal as JSON: 1 and 1.0 (and True) differ."""
    return json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True)


async def run_node(engine: Engine, type_: str, config: dict[str, Any], input: Any) -> Any:
    """The run's result: the node's stored output, or the step's error message."""
    engine.import_workflow(chain_workflow({"type": type_, "config": config}))
    run = await engine.run("wf", input)
    step = engine.steps(run.id)[1]
    if run.status != "succeeded":
        assert step.error is not None
        return ("error", step.error["message"])
    return step.output


def ids(output: dict[str, Any]) -> list[Any]:
    return [item["id"] for item in output["items"]]


# -- sort, limit, remove duplicates ---------------------------------------------------------------

SORTS: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("numbers as numbers", {"by": [{"field": "amount"}]}, [2, 3, 1, 4]),
    ("descending, null last", {"by": [{"field": "amount", "order": "desc"}]}, [1, 3, 2, 4]),
    ("nested text, any case", {"by": [{"field": "customer.name"}]}, [2, 4, 1, 3]),
    (
        "two keys",
        {"by": [{"field": "customer.country"}, {"field": "id", "order": "desc"}]},
        [4, 2, 3, 1],
    ),
    ("missing field last", {"by": [{"field": "tags.1"}]}, [3, 1, 2, 4]),
]


@pytest.mark.parametrize(("name", "config", "order"), SORTS, ids=[s[0] for s in SORTS])
async def test_sort(engine: Engine, name: str, config: dict[str, Any], order: list[int]) -> None:
    output = await run_node(engine, "sort", config, {"items": ORDERS})
    assert ids(output) == order
    assert output["count"] == 4


@pytest.mark.parametrize(
    ("config", "values", "expected"),
    [
        ({}, ["b", "B", "a"], ["a", "B", "b"]),
        ({"case_sensitive": True}, ["b", "B", "a"], ["B", "a", "b"]),
        ({}, ["x", 2, True, 1.5, None, {"k": 1}], [1.5, 2, "x", True, {"k": 1}, None]),
        ({"descending": True}, [3, 10, 2.5], [10, 3, 2.5]),
    ],
)
async def test_sort_plain_values(
    engine: Engine, config: dict[str, Any], values: list[Any], expected: list[Any]
) -> None:
    output = await run_node(engine, "sort", {"field": "values", **config}, {"values": values})
    assert same(output["items"], expected)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"max_items": 2}, [1, 2]),
        ({"max_items": 2, "keep": "last"}, [3, 4]),
        ({"max_items": 0, "keep": "last"}, []),
        ({"max_items": 10}, [1, 2, 3, 4]),
    ],
)
async def test_limit(engine: Engine, config: dict[str, Any], expected: list[int]) -> None:
    output = await run_node(engine, "limit", config, {"items": ORDERS})
    assert ids(output) == expected


@pytest.mark.parametrize(
    ("config", "expected", "removed"),
    [
        ({"fields": ["customer.name"]}, [1, 2, 3], 1),
        ({"fields": ["customer.name"], "keep": "last"}, [1, 3, 4], 1),
        ({"fields": ["customer.country"]}, [1, 2], 2),
        ({"fields": ["customer.country", "tags.0"]}, [1, 2], 2),
        ({}, [1, 2, 3, 4], 0),
    ],
)
async def test_remove_duplicates(
    engine: Engine, config: dict[str, Any], expected: list[int], removed: int
) -> None:
    output = await run_node(engine, "remove_duplicates", config, {"items": ORDERS})
    assert ids(output) == expected
    assert output["removed"] == removed


async def test_remove_duplicates_of_whole_values_keeps_kinds_apart(engine: Engine) -> None:
    values = [1, 1.0, "1", 1, {"a": 1, "b": 2}, {"b": 2, "a": 1}, True]
    output = await run_node(engine, "remove_duplicates", {"field": "v"}, {"v": values})
    assert same(output["items"], [1, 1.0, "1", {"a": 1, "b": 2}, True])


# -- aggregate and split out ----------------------------------------------------------------------


async def test_aggregate_totals_keep_number_kinds(engine: Engine) -> None:
    rows = [{"n": 1, "x": 1.5, "s": "b"}, {"n": 2, "x": 2.5, "s": "a"}, {"n": 4, "s": "c"}]
    aggregations = [
        {"op": "count"},
        {"op": "sum", "field": "n"},
        {"op": "sum", "field": "x"},
        {"op": "average", "field": "n"},
        {"op": "min", "field": "n"},
        {"op": "max", "field": "s"},
        {"op": "collect", "field": "x", "output": "xs"},
        {"op": "count", "field": "x"},
        {"op": "count_unique", "field": "s"},
    ]
    output = await run_node(
        engine, "aggregate", {"field": "rows", "aggregations": aggregations}, {"rows": rows}
    )
    assert same(
        output,
        {
            "count": 3,
            "sum_n": 7,
            "sum_x": 4.0,
            "average_n": 7 / 3,
            "min_n": 1,
            "max_s": "c",
            "xs": [1.5, 2.5],
            "count_x": 2,
            "count_unique_s": 3,
        },
    )


async def test_aggregate_by_group(engine: Engine) -> None:
    config = {
        "group_by": ["customer.country"],
        "aggregations": [
            {"op": "count", "output": "orders"},
            {"op": "sum", "field": "amount", "output": "total"},
            {"op": "collect", "field": "id", "output": "ids"},
        ],
    }
    output = await run_node(engine, "aggregate", config, {"items": ORDERS})
    assert same(
        output,
        {
            "items": [
                {"customer": {"country": "FR"}, "orders": 2, "total": 17, "ids": [1, 3]},
                {"customer": {"country": "DE"}, "orders": 2, "total": 2.5, "ids": [2, 4]},
            ],
            "count": 2,
        },
    )


async def test_aggregate_of_an_empty_list(engine: Engine) -> None:
    aggregations = [{"op": "sum", "field": "n"}, {"op": "average", "field": "n"}, {"op": "count"}]
    output = await run_node(engine, "aggregate", {"aggregations": aggregations}, {"items": []})
    assert same(output, {"sum_n": 0, "average_n": None, "count": 0})


ORDER = {"order": 7, "who": "ann", "lines": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]}

SPLITS: list[tuple[dict[str, Any], Any, list[Any]]] = [
    ({"field": "lines"}, ORDER, [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]),
    (
        {"field": "lines", "include": "all", "destination": "line"},
        ORDER,
        [
            {"order": 7, "who": "ann", "line": {"sku": "A", "qty": 1}},
            {"order": 7, "who": "ann", "line": {"sku": "B", "qty": 2}},
        ],
    ),
    (
        {"field": "lines", "include": "selected", "fields": ["order"]},
        ORDER,
        [
            {"order": 7, "lines": {"sku": "A", "qty": 1}},
            {"order": 7, "lines": {"sku": "B", "qty": 2}},
        ],
    ),
    (
        {"field": "tags", "source": "items", "include": "selected", "fields": ["id"]},
        {"items": ORDERS[:3]},
        [{"id": 1, "tags": "a"}, {"id": 3, "tags": "a"}, {"id": 3, "tags": "b"}],
    ),
    ({"field": "data.tags"}, {"data": {"tags": [1, 2]}}, [{"tags": 1}, {"tags": 2}]),
]


@pytest.mark.parametrize(("config", "input", "expected"), SPLITS)
async def test_split_out(
    engine: Engine, config: dict[str, Any], input: Any, expected: list[Any]
) -> None:
    output = await run_node(engine, "split_out", config, input)
    assert same(output, {"items": expected, "count": len(expected)})


# -- fields ---------------------------------------------------------------------------------------

PERSON = {"id": 1, "name": "Ann", "address": {"city": "Lyon", "zip": "69001"}, "x": True}

FIELDS: list[tuple[str, dict[str, Any], Any]] = [
    ("rename_fields", {"renames": {"name": "full_name"}}, {**PERSON, "full_name": "Ann"}),
    (
        "rename_fields",
        {"renames": {"address.city": "city"}},
        {"id": 1, "name": "Ann", "address": {"zip": "69001"}, "x": True, "city": "Lyon"},
    ),
    (
        "rename_fields",
        {"renames": {"id": "x", "x": "id"}},
        {"id": True, "name": "Ann", "address": PERSON["address"], "x": 1},
    ),
    ("pick_fields", {"fields": ["id", "address.city"]}, {"id": 1, "address": {"city": "Lyon"}}),
    ("drop_fields", {"fields": ["address", "x"]}, {"id": 1, "name": "Ann"}),
    (
        "drop_fields",
        {"fields": ["address.zip", "nope"], "ignore_missing": True},
        {"id": 1, "name": "Ann", "address": {"city": "Lyon"}, "x": True},
    ),
]


@pytest.mark.parametrize(("type_", "config", "expected"), FIELDS)
async def test_field_nodes_on_an_object(
    engine: Engine, type_: str, config: dict[str, Any], expected: Any
) -> None:
    output = await run_node(engine, type_, config, PERSON)
    if type_ == "rename_fields" and "full_name" in json.dumps(expected):
        expected = {k: v for k, v in expected.items() if k != "name"}
    assert same(output, expected)


async def test_field_nodes_on_each_item_of_a_list(engine: Engine) -> None:
    output = await run_node(
        engine,
        "pick_fields",
        {"source": "items", "fields": ["id", "customer.name"]},
        {"items": ORDERS[:2]},
    )
    assert same(
        output,
        {
            "items": [
                {"id": 1, "customer": {"name": "bea"}},
                {"id": 2, "customer": {"name": "Al"}},
            ],
            "count": 2,
        },
    )


# -- date & time ----------------------------------------------------------------------------------

DATES: list[tuple[dict[str, Any], Any]] = [
    (
        {
            "operation": "parse",
            "value": "06/12/2026 10:30",
            "input_format": "%d/%m/%Y %H:%M",
            "timezone": "Europe/Paris",
        },
        "2026-12-06T10:30:00+01:00",
    ),
    (
        {"operation": "parse", "value": "2026-12-06T10:30:00Z", "timezone": "Asia/Tokyo"},
        "2026-12-06T19:30:00+09:00",
    ),
    ({"operation": "parse", "value": "{{ 0 }}"}, "1970-01-01T00:00:00+00:00"),
    (
        {"operation": "format", "value": "2026-12-06T10:30:00Z", "format": "%d %B %Y, %H:%M"},
        "06 December 2026, 10:30",
    ),
    (
        {"operation": "add", "value": "2026-01-31", "amount": 1, "unit": "months"},
        "2026-02-28T00:00:00+00:00",
    ),
    (
        {"operation": "add", "value": "2024-02-29", "amount": 1, "unit": "years"},
        "2025-02-28T00:00:00+00:00",
    ),
    (
        {
            "operation": "subtract",
            "value": "2026-03-01T12:00:00Z",
            "amount": "{{ params.n }}",
            "unit": "hours",
        },
        "2026-03-01T09:00:00+00:00",
    ),
    # across the spring DST change in Paris: a day is a calendar day, 24 hours are 24 hours
    (
        {
            "operation": "add",
            "value": "2026-03-28T12:00:00",
            "amount": 1,
            "unit": "days",
            "timezone": "Europe/Paris",
        },
        "2026-03-29T12:00:00+02:00",
    ),
    (
        {
            "operation": "add",
            "value": "2026-03-28T12:00:00",
            "amount": 24,
            "unit": "hours",
            "timezone": "Europe/Paris",
        },
        "2026-03-29T13:00:00+02:00",
    ),
    (
        {
            "operation": "difference",
            "value": "2026-12-01",
            "end": "2026-12-06T12:00:00",
            "unit": "days",
        },
        5.5,
    ),
    ({"operation": "difference", "value": "2026-12-01", "end": "2026-12-08", "unit": "weeks"}, 1),
    # whole calendar months, as add counts them: Jan 31 + 3 months is Apr 30
    ({"operation": "difference", "value": "2026-01-31", "end": "2026-04-30", "unit": "months"}, 3),
    ({"operation": "difference", "value": "2026-01-31", "end": "2026-04-29", "unit": "months"}, 2),
    ({"operation": "difference", "value": "2026-05-31", "end": "2026-01-31", "unit": "months"}, -4),
    ({"operation": "difference", "value": "2020-06-01", "end": "2026-05-31", "unit": "years"}, 5),
    (
        {
            "operation": "convert",
            "value": "2026-07-01T12:00:00Z",
            "to_timezone": "America/New_York",
        },
        "2026-07-01T08:00:00-04:00",
    ),
]


@pytest.mark.parametrize(("config", "expected"), DATES)
async def test_date_time(engine: Engine, config: dict[str, Any], expected: Any) -> None:
    output = await run_node(engine, "date_time", config, {"n": 3})
    name = {"format": "formatted", "difference": "difference"}.get(config["operation"], "date")
    assert same(output, {"n": 3, name: expected})


async def test_date_time_now_into_a_named_field(engine: Engine) -> None:
    output = await run_node(
        engine,
        "date_time",
        {"operation": "now", "timezone": "Europe/Paris", "output_field": "at", "keep_input": False},
        {"n": 1},
    )
    assert list(output) == ["at"]
    assert output["at"][-6:] in ("+01:00", "+02:00")


# -- CSV, JSON and text ---------------------------------------------------------------------------

CSV_TEXT = 'id,name,score,note\n1,"Smith, Ann",9.5,\n2,Bob,10,"two\nlines"\n\n3,007,-1,true\n'


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {},
            [
                {"id": "1", "name": "Smith, Ann", "score": "9.5", "note": ""},
                {"id": "2", "name": "Bob", "score": "10", "note": "two\nlines"},
                {"id": "3", "name": "007", "score": "-1", "note": "true"},
            ],
        ),
        (
            {"infer_types": True},
            [
                {"id": 1, "name": "Smith, Ann", "score": 9.5, "note": None},
                {"id": 2, "name": "Bob", "score": 10, "note": "two\nlines"},
                {"id": 3, "name": "007", "score": -1, "note": True},
            ],
        ),
    ],
)
async def test_parse_csv(engine: Engine, config: dict[str, Any], expected: list[Any]) -> None:
    output = await run_node(
        engine, "parse_csv", {"text": "{{ params.csv }}", **config}, {"csv": CSV_TEXT}
    )
    assert same(output, {"items": expected, "count": 3, "columns": ["id", "name", "score", "note"]})


async def test_parse_csv_from_excel_drops_the_byte_order_mark(engine: Engine) -> None:
    output = await run_node(
        engine,
        "parse_csv",
        {"text": "{{ params.csv }}", "delimiter": ";"},
        {"csv": "\ufeffid;name\r\n1;Ann\r\n"},
    )
    assert output == {"items": [{"id": "1", "name": "Ann"}], "count": 1, "columns": ["id", "name"]}


async def test_parse_csv_without_header_and_other_delimiter(engine: Engine) -> None:
    output = await run_node(
        engine,
        "parse_csv",
        {"text": "{{ params.csv }}", "header": False, "delimiter": "\\t"},
        {"csv": "a\tb\nc\td\n"},
    )
    assert same(output["items"], [["a", "b"], ["c", "d"]])


async def test_write_csv_then_parse_round_trips(engine: Engine) -> None:
    rows = [{"id": 1, "name": "Smith, Ann", "ok": True}, {"id": 2, "tags": ["x"], "name": None}]
    written = await run_node(engine, "write_csv", {}, {"items": rows})
    assert written == {
        "text": 'id,name,ok,tags\n1,"Smith, Ann",true,\n2,,,"[""x""]"\n',
        "count": 2,
    }
    engine.import_workflow(
        chain_workflow(
            {"type": "write_csv", "config": {"columns": ["name", "id"], "delimiter": ";"}},
            {
                "type": "parse_csv",
                "config": {"text": "{{ input.text }}", "delimiter": ";", "infer_types": True},
            },
        )
    )
    run = await engine.run("wf", {"items": rows})
    assert same(
        engine.steps(run.id)[2].output["items"],
        [{"name": "Smith, Ann", "id": 1}, {"name": None, "id": 2}],
    )


async def test_json_round_trip_keeps_kinds(engine: Engine) -> None:
    value = {"int": 3, "float": 3.0, "big": 2**70, "list": [None, True, "é"]}
    engine.import_workflow(
        chain_workflow(
            {"type": "write_json", "config": {"value": "{{ params.value }}", "indent": 0}},
            {"type": "parse_json", "config": {"text": "{{ input.text }}"}},
        )
    )
    run = await engine.run("wf", {"value": value})
    steps = engine.steps(run.id)
    assert steps[1].output == {"text": json.dumps(value, ensure_ascii=False, separators=(",", ":"))}
    assert same(steps[2].output, {"data": value})


async def test_write_json_indented_and_sorted(engine: Engine) -> None:
    output = await run_node(engine, "write_json", {"sort_keys": True}, {"b": 1, "a": [1]})
    assert output["text"] == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}'


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hello {{ input.name }}, you owe {{ input.amount * 2 }}.", "Hello Ann, you owe 5.0."),
        ("{{ input.tags }}", '["a", "b"]'),
        ("{{ input.missing_ok if 'missing_ok' in input else 'none' }}", "none"),
    ],
)
async def test_text_template(engine: Engine, template: str, expected: str) -> None:
    output = await run_node(
        engine,
        "text_template",
        {"template": template},
        {"name": "Ann", "amount": 2.5, "tags": ["a", "b"]},
    )
    assert output == {"text": expected}


# -- bad input ------------------------------------------------------------------------------------

BAD_RUNS: list[tuple[str, dict[str, Any], Any, str]] = [
    # a field no item has is a typo, not "missing everywhere"
    (
        "sort",
        {"by": [{"field": "amout"}]},
        {"items": ORDERS},
        "no item has the field 'amout'; the first (it has: id, customer, amount, tags)",
    ),
    (
        "remove_duplicates",
        {"fields": ["customer.mail"]},
        {"items": ORDERS},
        "no item has the field 'customer.mail'",
    ),
    (
        "aggregate",
        {"group_by": ["contry"]},
        {"items": ORDERS},
        "no item has the field 'contry'",
    ),
    (
        "sort",
        {},
        {"rows": []},
        "the input is an object, not a list: set 'field' to the list to use (it has: rows)",
    ),
    (
        "sort",
        {"field": "rows.all"},
        {"rows": {"some": 1}},
        "the input has no field 'rows.all': no 'all' in rows (it has: some)",
    ),
    ("limit", {"field": "n"}, {"n": 3}, "the field 'n' is a number, not a list"),
    (
        "aggregate",
        {"aggregations": [{"op": "sum", "field": "name"}]},
        {"items": [{"name": "x"}]},
        "sum of 'name': item 0 holds text, not a number",
    ),
    (
        "aggregate",
        {"aggregations": [{"op": "max", "field": "v"}]},
        {"items": [{"v": 1}, {"v": "a"}]},
        "max of 'v' needs all numbers or all texts, found number and text",
    ),
    (
        "split_out",
        {"field": "lines"},
        {"lines": "abc"},
        "the input: 'lines' is text, not a list to split",
    ),
    (
        "split_out",
        {"field": "lines", "source": "items"},
        {"items": [{"lines": []}, {"x": 1}]},
        "item 1 has no field 'lines': no 'lines' in item 1 (it has: x)",
    ),
    (
        "pick_fields",
        {"fields": ["id", "emial"]},
        {"id": 1, "email": "a@b"},
        "the input has no field 'emial': no 'emial' in the input (it has: id, email)",
    ),
    (
        "rename_fields",
        {"renames": {"address.town": "t"}},
        PERSON,
        "the input has no field 'address.town': no 'town' in address (it has: city, zip)",
    ),
    (
        "drop_fields",
        {"source": "items", "fields": ["x"]},
        {"items": [{"x": 1}, 5]},
        "item 1 is a number, not an object",
    ),
    (
        "date_time",
        {"value": "{{ params.d }}"},
        {"d": "6 Dec 2026"},
        "'6 Dec 2026' is not a date in ISO 8601 (e.g. 2026-12-06T10:30:00Z)",
    ),
    (
        "date_time",
        {"value": "{{ params.d }}", "input_format": "%d/%m/%Y"},
        {"d": "2026-12-06"},
        "'2026-12-06' is not a date in the format '%d/%m/%Y'",
    ),
    (
        "date_time",
        {"operation": "add", "value": "2026-01-01", "amount": "{{ 'x' }}"},
        {},
        "the amount is text, not a number",
    ),
    (
        "date_time",
        {"operation": "add", "value": "2026-01-01", "amount": 1.5, "unit": "months"},
        {},
        "1.5 months: months and years must be whole numbers",
    ),
    (
        "date_time",
        {"value": "{{ params.d }}"},
        {"d": [1]},
        "the date is a list, not text or a number",
    ),
    (
        "parse_csv",
        {"text": "{{ params.t }}"},
        {"t": "a,b\n1,2\n3\n"},
        "CSV line 3 has 1 fields, the header has 2",
    ),
    (
        "parse_csv",
        {"text": "{{ params.t }}"},
        {"t": 'a,b\n1,"x"y\n'},
        "CSV line 2: ',' expected after '\"'",
    ),
    (
        "parse_csv",
        {"text": "{{ params.t }}"},
        {"t": "a,a\n1,2\n"},
        "CSV line 1: the header names 'a' twice",
    ),
    ("parse_csv", {"text": "{{ params.t }}"}, {"t": 12}, "the CSV text is a number, not text"),
    ("write_csv", {}, {"items": [{"a": 1}, "b"]}, "item 1 is text, not an object (a row)"),
    (
        "parse_json",
        {"text": "{{ params.t }}"},
        {"t": '{\n  "a": 1,\n  "b": }'},
        "JSON line 3 column 8: Expecting value",
    ),
    ("parse_json", {"text": "{{ params.t }}"}, {"t": '{"a": NaN}'}, "JSON: NaN is not JSON"),
    ("write_json", {"value": "{{ params.x }}"}, {"x": float("inf")}, "cannot write as JSON: "),
]


@pytest.mark.parametrize(("type_", "config", "input", "message"), BAD_RUNS)
async def test_bad_input_fails_the_step_saying_where(
    engine: Engine, type_: str, config: dict[str, Any], input: Any, message: str
) -> None:
    result = await run_node(engine, type_, config, input)
    assert result[0] == "error", result
    assert result[1].startswith(message), result[1]


BAD_CONFIGS: list[tuple[str, dict[str, Any], str, str]] = [
    ("sort", {"by": [{"field": "a..b"}]}, "by[0]", "has an empty part"),
    ("sort", {"field": "."}, "field", "has an empty part"),
    ("remove_duplicates", {"fields": ["a", "a"]}, "fields[1]", "'a' is listed twice"),
    ("aggregate", {"aggregations": []}, "aggregations", "there is nothing to compute"),
    ("aggregate", {"aggregations": [{"op": "sum"}]}, "aggregations[0].field", "sum needs a field"),
    ("aggregate", {"aggregations": [{"op": "median", "field": "x"}]}, "aggregations", ""),
    (
        "aggregate",
        {"aggregations": [{"op": "count"}, {"op": "sum", "field": "n", "output": "count"}]},
        "aggregations[1].output",
        "'count' is the name of two results",
    ),
    (
        "aggregate",
        {"group_by": ["country"], "aggregations": [{"op": "count", "output": "country"}]},
        "aggregations[0].output",
        "also a group field",
    ),
    ("split_out", {"field": ""}, "field", "the field name is empty"),
    ("split_out", {"field": "x", "include": "selected"}, "fields", "needs the fields to copy"),
    ("pick_fields", {"fields": []}, "fields", "no field to keep"),
    ("drop_fields", {"fields": []}, "fields", "no field to remove"),
    ("rename_fields", {"renames": {}}, "renames", "there is nothing to rename"),
    (
        "rename_fields",
        {"renames": {"a": "c", "b": "c"}},
        "renames",
        "two fields are renamed to 'c'",
    ),
    (
        "date_time",
        {"value": "x", "timezone": "Mars/Olympus"},
        "timezone",
        "unknown time zone 'Mars/Olympus'",
    ),
    ("date_time", {"operation": "convert", "value": "x"}, "to_timezone", "convert needs"),
    ("date_time", {"value": "x", "format": "yyyy-MM-dd"}, "format", "has no % directives"),
    ("date_time", {"value": "x", "input_format": "%Y-%Q"}, "input_format", "unknown directive %Q"),
    ("date_time", {"value": ""}, "value", "the date to work on is empty"),
    ("date_time", {"operation": "difference", "value": "x"}, "end", "difference needs the end"),
    ("date_time", {"value": "x", "amount": "soon"}, "amount", "'soon' is not a number"),
    ("parse_csv", {"text": "x", "delimiter": ",,"}, "delimiter", "is not one character"),
    ("parse_json", {"text": "{{ input. }}"}, "text", ""),
    ("text_template", {"template": "Hi {{ name"}, "template", ""),
]


@pytest.mark.parametrize(("type_", "config", "field", "text"), BAD_CONFIGS)
async def test_config_problems_show_before_publishing(
    engine: Engine, type_: str, config: dict[str, Any], field: str, text: str
) -> None:
    with pytest.raises(WorkflowInvalid) as refused:
        engine.import_workflow(chain_workflow({"type": type_, "config": config}))
    problems = [p for p in refused.value.problems if p.node_id == "n1"]
    assert any(field in (p.field or "") and text in p.message for p in problems), problems


# -- what later nodes may read --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "good", "bad"),
    [
        ({"type": "sort", "config": {}}, "input.items", "input.itmes"),
        ({"type": "remove_duplicates", "config": {}}, "input.removed", "input.duplicates"),
        ({"type": "parse_csv", "config": {"text": "x"}}, "input.columns", "input.rows"),
        ({"type": "aggregate", "config": {}}, "input.count", "input.items"),
        (
            {"type": "aggregate", "config": {"aggregations": [{"op": "sum", "field": "a.b"}]}},
            "input.sum_a_b",
            "input.sum",
        ),
        ({"type": "aggregate", "config": {"group_by": ["x"]}}, "input.items", "input.x"),
        ({"type": "parse_json", "config": {"text": "x"}}, "input.data.anything", "input.json"),
        ({"type": "text_template", "config": {"template": "x"}}, "input.text", "input.body"),
        (
            {"type": "storage", "config": {"operation": "increment", "key": "k"}},
            "input.value",
            "input.found",
        ),
        (
            {
                "type": "date_time",
                "config": {
                    "operation": "difference",
                    "value": "x",
                    "end": "y",
                    "keep_input": False,
                },
            },
            "input.difference",
            "input.date",
        ),
    ],
)
async def test_later_nodes_may_read_only_the_keys_a_data_node_outputs(
    engine: Engine, node: dict[str, Any], good: str, bad: str
) -> None:
    def flow(expression: str) -> dict[str, Any]:
        return chain_workflow(
            node, {"type": "log", "config": {"message": f"{{{{ {expression} }}}}"}}
        )

    engine.import_workflow(flow(good))
    with pytest.raises(WorkflowInvalid) as refused:
        engine.import_workflow(flow(bad))
    assert [p.node_id for p in refused.value.problems] == ["n2"]
    assert f"has no key '{bad.split('.')[1]}'" in refused.value.problems[0].message


async def test_big_lists_are_worked_on_a_thread_with_the_same_results(engine: Engine) -> None:
    rows = [{"id": i, "group": i % 3, "n": (i * 7919) % 1000} for i in range(6000)]
    sort = await run_node(
        engine, "sort", {"by": [{"field": "n"}, {"field": "id"}]}, {"items": rows}
    )
    assert sort["items"] == sorted(rows, key=lambda r: (r["n"], r["id"]))
    totals = await run_node(
        engine,
        "aggregate",
        {"group_by": ["group"], "aggregations": [{"op": "sum", "field": "n"}]},
        {"items": rows},
    )
    assert totals["items"] == [
        {"group": g, "sum_n": sum(r["n"] for r in rows if r["group"] == g)} for g in range(3)
    ]
    rows[5999]["n"] = "x"  # the error raised on the worker thread fails the step as usual
    bad = await run_node(
        engine, "aggregate", {"aggregations": [{"op": "sum", "field": "n"}]}, {"items": rows}
    )
    assert bad == ("error", "sum of 'n': item 5999 holds text, not a number")
