import json
import threading
from typing import Any

import pytest
import simpleeval
from hypothesis import given
from hypothesis import strategies as st

from app.core.expressions import (
    CompiledExpression,
    ExpressionError,
    compile_expression,
    evaluate,
    expression_problem,
    expression_scope,
)

INPUT = {
    "data": {"amount": 1500, "items": [3, 1, 2], "name": "Bob", "tags": {"a": 1}},
    "status": "ok",
    "x": "a",
}


def scope(**extra: Any) -> dict[str, Any]:
    return expression_scope(
        input=INPUT,
        nodes={"scrape": {"product_count": 150, "rows": [{"id": 1}]}},
        params={"limit": 10},
        run={"id": "run-1", "started_at": "2026-01-01T00:00:00"},
        extra=extra or None,
    )


def error_of(source: str, names: dict[str, Any] | None = None) -> str:
    with pytest.raises(ExpressionError) as info:
        evaluate(source, scope() if names is None else names)
    assert info.value.expression == source
    return str(info.value)


# --- accepted constructs -----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("data.amount > 1000", True),
        ("data.amount <= 1000", False),
        ("1 < data.amount < 2000", True),
        ("data.amount == 1500 and status == 'ok'", True),
        ("data.amount != 1500 or not status", False),
        ("data.amount * 2 - 1", 2999),
        ("data.amount / 4", 375.0),
        ("data.amount // 7", 214),
        ("data.amount % 7", 2),
        ("2 ** 10", 1024),
        ("-data.amount", -1500),
        ("1500 ** 2", 2250000),
        ("'o' + 'k'", "ok"),
        ("'ab' * 3", "ababab"),
        ("[0] * 3", [0, 0, 0]),
        ("x in ['a', 'b']", True),
        ("x not in ('a', 'b')", False),
        ("'Bo' in data.name", True),
        ("'a' in data.tags", True),
        ("x in {'a', 'b'}", True),
        ("data.missing if False else 'fallback'", "fallback"),
        ("'big' if data.amount > 1000 else 'small'", "big"),
        ("input['x']", "a"),
        ("input['data']['items'][0]", 3),
        ("data.items[-1]", 2),
        ("data.items[1:]", [1, 2]),
        ("data['name'][::-1]", "boB"),
        ("[1, 2, *data.items]", [1, 2, 3, 1, 2]),
        ("{'a': 1, 'b': [x]}", {"a": 1, "b": ["a"]}),
        ("{**data.tags, 'b': 2}", {"a": 1, "b": 2}),
        ("(1, 2)", [1, 2]),
        ("[n * 2 for n in data.items if n > 1]", [6, 4]),
        ("{k: v for k, v in [['a', 1], ['b', 2]]}", {"a": 1, "b": 2}),
        ("any(n > 2 for n in data.items)", True),
        ("all(n > 2 for n in data.items)", False),
        ("f'{data.name} has {data.amount}'", "Bob has 1500"),
        ("x is None", False),
        ("data.missing_flag is not True if False else None", None),
        ("nodes.scrape.product_count >= 100", True),
        ("nodes['scrape'].rows[0].id", 1),
        ("params.limit", 10),
        ("run.id", "run-1"),
        ("input.status", "ok"),
        ("True and None", None),
        ("'a' < 'b'", True),
    ],
)
def test_accepted(source: str, expected: Any) -> None:
    assert evaluate(source, scope()) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("len(data.items)", 3),
        ("min(data.items)", 1),
        ("min(4, 5)", 4),
        ("max(data.items)", 3),
        ("max([], default=0)", 0),
        ("abs(-2)", 2),
        ("round(2.567, 2)", 2.57),
        ("round(2.5)", 2),
        ("int('42')", 42),
        ("int(3.9)", 3),
        ("float('1.5')", 1.5),
        ("str(15)", "15"),
        ("str()", ""),
        ("bool([])", False),
        ("sum(data.items)", 6),
        ("sum([0.5, 1], 1)", 2.5),
        ("sorted(data.items)", [1, 2, 3]),
        ("sorted(data.items, reverse=True)", [3, 2, 1]),
        ("any([])", False),
        ("all([])", True),
        ("lower(data.name)", "bob"),
        ("upper(data.name)", "BOB"),
        ("contains(data.items, 2)", True),
        ("contains(data.name, 'ob')", True),
        ("contains(data.tags, 'z')", False),
        ("startswith(data.name, 'B')", True),
        ("startswith(data.name, ['x', 'Bo'])", True),
        ("endswith(data.name, 'x')", False),
        ("keys(data.tags)", ["a"]),
        ("values(data.tags)", [1]),
        ("get(data, 'missing')", None),
        ("get(data, 'missing', 5)", 5),
        ("get(data, 'name')", "Bob"),
        ("get(data.items, 0)", 3),
        ("get(data.items, 9, 'none')", "none"),
    ],
)
def test_functions(source: str, expected: Any) -> None:
    assert evaluate(source, scope()) == expected


