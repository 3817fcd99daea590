"""Function node: calls a registered Python function as `fn(state, **args)`.

Async functions run on the event loop; sync functions run on a thread of their own
(app.nodes.sync_calls), so a long call never blocks the engine and a hung one can be abandoned.
The returned dict is the node's output (any other value is wrapped as `{"result": value}`;
None becomes `{}`); app.engine.steps checks that it is JSON data within the size limit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import has_template, render_config
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext
from app.nodes.functions import REGISTRY, FunctionInfo, FunctionRegistry
from app.nodes.isolation import (
    IsolationUnavailable,
    call_isolated,
    isolated_context,
    target_for,
)
from app.nodes.library import FunctionLibrary
from app.nodes.library_deps import file_needs, folder_needs
from app.nodes.output_schemas import returned_schema
from app.nodes.sync_calls import Call, call_in_thread


class FunctionConfig(NodeConfig):
    function: str = Field(min_length=1, description="Name of a registered function")
    args: dict[str, Any] = Field(
        default_factory=dict, description="Arguments; values may use {{ expressions }}"
    )
    isolate: bool = Field(
        default=False,
        description="Run in a separate process: a timeout or cancel kills it (costs a few ms)",
    )
    memory_mb: int | None = Field(
        default=None, ge=32, description="Memory limit of the isolated process, in MB"
    )


def _fresh_copy(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value))  # inputs are plain JSON data; faster than deepcopy
    return value


def _args_have_templates(args: Any) -> bool:
    if isinstance(args, str):
        return has_template(args)
    if isinstance(args, dict):
        return any(_args_have_templates(v) for v in args.values())
    if isinstance(args, list):
        return any(_args_have_templates(v) for v in args)
    return False


class FunctionNode(NodeType[FunctionConfig]):
    type_name = "function"
    title = "Python function"
    category = "Code"
    description = "Runs a registered Python function with the node's input as `state`."
    icon = "code"
    config_model = FunctionConfig

    def __init__(self, registry: FunctionRegistry = REGISTRY) -> None:
        self.registry = registry

    def input_ports(self, config: FunctionConfig) -> Sequence[Port]:
        return (Port("in", "object", "state"),)

    def output_ports(self, config: FunctionConfig) -> Sequence[Port]:
        return (Port("out", "object"),)

    def config_problems(
        self, config: FunctionConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        if config.function not in functions:
            message = f"function '{config.function}' is not registered"
            return [("function", message + _unloaded_file_needs(config.function, functions))]
        return (
            template_fields("args", config.args)
            + functions.arg_problems(config.function, config.args)
            + _isolation_problems(config, functions)
            + _dependency_problems(config.function, functions)
        )

    def output_schema(self, config: FunctionConfig) -> dict[str, Any] | None:
        """From the function's return annotation (a TypedDict or a pydantic model)."""
        info = self.registry.get(config.function)
        return returned_schema(info.fn) if info is not None else None

    async def execute(self, ctx: StepContext, config: FunctionConfig, input: Any) -> NodeResult:
        info = self.registry.get(config.function)
        if info is None:
            raise LookupError(f"function '{config.function}' is not registered")
        args = config.args
        if args and _args_have_templates(args):
            args = render_config(args, ctx.scope(input))
        kwargs = dict(args)
        state = _fresh_copy(input)  # user code may mutate its state; recorded outputs stay intact
        if info.wants_ctx and not config.isolate:
            kwargs["ctx"] = ctx
        if config.isolate:
            result = await _call_isolated(ctx, config, info, state, kwargs)
        elif info.is_async:
            result = await info.fn(state, **kwargs)
        else:
            call = Call(ctx.idempotency_key, config.function)
            result = await call_in_thread(call, info.fn, state, **kwargs)
        if result is None:
            result = {}
        elif not isinstance(result, dict):
            result = {"result": result}
        return NodeResult(result)


def _isolation_problems(config: FunctionConfig, functions: FunctionLookup) -> list[tuple[str, str]]:
    if config.memory_mb is not None and not config.isolate:
        return [("memory_mb", "a memory limit needs isolate: true")]
    info = functions.get(config.function) if isinstance(functions, FunctionRegistry) else None
    if config.isolate and info is not None and target_for(info) is None:
        message = f"function '{config.function}' cannot run isolated: it is not defined in a file"
        return [("isolate", message + " (put it in the function library)")]
    return []


async def _call_isolated(
    ctx: StepContext, config: FunctionConfig, info: FunctionInfo, state: Any, kwargs: dict[str, Any]
) -> Any:
    target = target_for(info)
    if target is None:
        raise IsolationUnavailable(
            f"function '{info.name}' cannot run isolated: it is not defined in a file"
        )
    context = isolated_context(ctx) if info.wants_ctx else None
    return await call_isolated(target, state, kwargs, context=context, memory_mb=config.memory_mb)


def _dependency_problems(name: str, functions: FunctionLookup) -> list[tuple[str, str]]:
    info = functions.get(name) if isinstance(functions, FunctionRegistry) else None
    if info is None or not info.file:
        return []
    needs = file_needs(Path(info.file))
    return [("function", f"function '{name}' {needs.missing_message()}")] if needs.missing else []


def _unloaded_file_needs(name: str, functions: FunctionLookup) -> str:
    """Why a library file that mentions `name` may not have loaded: packages it lacks."""
    if not isinstance(functions, FunctionLibrary):
        return ""
    for needs in folder_needs(functions.folder):
        text = needs.file.read_text(encoding="utf-8") if needs.missing else ""
        if f'"{name}"' in text or f"'{name}'" in text:
            return f"; {needs.file.name} {needs.missing_message()}"
    return ""
