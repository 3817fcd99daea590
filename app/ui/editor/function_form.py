"""The function node's config: a picker over the registered functions and an args form built
from the chosen function's signature (names, types, defaults, required)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from nicegui import ui
from nicegui.events import ValueChangeEventArguments

from app.nodes.functions import FunctionInfo, FunctionParam, FunctionRegistry
from app.ui.editor.fields import build_field, map_field
from app.ui.editor.schema_form import (
    FieldSpec,
    loose_text,
    parse_loose,
    parse_number,
    template_error,
)

_PARAM_KINDS = {"boolean": "bool"}
_NOT_REGISTERED = re.compile(r"^function '(?P<name>.+)' is not registered$")


def missing_function(message: str) -> str | None:
    """The function a 'function X is not registered' problem names (None for other problems)."""
    match = _NOT_REGISTERED.match(message)
    return match.group("name") if match else None


def create_link(name: str, args: Iterable[str], back: str | None) -> str:
    """The Functions page's editor, on a stub registering `name` with these arguments."""
    query = {"name": name, "args": ",".join(args)} | ({"back": back} if back else {})
    return "/functions/new?" + urlencode(query)


def create_button(name: str, args: Iterable[str], back: str | None) -> ui.button:
    """**Create function**: write the missing function, starting from a stub."""
    link = create_link(name, args, back)
    button = ui.button("Create function", icon="add", on_click=lambda: ui.navigate.to(link))
    button.props(f'flat dense no-caps color=primary data-testid="create-function-{name}"')
    return button.mark(f"create-function-{name}")


def function_options(registry: FunctionRegistry, current: str | None) -> dict[str, str]:
    options = {f.name: f"{f.title} · {f.name}" if f.title != f.name else f.name for f in registry}
    if current and current not in options:
        options[current] = f"{current} (not registered)"
    return options


def param_spec(param: FunctionParam) -> FieldSpec:
    default = "" if param.required else f"default: {loose_text(param.default)}"
    return FieldSpec(
        name=param.name,
        label=param.name,
        kind="bool" if param.type == "boolean" else "text",
        required=param.required,
        default=param.default,
        has_default=not param.required,
        description=f"{param.type}" + (f" · {default}" if default else ""),
    )


def arg_error(param: FunctionParam, text: str) -> str | None:
    """What is wrong with a typed argument: it must fit the type, or be a {{ template }}."""
    stripped = text.strip()
    if not stripped:
        return "required" if param.required else None
    if "{{" in stripped:
        return template_error(stripped)
    if param.type in ("integer", "number"):
        return parse_number(stripped, param.type == "integer")[1]
    if param.type in ("array", "object"):
        value = parse_loose(stripped)
        wanted = list if param.type == "array" else dict
        if not isinstance(value, wanted):
            return f"enter a JSON {'list' if param.type == 'array' else 'object'}"
    return None


def arg_value(param: FunctionParam, text: str) -> Any:
    stripped = text.strip()
    if not stripped:
        return None
    if param.type == "string" or "{{" in stripped:
        return text
    if param.type in ("integer", "number"):
        number, error = parse_number(stripped, param.type == "integer")
        return text if error else number
    return parse_loose(text)


def picker(
    registry: FunctionRegistry, current: str | None, on_change: Callable[[str | None], None]
) -> ui.select:
    select = ui.select(
        function_options(registry, current),
        label="Function *",
        value=current or None,
        with_input=True,
        on_change=lambda e: on_change(e.value),
    ).props("dense outlined stack-label options-dense")
    select.classes("w-full ren-field")
    select.props["data-field"] = "function"
    select.mark("field-" + "function")
    if not list(registry):
        select.props('hint="No functions yet: write one on the Functions page"')
    return select


def args_form(
    info: FunctionInfo | None, args: dict[str, Any], on_change: Callable[[dict[str, Any]], None]
) -> None:
    """One box per parameter of the function; extra arguments as name/value pairs."""
    values = dict(args)
    known = {p.name for p in info.params} if info else set()

    def emit() -> None:
        on_change({k: v for k, v in values.items() if v is not None})

    if info is None:
        ui.label("Pick a function to see its arguments.").classes("ren-hint")
        return
    if info.description:
        ui.label(info.description).classes("ren-hint")
    if not info.params and not info.accepts_any_args:
        ui.label("This function takes no arguments.").classes("ren-hint")
    for param in info.params:
        spec = param_spec(param)

        def set_value(v: Any, name: str = param.name) -> None:
            values[name] = v
            emit()

        if spec.kind == "bool":
            build_field(spec, values.get(param.name), set_value)
            continue

        def changed(e: ValueChangeEventArguments[Any], p: FunctionParam = param) -> None:
            values[p.name] = arg_value(p, str(e.value or ""))
            emit()

        def check(text: Any, p: FunctionParam = param) -> str | None:
            return arg_error(p, str(text or ""))

        box = ui.input(
            spec.label + (" *" if param.required else ""),
            value=loose_text(values.get(param.name)),
            on_change=changed,
            validation=check,
        )
        box.props("dense outlined stack-label").classes("w-full ren-field")
        box.props["data-field"] = f"args.{param.name}"
        box.mark("field-" + f"args.{param.name}")
        box.props["hint"] = spec.description
        if not param.required:
            box.props["placeholder"] = loose_text(param.default)
        if param.name in values:
            box.validate()
    extras = {k: v for k, v in values.items() if k not in known}
    if extras or info.accepts_any_args:

        def set_extras(v: Any) -> None:
            for key in [k for k in values if k not in known]:
                del values[key]
            values.update(v or {})
            emit()

        map_field(
            FieldSpec(
                "extra_args",
                "More arguments" if info.params else "Arguments",
                "map",
                templated=True,
                description=""
                if info.accepts_any_args
                else "This function does not take these; remove them",
            ),
            extras,
            set_extras,
        )