def test_dot_access_is_a_key_lookup_never_a_method() -> None:
    names = expression_scope(
        input={"data": {"items": [1], "keys": "k", "pop": 0, "get": 1}}, nodes={}, params={}, run={}
    )
    assert evaluate("data.items", names) == [1]
    assert evaluate("data.keys", names) == "k"
    assert evaluate("data.pop", names) == 0
    assert evaluate("data.get", names) == 1


def test_compiled_expression_is_reused() -> None:
    compiled = compile_expression("data.amount > 1000")
    assert isinstance(compiled, CompiledExpression)
    assert compile_expression("data.amount > 1000") is compiled  # cached
    assert evaluate(compiled, scope()) is True
    small = expression_scope(input={"data": {"amount": 5}}, nodes={}, params={}, run={})
    assert evaluate(compiled, small) is False


def test_leading_and_trailing_whitespace_is_fine() -> None:
    assert evaluate("  data.amount\n", scope()) == 1500


def test_expression_problem() -> None:
    assert expression_problem("data.amount > 1000") is None
    assert expression_problem("amout > 1") is None  # names are only known at run time
    assert expression_problem("open('f')") == "function 'open' is not allowed"
    assert expression_problem("") == "expression is empty"


def test_threads_evaluate_independently() -> None:
    compiled = compile_expression("[n * k for n in [1, 2, 3]]")
    results: dict[int, Any] = {}

    def work(k: int) -> None:
        for _ in range(200):
            results[k] = evaluate(compiled, {"k": k})

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {k: [k, 2 * k, 3 * k] for k in range(8)}


