"""The function registry: Python functions a workflow's function nodes may call.

Only registered functions run (a whitelist). The calling convention follows the seed documents:
`fn(state, **args)`, where `state` is the node's input and `args` its configured arguments; a
function that declares a `ctx` parameter also receives the step context. The returned dict is
the node's output. Signatures are introspected so the editor can build an args form.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

F = TypeVar("F", bound=Callable[..., Any])

_JSON_TYPES: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
}


@dataclass(frozen=True)
class FunctionParam:
    name: str
    type: str  # a JSON Schema type name, or "any"
    required: bool
    default: Any = None


@dataclass(frozen=True)
class FunctionInfo:
    name: str
    fn: Callable[..., Any]
    is_async: bool
    wants_ctx: bool
    accepts_any_args: bool
    params: tuple[FunctionParam, ...]
    title: str
    description: str
    module: str = field(default="")
    file: str = field(default="")  # the file that defines it, when known (library files)

    def signature(self) -> str:
        """'(state, limit: integer = 1000, ctx)' as a person reads it."""
        shown = ["state"]
        for p in self.params:
            text = p.name if p.type == "any" else f"{p.name}: {p.type}"
            shown.append(text if p.required else f"{text} = {p.default!r}")
        if self.accepts_any_args:
            shown.append("**args")
        if self.wants_ctx:
            shown.append("ctx")
        return "(" + ", ".join(shown) + ")"

    def arg_problems(self, args: dict[str, Any]) -> list[tuple[str, str]]:
        """(field, message) for unknown or missing arguments."""
        problems: list[tuple[str, str]] = []
        known = {p.name for p in self.params}
        if not self.accepts_any_args:
            for name in args:
                if name not in known:
                    problems.append(
                        (f"args.{name}", f"function '{self.name}' has no argument '{name}'")
                    )
        for param in self.params:
            if param.required and param.name not in args:
                problems.append(
                    (f"args.{param.name}", f"function '{self.name}' needs argument '{param.name}'")
                )
        return problems


class FunctionRegistry:
    def __init__(self) -> None:
        self._functions: dict[str, FunctionInfo] = {}

    def register(self, name: str, *, title: str = "", description: str = "") -> Callable[[F], F]:
        def decorator(fn: F) -> F:
            self._functions[name] = describe_function(name, fn, title, description)
            return fn

        return decorator

    def get(self, name: str) -> FunctionInfo | None:
        return self._functions.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._functions

    def __iter__(self) -> Iterator[FunctionInfo]:
        return iter(sorted(self._functions.values(), key=lambda f: f.name))

    def arg_problems(self, name: str, args: dict[str, Any]) -> list[tuple[str, str]]:
        info = self._functions.get(name)
        return [] if info is None else info.arg_problems(args)

    def unregister(self, name: str) -> None:
        self._functions.pop(name, None)


def describe_function(
    name: str, fn: Callable[..., Any], title: str, description: str
) -> FunctionInfo:
    signature = inspect.signature(fn)
    try:
        hints = get_type_hints(fn)
    except Exception:  # unresolvable annotations only cost us the types in the args form
        hints = {}
    positional = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "ctx"
    ]
    if not positional:
        raise TypeError(f"function '{name}' must take the node input as its first argument")
    state_param = positional[0]
    params = tuple(
        FunctionParam(
            name=p.name,
            type=_JSON_TYPES.get(hints.get(p.name), "any"),
            required=p.default is inspect.Parameter.empty,
            default=None if p.default is inspect.Parameter.empty else p.default,
        )
        for p in signature.parameters.values()
        if p is not state_param
        and p.name != "ctx"
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    )
    doc = inspect.getdoc(fn) or ""
    return FunctionInfo(
        name=name,
        fn=fn,
        is_async=inspect.iscoroutinefunction(fn),
        wants_ctx="ctx" in signature.parameters,
        accepts_any_args=any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()),
        params=params,
        title=title or name,
        description=description or doc.split("\n\n")[0],
        module=getattr(fn, "__module__", ""),
    )


REGISTRY = FunctionRegistry()

# While a data folder's library file is imported, its registrations go to that file's own
# registry instead of the process-wide one (see app.nodes.library).
CAPTURE: ContextVar[FunctionRegistry | None] = ContextVar("ren_function_capture", default=None)


def register_function(name: str, *, title: str = "", description: str = "") -> Callable[[F], F]:
    """Register a sync or async function under `name`, e.g. "data.scrape_products"."""
    target = CAPTURE.get() or REGISTRY
    return target.register(name, title=title, description=description)


def load_functions(ref: str) -> None:
    """Import a `.py` file or a module so that its `@register_function` calls run."""
    path = Path(ref)
    if ref.endswith(".py") or path.is_file():
        if not path.is_file():
            raise FileNotFoundError(f"functions file not found: {ref}")
        module_name = f"ren_functions_{path.stem}_{abs(hash(path.resolve())):x}"
        if module_name in sys.modules or _imported_as_module(path):
            return
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import functions file {ref}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    else:
        importlib.import_module(ref)


def _imported_as_module(path: Path) -> bool:
    """Whether the file is already imported under its module name (e.g. `mypkg.funcs`): running
    it again would register its functions a second time, from a copy with its own globals."""
    wanted = path.resolve()
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and file.endswith(path.name) and Path(file).resolve() == wanted:
            return True
    return False
