"""Command node: run a program with an argument list, and get its exit code and output.

Arguments go to the program as a list (no shell unless `shell` is on), so a value such as
`; rm -rf x` stays one argument. The program runs in a process group of its own: a timeout, the
step's `timeout_s` or a cancel of the run kills it and every process it started
(app.nodes.command_process). A command is dangerous in a workflow from elsewhere, so it runs
only once a person trusted its command line for the workflow (`trust_text`, app.engine.code_trust).
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import has_template, render_config
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.command_process import Finished, ProcessTimedOut, run_process
from app.nodes.context import StepContext

ERROR_LINES = 5  # lines of stderr quoted when the exit code is not allowed


class CommandConfig(NodeConfig):
    program: str = Field(
        "",
        description="The program: a name on PATH or a path (~ expands). With shell on, the "
        "whole command line",
    )
    args: list[str] = Field(
        default_factory=list,
        description="Arguments, one item each (never split by a shell); may use {{ expressions }}",
    )
    cwd: str | None = Field(None, description="Working folder (~ expands); default: Ren's")
    env: dict[str, str] = Field(
        default_factory=dict, description="Environment variables; values may use {{ expressions }}"
    )
    env_mode: Literal["merge", "replace"] = Field(
        "merge", description="merge: over Ren's environment; replace: only these variables"
    )
    stdin: str | None = Field(None, description="Text sent to the program's input (a template)")
    shell: bool = Field(
        False, description="Run `program` as a command line through the shell (sh, cmd.exe)"
    )
    timeout_s: float | None = Field(
        300, gt=0, description="Kill the program and all it started after this many seconds"
    )
    allow_exit_codes: list[int] = Field(
        default_factory=lambda: [0], description="Exit codes that count as success"
    )
    output_limit_bytes: int = Field(
        1_048_576, ge=0, description="Keep at most this much of stdout and of stderr each"
    )
    encoding: str = Field("utf-8", description="How the program's output and input are encoded")


class CommandFailed(RuntimeError):
    """The program could not start, ran too long, or exited with a code not allowed."""


class CommandNode(NodeType[CommandConfig]):
    type_name = "command"
    title = "Run command"
    category = "System"
    description = (
        "Runs a program with a list of arguments (no shell unless asked), in a working folder, "
        "with environment variables and input text; outputs its exit_code, stdout and stderr. "
        "An exit code not allowed fails the step; a timeout kills the program and everything "
        'it started. E.g. program git, args ["-C", "{{ input.repo }}", "pull"].'
    )
    icon = "terminal"
    config_model = CommandConfig
    trust_what = "a command"

    def trust_text(self, config: CommandConfig) -> str | None:
        """The command line as canonical JSON: what a person reads and trusts."""
        shown = {
            "program": config.program,
            "args": config.args,
            "cwd": config.cwd,
            "env": config.env,
            "env_mode": config.env_mode,
            "stdin": config.stdin,
            "shell": config.shell,
        }
        return json.dumps(shown, sort_keys=True, indent=2, ensure_ascii=False)

    def output_ports(self, config: CommandConfig) -> Sequence[Port]:
        return (Port("out", "object"),)

    def config_problems(
        self, config: CommandConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = template_fields("program", config.program)
        problems += template_fields("args", config.args)
        problems += template_fields("cwd", config.cwd)
        problems += template_fields("env", config.env)
        problems += template_fields("stdin", config.stdin)
        if not config.program.strip():
            return [("program", "name the program to run, e.g. git"), *problems]
        try:
            codecs.lookup(config.encoding)
        except LookupError:
            problems.append(("encoding", f"unknown encoding '{config.encoding}'"))
        if config.shell:
            problems += _shell_problems(config)
        elif not has_template(config.program):
            missing = _missing_program(config.program, config.cwd)
            if missing:
                problems.append(("program", missing))
        if config.cwd and not has_template(config.cwd):
            folder = Path(config.cwd).expanduser()
            if not folder.is_dir():
                problems.append(("cwd", f"the working folder '{folder}' does not exist"))
        return problems

    async def execute(self, ctx: StepContext, config: CommandConfig, input: Any) -> NodeResult:
        self.require_trust(ctx, config)  # validation refuses it first; this is the second guard
        rendered = _render(config, ctx.scope(input))
        name = _name(rendered)
        argv = rendered.program if config.shell else [_program(rendered.program), *rendered.args]
        cwd = str(Path(rendered.cwd).expanduser()) if rendered.cwd else None
        env = dict(rendered.env) if config.env_mode == "replace" else {**os.environ, **rendered.env}
        try:
            stdin = None if rendered.stdin is None else rendered.stdin.encode(config.encoding)
        except UnicodeEncodeError as err:
            raise CommandFailed(f"command '{name}': stdin cannot be written as {err}") from None
        try:
            finished = await run_process(
                argv,
                shell=config.shell,
                cwd=cwd,
                env=env,
                stdin=stdin,
                timeout_s=config.timeout_s,
                limit=config.output_limit_bytes,
            )
        except FileNotFoundError as err:
            raise CommandFailed(_not_started(name, cwd, err)) from None
        except PermissionError as err:
            raise CommandFailed(f"command '{name}' cannot start: {err}") from None
        except ProcessTimedOut as err:
            raise CommandFailed(
                f"command '{name}' {err}; it and every process it started were killed"
            ) from None
        output = _output(finished, config.encoding)
        if finished.exit_code not in config.allow_exit_codes:
            raise CommandFailed(_exit_message(name, finished, config.encoding))
        return NodeResult(output)


def _render(config: CommandConfig, scope: dict[str, Any]) -> CommandConfig:
    """The config with its templates rendered (a template giving a number becomes text)."""
    fields = ("program", "args", "cwd", "env", "stdin")
    raw = {f: getattr(config, f) for f in fields}
    done = render_config(raw, scope)
    as_text = {
        "program": str(done["program"]),
        "args": [_text(a) for a in done["args"]],
        "cwd": None if done["cwd"] is None else str(done["cwd"]),
        "env": {str(k): _text(v) for k, v in done["env"].items()},
        "stdin": None if done["stdin"] is None else _text(done["stdin"]),
    }
    return config.model_copy(update=as_text)


def _name(rendered: CommandConfig) -> str:
    """How errors name the command: its program (with a shell, the line's first word)."""
    words = rendered.program.split() if rendered.shell else [rendered.program]
    return words[0] if words else "shell"


def _program(program: str) -> str:
    return str(Path(program).expanduser()) if program.startswith("~") else program


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _output(finished: Finished, encoding: str) -> dict[str, Any]:
    return {
        "exit_code": finished.exit_code,
        "stdout": bytes(finished.stdout.data).decode(encoding, errors="replace"),
        "stderr": bytes(finished.stderr.data).decode(encoding, errors="replace"),
        "stdout_truncated": finished.stdout.truncated,
        "stderr_truncated": finished.stderr.truncated,
        "duration_s": round(finished.duration_s, 3),
    }


def _exit_message(name: str, finished: Finished, encoding: str) -> str:
    tail = bytes(finished.stderr.tail).decode(encoding, errors="replace").strip()
    lines = tail.splitlines()[-ERROR_LINES:]
    said = "\n".join(lines) if lines else "(nothing on stderr)"
    return f"command '{name}' exited with {finished.exit_code}: {said}"


def _not_started(name: str, cwd: str | None, err: FileNotFoundError) -> str:
    if cwd and not Path(cwd).is_dir():
        return f"command '{name}': the working folder '{cwd}' does not exist"
    return f"command '{name}': program not found (not on PATH and not an existing file)"


def _missing_program(program: str, cwd: str | None) -> str | None:
    if shutil.which(program):
        return None
    path = Path(program).expanduser()
    if not path.is_absolute() and cwd and not has_template(cwd):
        path = Path(cwd).expanduser() / path
    if path.is_file():
        return None
    return f"program '{program}' is not on PATH and is not an existing file"


def _shell_problems(config: CommandConfig) -> list[tuple[str, str]]:
    problems = []
    if config.args:
        problems.append(("args", "with shell on, write the whole command line in program"))
    if has_template(config.program):
        problems.append(
            (
                "program",
                "a {{ template }} in a shell command line can inject commands: turn shell off "
                "and pass values as args, or pass them in env and use $NAME",
            )
        )
    return problems