# --- rejected at compile time ------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("data.pop('x')", "method call '.pop()' is not allowed"),
        ("''.join(['a'])", "method call '.join()' is not allowed"),
        ("data.name.upper()", "method call '.upper()' is not allowed"),
        ("x.__class__", "attribute '__class__' is not allowed"),
        ("data._private", "attribute '_private' is not allowed"),
        ("open('f')", "function 'open' is not allowed"),
        ("__import__('os')", "function '__import__' is not allowed"),
        ("now()", "function 'now' is not allowed"),
        ("eval('1')", "function 'eval' is not allowed"),
        ("getattr(data, 'x')", "function 'getattr' is not allowed"),
        ("type(x)", "function 'type' is not allowed"),
        ("list(x)", "function 'list' is not allowed"),
        ("lenn(x)", "function 'lenn' is not allowed (did you mean 'len'?)"),
        ("(lambda: 1)()", "only named functions can be called"),
        ("lambda: 1", "lambda is not allowed"),
        ("(y := 1)", "assignment (':=') is not allowed"),
        ("x = 1", "assignment is not allowed (use '==' to compare)"),
        ("x += 1", "assignment is not allowed"),
        ("import os", "import is not allowed"),
        ("from os import path", "import is not allowed"),
        ("del x", "'del' is not allowed"),
        ("x; y", "only one expression is allowed"),
        ("for a in b: pass", "'For' statements are not allowed"),
        ("len(*data.items)", "'*' unpacking in the call to len() is not allowed"),
        ("get(**data)", "'**' unpacking in the call to get() is not allowed"),
        ("(*data.items,)", "'*' unpacking is only allowed inside a list literal"),
        ("{n for n in data.items}", "set comprehensions are not allowed"),
        ("[1 for data.x in [1]]", "a comprehension can only assign to plain names"),
        ("x << 2", "operator '<<' is not allowed"),
        ("1 | 2", "operator '|' is not allowed"),
        ("~1", "operator '~' is not allowed"),
        ("x is 'a'", "'is' only works with None, True or False"),
        ("b'bytes'", "literal b'bytes' is not allowed"),
        ("1j", "literal 1j is not allowed"),
        ("...", "literal Ellipsis is not allowed"),
        ("f'{x:>99999999}'", "format specs and conversions in f-strings are not allowed"),
        ("f'{x!r}'", "format specs and conversions in f-strings are not allowed"),
        ("", "expression is empty"),
        ("   ", "expression is empty"),
        ("'" + "a" * 10_001 + "'", "expression is too long"),
        ("data.amount >", "syntax error at the end of the expression"),
        ("a b", "syntax error at column 3"),
        ("  a b", "syntax error at column 5"),
        ("(a +\n b", "syntax error at column 1: '(' was never closed"),
        ("a\n\n  b c", "syntax error at line 3, column 2: unexpected indent"),
        ("1 if x", "syntax error at column 1: expected 'else'"),
    ],
)
def test_rejected_at_compile_time(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(source)
    assert str(info.value).startswith(message)
    assert info.value.message == str(info.value)
    assert info.value.expression == source
    assert expression_problem(source) == str(info.value)


def test_long_text_literal_is_rejected() -> None:
    source = "'" + "a" * 10_001 + "'"
    assert expression_problem(source) == "expression is too long (10003 characters, limit 10000)"
    assert expression_problem("'" + "a" * 9_000 + "'") is None


def test_nesting_depth_is_capped() -> None:
    assert evaluate("1+" * 98 + "1", {}) == 99
    assert expression_problem("1+" * 100 + "1") == (
        "expression is too deeply nested (limit 100 levels)"
    )
    assert expression_problem("[" * 150 + "]" * 150) == (
        "expression is too deeply nested (limit 100 levels)"
    )
    assert expression_problem("-" * 5000 + "1") == "expression is too deeply nested"


def test_syntax_error_on_a_later_line() -> None:
    assert (
        expression_problem("(a\n + b\n + )") == "syntax error at line 3, column 4: invalid syntax"
    )
    assert expression_problem("\n (a +\n  )") == "syntax error at line 3, column 3: invalid syntax"


# --- rejected at run time -----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("amout > 1", "unknown name 'amout'"),
        ("statu == 'ok'", "unknown name 'statu' (did you mean 'status'?)"),
        ("x == TRUE", "unknown name 'TRUE' (use true, false or null)"),
        ("len", "unknown name 'len'"),
        ("data.amout", "'data' has no key 'amout' (did you mean 'amount'?)"),
        ("nodes.scrap.product_count", "'nodes' has no key 'scrap' (did you mean 'scrape'?)"),
        ("data['nope']", "'data' has no key 'nope'"),
        ("data.items[5]", "index 5 is out of range for 'data.items' (length 3)"),
        ("data.items['a']", "cannot index list 'data.items' with 'a'"),
        ("data.amount[0]", "cannot index int 'data.amount' with 0"),
        ("data.items.first", "cannot read '.first' from list 'data.items'"),
        ("data.name.x", "cannot read '.x' from str 'data.name'"),
        ("'a' + 1", "'+' is not supported between str and int"),
        ("data.name - 1", "'-' is not supported between str and int"),
        ("-data.name", "'-' is not supported for str"),
        ("'a' < 1", "'<' is not supported between str and int"),
        ("None > 1", "'>' is not supported between None and int"),
        ("1 in 5", "'in' is not supported between int and int"),
        ("1 / 0", "division by zero in '/'"),
        ("1 // 0", "division by zero in '//'"),
        ("1 % 0", "division by zero in '%'"),
        ("10.0 ** 1000", "number too large in '**'"),
        ("(-8) ** 0.5", "(-8) ** 0.5 is not a real number"),
        ("len(5)", "len(): object of type 'int' has no len()"),
        ("int('zz')", "int(): invalid literal for int() with base 10: 'zz'"),
        ("lower(5)", "lower() needs text, not int"),
        ("startswith(data.name, 1)", "startswith() needs text, not int"),
        ("keys(data.items)", "keys() needs an object, not list"),
        ("values(1)", "values() needs an object, not int"),
        ("get(1, 'a')", "get() needs an object or a list, not int"),
        ("sum(['a'])", "sum() works on numbers only, not str"),
        ("sum([1], 'a')", "sum() works on numbers only, not str"),
        ("sorted([1, 'a'])", "sorted(): '<' not supported"),
        ("sorted(data.items, key=1)", "sorted(): "),
        ("max(data.items, key=len)", "unknown name 'len'"),
        ("max(data.items, key=1)", "max(): "),
        ("round(1.5, 1000)", "round() digits must be a whole number from -100 to 100"),
        ("round(10 ** 100, -10 ** 9)", "round() digits must be a whole number"),
        ("{[1]: 2}", "evaluation failed: "),
        ("[x for x in 5]", "evaluation failed: "),
    ],
)
def test_rejected_at_run_time(source: str, message: str) -> None:
    assert expression_problem(source) is None
    assert error_of(source).startswith(message)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("9**9**6", "exponent 531441 is too large (limit 1000)"),
        ("2 ** -1001", "exponent -1001 is too large (limit 1000)"),
        ("(10 ** 1000) ** 1000", "1000000000"),
        ("[0]*5000*5000", "result of '*' would be too long (25000000 items, limit 10000)"),
        ("5000*[0]*5000", "result of '*' would be too long (25000000 items, limit 10000)"),
        ("'a'*10**6", "result of '*' would be too long (1000000 characters, limit 10000)"),
        ("[[0] * 100] * 1000", "too long (more than 10000 items, counting nested ones"),
        ("[[0] * 5000] * 3", "too long (more than 10000 items, counting nested ones"),
        ("'a' * 6000 + 'b' * 6000", "result of '+' would be too long (12000 characters"),
        ("[n for n in [0] * 2000]", "comprehension visits more than 1000 items"),
        ("[[a, b] for a in [0]*40 for b in [0]*40]", "comprehension visits more than 1000 items"),
        ('f\'{"a" * 6000}{"a" * 6000}\'', "f-string would be too long (12000 characters"),
    ],
)
def test_limits(source: str, message: str) -> None:
    assert message in error_of(source)


