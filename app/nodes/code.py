"""Code node: a few lines of Python written in the workflow itself.

`config.code` is the body of a function of `state` (the node's input), `args` (`config.args`,
whose strings may hold {{ templates }}) and `ctx` (the step context: `ctx.idempotency_key`,
`ctx.log`, …); what it returns is the node's output and must be a dict. It runs like a sync
function does (app.nodes.sync_calls): on a thread of its own, so `timeout_s` and cancels
abandon a call that hangs; app.engine.steps checks that the output is JSON within the limit.

Code arrives with workflows people share, so it runs only once a person trusted that exact
text for that workflow (app.engine.code_trust). `trust` answers that; without one nothing runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import has_template, render_config
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.code_isolated import call_code_isolated
from app.nodes.code_text import CodeSyntaxError, error_line, load, quoted_line, syntax_problem
from app.nodes.context import StepContext, StepInterrupted
from app.nodes.isolation import IsolatedError
from app.nodes.sync_calls import Call, call_in_thread

ISOLATED_BY_DEFAULT = ("review", "cli")  # imported code a person approved: its own process
EXAMPLE = "# state: this node's input; args: the arguments below\nreturn {'result': state}\n"
UNTRUSTED = "this workflow was imported with code; review and trust it before it runs"


class TrustLookup(Protocol):
    def how_trusted(self, workflow_id: str, code: str) -> str | None:
        """How a person trusted this code text for this workflow (editor, review, cli, run),
        or None when no one did."""
        ...


class CodeConfig(NodeConfig):
    code: str = Field(
        default=EXAMPLE,
        description="Python: the body of a function of state, args and ctx that returns a dict",
        json_schema_extra={"x-ren-kind": "code"},
    )
    args: dict[str, Any] = Field(
        default_factory=dict,
        description="Arguments, read as args['name']; values may use {{ expressions }}",
    )
    isolate: bool | None = Field(
        default=None,
        description="Run in a separate process: a timeout or cancel kills it (costs a few ms). "
        "Default: yes for imported code a person approved, no for code written here",
    )
    memory_mb: int | None = Field(
        default=None, ge=32, description="Memory limit of the isolated process, in MB"
    )


class CodeUntrusted(PermissionError):
    """The code was not trusted by a person: it was not run."""


class CodeFailed(RuntimeError):
    """The code raised, or returned something other than a dict."""


class CodeNode(NodeType[CodeConfig]):
    type_name = "code"
    title = "Code"
    category = "Code"
    description = (
        "A few lines of Python: the body of a function of `state` and `args` that returns "
        "the output, e.g. return {'y': state['x'] + 1}"
    )
    icon = "terminal"
    config_model = CodeConfig
    trust_language = "python"

    def __init__(self, trust: TrustLookup | None = None) -> None:
        self.trust = trust  # None: no trust records to ask, so the code never runs

    def trust_text(self, config: CodeConfig) -> str | None:
        return config.code  # it runs only once trusted (see execute)

    def input_ports(self, config: CodeConfig) -> Sequence[Port]:
        return (Port("in", "object", "state"),)

    def output_ports(self, config: CodeConfig) -> Sequence[Port]:
        return (Port("out", "object"),)

    def config_problems(
        self, config: CodeConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = template_fields("args", config.args)
        if not config.code.strip():
            return [("code", "the code is empty: write what the node returns, e.g. return {}")]
        message = syntax_problem(config.code)
        if config.memory_mb is not None and config.isolate is False:
            problems.append(("memory_mb", "a memory limit needs the code isolated"))
        return ([("code", message)] if message else []) + problems

    async def execute(self, ctx: StepContext, config: CodeConfig, input: Any) -> NodeResult:
        workflow_id = str(ctx.run_info.get("workflow_id") or "")
        how = self.trust.how_trusted(workflow_id, config.code) if self.trust else None
        if how is None:
            raise CodeUntrusted(UNTRUSTED)  # a second guard: validation refuses it first
        isolate = config.isolate if config.isolate is not None else how in ISOLATED_BY_DEFAULT
        try:
            function = load(config.code)
        except CodeSyntaxError as err:
            raise CodeFailed(f"the code does not compile: {err}") from None
        args = config.args
        if any(has_template(text) for text in _strings(args)):
            args = render_config(args, ctx.scope(input))
        state = json.loads(json.dumps(input))  # the code may mutate it; records stay intact
        call = Call(ctx.idempotency_key, f"code of node '{ctx.node_id}'")
        try:
            if isolate:
                result = await call_code_isolated(
                    ctx, config.code, state, dict(args), config.memory_mb
                )
            else:
                result = await call_in_thread(call, function, state, dict(args), ctx)
        except StepInterrupted:  # ctx.checkpoint() in the code: a pause or cancel, not a failure
            raise
        except (IsolatedError, MemoryError):  # already say where (or how much memory)
            raise
        except Exception as err:
            raise CodeFailed(_raised(err, config.code)) from err
        if not isinstance(result, dict):
            raise CodeFailed(
                f"the code returned {_kind(result)}; return a dict (the node's output), "
                "e.g. return {'result': value}"
            )
        return NodeResult(result)


def _raised(err: Exception, code: str) -> str:
    """'line 2 (`return 1 / 0`): ZeroDivisionError: division by zero'."""
    what = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    line = error_line(err, code)
    if line is None:
        return what
    quoted = quoted_line(code, line)
    return f"line {line} (`{quoted}`): {what}" if quoted else f"line {line}: {what}"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _strings(item)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (None)"
    return f"a {type(value).__name__}"
