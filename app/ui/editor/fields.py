"""Form widgets for `FieldSpec`s: one builder per kind, each reporting a new value on change.

Used by the config panel (node configs, function args) and the run form. Text-like boxes parse
what is typed as it is typed and show what is wrong under the box (expressions, conditions,
templates, JSON, numbers); the value is reported anyway, so the draft keeps what the user
wrote and validation names the problem on the node too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

from nicegui import ui
from nicegui.events import ValueChangeEventArguments

from app.ui.editor import expression_preview
from app.ui.editor.code_field import code_field
from app.ui.editor.schema_form import (
    FieldSpec,
    condition_text,
    expression_error,
    loose_text,
    parse_condition,
    parse_loose,
    parse_number,
    template_error,
)

OnChange = Callable[[Any], None]
T = TypeVar("T")

MONO = "ren-mono"


def field_label(spec: FieldSpec) -> str:
    return spec.label + (" *" if spec.required else "")


def _hint(element: ui.element, spec: FieldSpec) -> None:
    if spec.description:
        element.props["hint"] = " ".join(spec.description.split())


def _text_box(
    spec: FieldSpec,
    text: str,
    on_text: Callable[[str], None],
    check: Callable[[str], str | None] | None,
    *,
    mono: bool = False,
    multiline: bool = False,
    placeholder: str = "",
) -> ui.input | ui.textarea:
    def validation(value: Any) -> str | None:
        return check(str(value or "")) if check else None

    def changed(e: ValueChangeEventArguments[Any]) -> None:
        on_text(str(e.value or ""))

    box: ui.input | ui.textarea
    if multiline:
        box = ui.textarea(
            field_label(spec), value=text, on_change=changed, validation=validation
        ).props("autogrow")
    else:
        box = ui.input(field_label(spec), value=text, on_change=changed, validation=validation)
    box.props("dense outlined stack-label").classes("w-full ren-field")
    box.props["data-field"] = spec.name
    box.mark("field-" + spec.name)
    if placeholder:
        box.props["placeholder"] = placeholder
    if mono:
        box.classes(MONO)
    _hint(box, spec)
    if check and text:
        box.validate()
    return box


def text_field(spec: FieldSpec, value: Any, on_change: OnChange) -> ui.element:
    box = _text_field(spec, value, on_change)
    help = expression_preview.active()  # the node's sample: a preview and suggestions
    if help is not None and isinstance(box, ui.input | ui.textarea):
        help.attach(box, spec.kind)
    return box


def _text_field(spec: FieldSpec, value: Any, on_change: OnChange) -> ui.element:
    kind = spec.kind
    placeholder = "" if spec.default in (None, "") else f"default: {loose_text(spec.default)}"
    if kind == "expression":
        return _text_box(
            spec,
            loose_text(value),
            on_change,
            lambda t: expression_error(t, spec.required),
            mono=True,
            placeholder=placeholder or "e.g. input.items",
        )
    if kind == "template":
        return _text_box(
            spec,
            loose_text(value),
            on_change,
            template_error,
            multiline=True,
            placeholder=placeholder or "Text; {{ input.name }} inserts a value",
        )
    if kind == "condition":

        def condition_changed(text: str) -> None:
            on_change(parse_condition(text)[0] if text.strip() else None)

        return _text_box(
            spec,
            condition_text(value),
            condition_changed,
            lambda t: parse_condition(t)[1] if (t.strip() or spec.required) else None,
            mono=True,
            multiline=True,
            placeholder='e.g. input.amount > 1000, or JSON Logic {">": [{"var": "amount"}, 1000]}',
        )
    if kind == "json":

        def json_changed(text: str) -> None:
            on_change(parse_loose(text))

        return _text_box(
            spec,
            loose_text(value),
            json_changed,
            None,
            mono=True,
            multiline=True,
            placeholder=placeholder or "text, a number, or JSON",
        )
    return _text_box(
        spec,
        "" if value is None else str(value),
        lambda t: on_change(t if t != "" else None),
        None,
        multiline=kind == "multiline",
        placeholder=placeholder,
    )


def number_field(spec: FieldSpec, value: Any, on_change: OnChange) -> ui.element:
    integer = spec.kind == "integer"

    def check(text: str) -> str | None:
        number, error = parse_number(text, integer)
        if error:
            return error
        if number is not None and spec.minimum is not None and number < spec.minimum:
            return f"at least {spec.minimum:g}"
        if number is not None and spec.maximum is not None and number > spec.maximum:
            return f"at most {spec.maximum:g}"
        return None

    def changed(text: str) -> None:
        number, error = parse_number(text, integer)
        on_change(text if error else number)

    shown = "" if value is None else (str(value) if not isinstance(value, float) else f"{value:g}")
    placeholder = "" if spec.default is None else f"default: {spec.default}"
    box = _text_box(spec, shown, changed, check, placeholder=placeholder)
    box.props("inputmode=decimal")
    return box


def bool_field(spec: FieldSpec, value: Any, on_change: OnChange) -> ui.element:
    current = spec.default if value is None else value
    with ui.column().classes("w-full gap-0 ren-field"):
        switch = ui.switch(spec.label, value=bool(current), on_change=lambda e: on_change(e.value))
        switch.props["data-field"] = spec.name
        switch.mark("field-" + spec.name)
        if spec.description:
            ui.label(spec.description).classes("ren-hint")
    return switch


# Built-in choices the form says in words (a form field's type, a task's on_timeout); any
# other choice, e.g. a function's own Literal values, is shown as it is stored.
_CHOICE_WORDS = {
    "yes_no": "yes/no",
    "long_text": "long text",
    "multi_choice": "multiple choice",
    "timeout_port": "timeout port",
}


def choice_label(value: Any) -> str:
    """A choice as a person reads it: `long_text` is "long text", `yes_no` "yes/no"."""
    return _CHOICE_WORDS.get(str(value), str(value))


def enum_field(spec: FieldSpec, value: Any, on_change: OnChange) -> ui.element:
    options = list(spec.choices)
    current = value if value in options else (spec.default if spec.default in options else None)
    select = ui.select(
        {option: choice_label(option) for option in options},  # stored as is, shown in words
        label=field_label(spec),
        value=current,
        on_change=lambda e: on_change(e.value),
    ).props("dense outlined stack-label options-dense")
    select.classes("w-full ren-field")
    select.props["data-field"] = spec.name
    select.mark("field-" + spec.name)
    _hint(select, spec)
    return select


def _growing_list(
    spec: FieldSpec,
    items: list[T],
    emit: Callable[[], None],
    item_row: Callable[[int, T, Callable[[], None]], None],
    new_item: Callable[[], T],
    *,
    add_label: str = "Add",
    add_hint: str = "",
    adding_changes_value: bool = True,
) -> ui.element:
    """A field whose value is a list of items the user adds and removes, below its title.

    `item_row(i, item, remove)` draws item `i`, with a button calling `remove`; the Add button
    (with `add_hint` beside it, if given) appends `new_item()`. After either, the rows are drawn
    anew and `emit` reports the value, unless a new item does not change it
    (`adding_changes_value=False`, e.g. a map's empty row).
    """
    outer = ui.column().classes("w-full gap-1 ren-field")
    outer.props["data-field"] = spec.name
    outer.mark("field-" + spec.name)

    def render() -> None:
        outer.clear()
        with outer:
            ui.label(field_label(spec)).classes("ren-field-title")
            if spec.description:
                ui.label(spec.description).classes("ren-hint")
            for i, item in enumerate(items):
                item_row(i, item, partial(remove, i))
            if add_hint:
                with ui.row().classes("items-center gap-2 no-wrap"):
                    _add_button(add_label, add)
                    ui.label(add_hint).classes("ren-hint")
            else:
                _add_button(add_label, add)

    def add() -> None:
        items.append(new_item())
        render()
        if adding_changes_value:
            emit()

    def remove(i: int) -> None:
        del items[i]
        render()
        emit()

    render()
    return outer


def _add_button(label: str, add: Callable[[], None]) -> None:
    ui.button(label, icon="add", on_click=add).props("flat dense no-caps size=sm")


def _remove_button(
    remove: Callable[[], None], icon: str = "close", tooltip: str = "Remove"
) -> None:
    ui.button(icon=icon, on_click=remove).props("flat round dense size=sm").tooltip(tooltip)


def list_field(spec: FieldSpec, value: Any, on_change: OnChange) -> ui.element:
    """A list of scalars: one box per item, add and remove buttons."""
    item = spec.item or FieldSpec("item", "Item", "json")
    items: list[Any] = list(value) if isinstance(value, list) else []

    def emit() -> None:
        on_change(list(items))

    def item_row(i: int, current: Any, remove: Callable[[], None]) -> None:
        def set_item(v: Any) -> None:
            items[i] = v
            emit()

        with ui.row().classes("w-full items-start no-wrap gap-1"):
            sub = FieldSpec(f"{spec.name}[{i}]", f"{i + 1}", item.kind, choices=item.choices)
            with ui.element("div").classes("flex-1 min-w-0"):
                build_field(sub, current, set_item)
            _remove_button(remove)

    def new_item() -> Any:
        return "" if item.kind in ("text", "template", "expression") else None

    return _growing_list(spec, items, emit, item_row, new_item)


def map_field(spec: FieldSpec, value: Any, on_change: OnChange) -> ui.element:
    """Key–value pairs; values are read loosely (numbers and JSON as such, else text)."""
    rows: list[list[str]] = [
        [str(k), loose_text(v)] for k, v in (value.items() if isinstance(value, dict) else ())
    ]

    def emit() -> None:
        on_change({k.strip(): parse_loose(v) for k, v in rows if k.strip()})

    def key_error(i: int) -> Callable[[Any], str | None]:
        def check(text: Any) -> str | None:
            key = str(text or "").strip()
            if not key:
                return "enter a name" if rows[i][1].strip() else None
            if [r[0].strip() for r in rows].count(key) > 1:
                return "this name is used twice"
            return None

        return check

    def row(i: int, pair: list[str], remove: Callable[[], None]) -> None:
        def set_key(e: ValueChangeEventArguments[Any]) -> None:
            pair[0] = str(e.value or "")
            emit()

        def set_value(e: ValueChangeEventArguments[Any]) -> None:
            pair[1] = str(e.value or "")
            emit()

        with ui.row().classes("w-full items-start no-wrap gap-1 ren-map-row"):
            ui.input(
                placeholder="name", value=pair[0], on_change=set_key, validation=key_error(i)
            ).props("dense outlined").classes("w-2/5 ren-map-key")
            box = ui.input(
                placeholder="value",
                value=pair[1],
                on_change=set_value,
                validation=(lambda t: template_error(str(t or ""))) if spec.templated else None,
            ).props("dense outlined")
            box.classes("flex-1 min-w-0 ren-map-value")
            _remove_button(remove)
        help = expression_preview.active()
        if help is not None and spec.templated:
            box.props["data-field"] = f"{spec.name}.{i}"
            help.attach(box, "template")

    return _growing_list(
        spec,
        rows,
        emit,
        row,
        lambda: ["", ""],
        add_hint="values may use {{ expressions }}" if spec.templated else "",
        adding_changes_value=False,  # a row without a name is not in the value
    )


def records_field(spec: FieldSpec, value: Any, on_change: OnChange) -> ui.element:
    """A list of small objects (e.g. a switch's cases): a card per item with its fields."""
    items: list[dict[str, Any]] = [
        dict(v) if isinstance(v, dict) else {"value": v}
        for v in (value if isinstance(value, list) else [])
    ]
    noun = spec.label.rstrip("s").lower() or "item"

    def emit() -> None:
        on_change([dict(i) for i in items])

    def card(i: int, current: dict[str, Any], remove: Callable[[], None]) -> None:
        with ui.card().classes("w-full ren-record").props("flat bordered"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(f"{noun.capitalize()} {i + 1}").classes("ren-field-title")
                _remove_button(remove, icon="delete", tooltip=f"Remove this {noun}")
            shown = [
                s
                for n, s in enumerate(spec.fields)
                if n < FIRST_FIELDS or s.required or s.name in current
            ]
            more = [s for s in spec.fields if s not in shown and fits_type(s.name, current)]
            for sub in shown:
                _record_field(spec, items, i, sub, emit)
            if more:
                with ui.expansion(f"More ({len(more)})").classes(
                    "w-full ren-expansion ren-record-more"
                ):
                    for sub in more:
                        _record_field(spec, items, i, sub, emit)

    return _growing_list(spec, items, emit, card, dict, add_label=f"Add {noun}")


FIRST_FIELDS = 3  # a record shows this many of its fields (and any filled or required one)

# A form field's settings that mean nothing for its type (a number has no date limits or
# pattern): a form designer's "More" leaves them out.
_NOT_FOR_TYPE: dict[str, set[str]] = {
    "number": {"min_date", "max_date", "pattern", "choices"},
    "integer": {"min_date", "max_date", "pattern", "choices"},
    "yes_no": {"min", "max", "min_date", "max_date", "pattern", "choices", "placeholder"},
    "date": {"min", "max", "pattern", "choices"},
    "datetime": {"min", "max", "pattern", "choices"},
    "choice": {"min_date", "max_date", "pattern", "placeholder"},
    "multi_choice": {"min_date", "max_date", "pattern", "placeholder"},
    "text": {"min_date", "max_date", "choices"},
    "long_text": {"min_date", "max_date", "choices"},
    "email": {"min_date", "max_date", "choices"},
    "url": {"min_date", "max_date", "choices"},
}


def fits_type(setting: str, record: dict[str, Any]) -> bool:
    """Whether a record's setting applies to its `type` (records without one: always)."""
    kind = record.get("type", "text") if "name" in record or "type" in record else None
    if not isinstance(kind, str) or setting in record:
        return True  # a setting already filled in is always shown
    return setting not in _NOT_FOR_TYPE.get(kind, set())


def _record_field(
    spec: FieldSpec, items: list[dict[str, Any]], i: int, sub: FieldSpec, emit: Callable[[], None]
) -> None:
    def set_sub(v: Any) -> None:
        if v is None or v == "":
            items[i].pop(sub.name, None)
        else:
            items[i][sub.name] = v
        emit()

    named = replace(sub, name=f"{spec.name}[{i}].{sub.name}")
    build_field(named, items[i].get(sub.name), set_sub)


def build_field(spec: FieldSpec, value: Any, on_change: OnChange) -> ui.element:
    """The widget for one field (function pickers and args forms are built by the panel)."""
    if spec.kind in ("number", "integer"):
        return number_field(spec, value, on_change)
    if spec.kind == "bool":
        return bool_field(spec, value, on_change)
    if spec.kind == "enum":
        return enum_field(spec, value, on_change)
    if spec.kind == "list":
        return list_field(spec, value, on_change)
    if spec.kind == "map":
        return map_field(spec, value, on_change)
    if spec.kind == "records":
        return records_field(spec, value, on_change)
    if spec.kind == "code":
        return code_field(spec, value, on_change)
    if spec.kind == "credential":
        from app.ui.editor.credential_field import credential_field

        return credential_field(spec, value, on_change)
    return text_field(spec, value, on_change)