def test_str_of_big_data_is_rejected() -> None:
    names = {"big": ["ab"] * 6000}
    assert error_of("str(big)", names) == (
        "str() would be too long (more than 10000 characters, limit 10000)"
    )
    assert error_of("f'{big}'", names).startswith("str() would be too long")
    assert evaluate("len(big)", names) == 6000


def test_limits_leave_simpleeval_globals_alone() -> None:
    assert simpleeval.MAX_POWER == 4_000_000
    assert simpleeval.MAX_STRING_LENGTH == 100_000
    assert simpleeval.MAX_COMPREHENSION_LENGTH == 10_000
    assert simpleeval.simple_eval("2 ** 2000") == 2**2000


def test_comprehension_limit_counts_per_evaluation() -> None:
    compiled = compile_expression("[n for n in [0] * 600]")
    for _ in range(3):
        assert len(evaluate(compiled, {})) == 600


def test_limits_near_the_edge_pass() -> None:
    assert len(evaluate("'a' * 10000", {})) == 10_000
    assert len(evaluate("[0] * 10000", {})) == 10_000
    assert len(evaluate("[[0] * 99] * 100", {})) == 100
    assert len(evaluate("[n for n in [0] * 1000]", {})) == 1000
    assert evaluate("2 ** 1000", {}) == 2**1000


