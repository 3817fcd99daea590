from typing import Any

import pytest

from app.core.expressions import ExpressionError, expression_scope
from app.core.templates import has_template, render_config, render_template, template_problems

SCOPE = expression_scope(
    input={"data": {"amount": 1500, "items": [1, 2], "name": "Bob", "note": None}},
    nodes={"fetch": {"status": 200, "body": {"ok": True}}},
    params={"city": "Oslo"},
    run={"id": "run-1"},
)


def test_text_without_templates_is_returned_unchanged() -> None:
    text = "plain text with { braces } and }}"
    assert render_template(text, SCOPE) is text
    assert not has_template(text)
    assert template_problems(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ data.items }}", [1, 2]),
        ("{{data.amount}}", 1500),
        ("  {{ data.amount > 1000 }}\n", True),
        ("{{ data.note }}", None),
        ("{{ nodes.fetch.body }}", {"ok": True}),
        ('{{ {"a": {"b": 1}} }}', {"a": {"b": 1}}),
        ('{{ "}}" }}', "}}"),
    ],
)
def test_a_lone_template_gives_the_raw_value(text: str, expected: Any) -> None:
    assert has_template(text)
    assert render_template(text, SCOPE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello {{ data.name }}!", "Hello Bob!"),
        ("{{ data.amount }} in {{ params.city }}", "1500 in Oslo"),
        ("items: {{ data.items }}", "items: [1,2]"),
        ("body={{ nodes.fetch.body }}", 'body={"ok":true}'),
        ("note: [{{ data.note }}]", "note: []"),
        ("big: {{ data.amount > 1000 }}", "big: True"),
        ("{{ 1 }}{{ 2 }}", "12"),
        ('literal {{ "{{" }} braces', "literal {{ braces"),
        ("{{ 'é' }} {{ ['é'] }}", 'é ["é"]'),
    ],
)
def test_several_parts_interpolate_text(text: str, expected: str) -> None:
    assert render_template(text, SCOPE) == expected


def test_render_config_renders_nested_strings() -> None:
    config = {
        "url": "https://api.example/{{ params.city }}",
        "headers": {"X-Run": "{{ run.id }}", "X-Count": 3},
        "body": ["{{ data.items }}", {"total": "{{ data.amount * 2 }}"}, None, True],
        "tuple": ("{{ data.name }}",),
    }
    rendered = render_config(config, SCOPE)
    assert rendered == {
        "url": "https://api.example/Oslo",
        "headers": {"X-Run": "run-1", "X-Count": 3},
        "body": [[1, 2], {"total": 3000}, None, True],
        "tuple": ["Bob"],
    }
    assert config["headers"] == {"X-Run": "{{ run.id }}", "X-Count": 3}  # input untouched
    assert render_config("{{ data.amount }}", SCOPE) == 1500
    assert render_config(7, SCOPE) == 7


def test_render_config_errors_name_the_path() -> None:
    config = {"headers": {"auth": "{{ params.token }}"}, "items": ["ok", "{{ zzz }}"]}
    with pytest.raises(ExpressionError) as info:
        render_config(config, SCOPE)
    assert str(info.value) == ("headers.auth: {{ params.token }}: 'params' has no key 'token'")
    with pytest.raises(ExpressionError) as info:
        render_config({"items": ["ok", "{{ zzz }}"]}, SCOPE)
    assert str(info.value) == "items[1]: {{ zzz }}: unknown name 'zzz'"


def test_render_errors_name_the_bad_expression() -> None:
    with pytest.raises(ExpressionError) as info:
        render_template("Total: {{ data.amout }}", SCOPE)
    assert str(info.value) == (
        "{{ data.amout }}: 'data' has no key 'amout' (did you mean 'amount'?)"
    )
    assert info.value.expression == "data.amout"
    with pytest.raises(ExpressionError, match=r"^\{\{ open\('f'\) \}\}: function 'open'"):
        render_template("x {{ open('f') }}", SCOPE)
    with pytest.raises(ExpressionError, match=r"unclosed '\{\{' at character 3"):
        render_template("a {{ data.amount", SCOPE)


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("Hi {{ data.name }}", []),
        ("{{ zzz }}", []),  # unknown names only show when rendering
        (
            "Hi {{ data.pop('x') }}",
            [
                "{{ data.pop('x') }}: method call '.pop()' is not allowed;"
                " use functions like lower(x)"
            ],
        ),
        ("{{ }}", ["{{ }}: expression is empty"]),
        (
            "{{ a b }} and {{ lambda: 1 }}",
            [
                "{{ a b }}: syntax error at column 3: invalid syntax",
                "{{ lambda: 1 }}: lambda is not allowed",
            ],
        ),
        ("ok {{ 1 }} then {{ 2", ["unclosed '{{' at character 17"]),
        (
            "{{ x.__class__ }}",
            [
                "{{ x.__class__ }}: attribute '__class__' is not allowed"
                " (names starting with '_' are private)"
            ],
        ),
    ],
)
def test_template_problems(text: str, problems: list[str]) -> None:
    assert template_problems(text) == problems


def test_rendering_a_template_twice_reuses_the_parse() -> None:
    text = "{{ data.amount }} / {{ params.city }}"
    assert render_template(text, SCOPE) == render_template(text, SCOPE) == "1500 / Oslo"