# --- scope ------------------------------------------------------------------------------


def test_scope_has_reserved_names_and_bare_input_keys() -> None:
    names = scope(item={"n": 1}, index=2)
    assert names["input"] == INPUT
    assert names["data"] == INPUT["data"]
    assert names["status"] == "ok"
    assert names["nodes"]["scrape"]["product_count"] == 150
    assert names["params"] == {"limit": 10}
    assert names["run"]["id"] == "run-1"
    assert evaluate("item.n + index", names) == 3


def test_reserved_names_win_over_input_keys() -> None:
    names = expression_scope(
        input={"nodes": "shadow", "params": 1, "run": 2, "input": 3, "item": 4, "keep": 5},
        nodes={"a": 1},
        params={"p": 1},
        run={"id": "r"},
        extra={"item": "real"},
    )
    assert names["nodes"] == {"a": 1}
    assert names["params"] == {"p": 1}
    assert names["run"] == {"id": "r"}
    assert names["input"]["input"] == 3
    assert names["item"] == "real"
    assert names["keep"] == 5


def test_extra_cannot_replace_reserved_names() -> None:
    with pytest.raises(ValueError, match="extra name 'nodes' is reserved"):
        expression_scope(input={}, nodes={}, params={}, run={}, extra={"nodes": 1})


def test_non_dict_input_has_no_bare_keys() -> None:
    names = expression_scope(input=[1, 2], nodes={}, params={}, run={})
    assert set(names) == {"input", "nodes", "params", "run"}
    assert evaluate("input[1]", names) == 2


def test_scope_is_a_json_copy() -> None:
    class Thing:
        def __str__(self) -> str:
            return "thing"

    original = {"data": {"items": [1, 2], "when": Thing(), "pair": (1, 2), 3: "int key"}}
    names = expression_scope(input=original, nodes={}, params={}, run={})
    assert names["data"] == {"items": [1, 2], "when": "thing", "pair": [1, 2], "3": "int key"}
    assert names["data"] is not original["data"]
    # whatever an expression gets back is a copy: changing it leaves the caller's data alone
    result = evaluate("data.items", names)
    result.append(3)
    assert original["data"]["items"] == [1, 2]


def test_scope_rejects_data_that_is_not_json() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ExpressionError, match="not plain JSON data"):
        expression_scope(input=loop, nodes={}, params={}, run={})


def test_expressions_cannot_mutate_data() -> None:
    names = scope()
    before = json.dumps(names, sort_keys=True)
    for source in ["data.pop('amount')", "data.items.append(1)", "data.update({})"]:
        assert expression_problem(source) is not None
    evaluate("[data.items, data.tags]", names)
    assert json.dumps(names, sort_keys=True) == before


json_data = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_data)
def test_any_json_value_round_trips(data: Any) -> None:
    copy = json.loads(json.dumps(data))
    assert evaluate("x", {"x": data}) == copy
    names = expression_scope(input=data, nodes={}, params={}, run={})
    assert evaluate("input", names) == copy


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("true", True),
        ("false", False),
        ("null", None),
        ("True and not False", True),
        ("input.flag == true", True),
        ("input.missing == null", True),
        ("[true, false, null]", [True, False, None]),
        ("{'a': null}", {"a": None}),
    ],
)
def test_json_literals_work_as_names(source: str, expected: Any) -> None:
    scope = expression_scope(input={"flag": True, "missing": None}, nodes={}, params={}, run={})
    assert evaluate(source, scope) == expected


def test_a_data_key_named_like_a_json_literal_wins() -> None:
    scope = expression_scope(input={"true": "yes"}, nodes={}, params={}, run={})
    assert evaluate("true", scope) == "yes"
