"""The command node on a real engine and SQLite file, with real processes: arguments never
pass through a shell, stdin/cwd/env, exit codes, the output cap, and a process tree that a
timeout or a cancel kills whole (grandchildren included, checked with psutil)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import psutil

from app.engine.service import Engine
from tests.conftest import chain_workflow
from tests.flows import publish_reviewed, step_error

PY = sys.executable


def command_flow(wid: str = "wf", **config: Any) -> dict[str, Any]:
    return chain_workflow({"type": "command", "config": config}, wid=wid)


async def run_command(engine: Engine, input: Any = None, **config: Any) -> Any:
    return await engine.run(publish_reviewed(engine, command_flow(**config)), input or {})


def gone(pid: int) -> bool:
    """No such process, or only its zombie entry (the container's init may not reap it)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


PRINT_ARGV = "import json, sys; print(json.dumps(sys.argv[1:]))"


async def test_args_are_passed_as_a_list_with_no_shell(engine: Engine, tmp_path: Path) -> None:
    victim = tmp_path / "x"
    victim.mkdir()
    args = ["-c", PRINT_ARGV, "two words", f"; rm -rf {victim}", "{{ input.name }}", "$HOME"]
    run = await run_command(engine, {"name": "it's"}, program=PY, args=args)
    assert run.status == "succeeded"
    out = run.output
    assert json.loads(out["stdout"]) == ["two words", f"; rm -rf {victim}", "it's", "$HOME"]
    assert out["exit_code"] == 0 and out["stderr"] == ""
    assert out["stdout_truncated"] is False and out["duration_s"] >= 0
    assert victim.is_dir()


async def test_stdin_cwd_and_env(engine: Engine, tmp_path: Path) -> None:
    code = (
        "import os, sys; data = sys.stdin.read(); env = os.environ;"
        "print(data.upper(), os.getcwd(), env.get('GREETING'), env.get('PATH') is None)"
    )
    run = await run_command(
        engine,
        {"who": "ada"},
        program=PY,
        args=["-c", code],
        stdin="hello {{ input.who }}",
        cwd=str(tmp_path),
        env={"GREETING": "hi {{ input.who }}"},
    )
    assert run.status == "succeeded"
    assert run.output["stdout"].split() == ["HELLO", "ADA", str(tmp_path), "hi", "ada", "False"]
    replaced = await run_command(
        engine, program=PY, args=["-c", code], env={"GREETING": "x"}, env_mode="replace", wid="r"
    )
    assert replaced.output["stdout"].split()[-2:] == ["x", "True"]  # only the given variables


async def test_a_non_zero_exit_fails_with_the_end_of_stderr_unless_allowed(
    engine: Engine,
) -> None:
    code = (
        "import sys; print('\\n'.join(f'line {i}' for i in range(9)), file=sys.stderr); sys.exit(2)"
    )
    run = await run_command(engine, program=PY, args=["-c", code])
    assert run.status == "failed"
    message = step_error(engine, run.id)["message"]
    name = PY
    assert message.endswith(
        f"command '{name}' exited with 2: line 4\nline 5\nline 6\nline 7\nline 8"
    )
    allowed = await run_command(
        engine, program=PY, args=["-c", code], allow_exit_codes=[0, 2], wid="ok"
    )
    assert allowed.status == "succeeded"
    assert allowed.output["exit_code"] == 2 and "line 8" in allowed.output["stderr"]


async def test_output_is_capped_with_a_truncated_flag(engine: Engine) -> None:
    code = "import sys; sys.stdout.write('a' * 300000); sys.stderr.write('b' * 10)"
    run = await run_command(engine, program=PY, args=["-c", code], output_limit_bytes=1000)
    assert run.status == "succeeded"
    assert run.output["stdout"] == "a" * 1000 and run.output["stdout_truncated"] is True
    assert run.output["stderr"] == "b" * 10 and run.output["stderr_truncated"] is False


TREE = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
open(sys.argv[1], "w").write(f"{child.pid}")
time.sleep(120)
"""


async def wait_for_file(path: Path) -> str:
    while not path.exists() or not path.read_text():
        await asyncio.sleep(0.05)
    return path.read_text()


async def test_a_timeout_kills_the_whole_process_tree(engine: Engine, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    run = await run_command(engine, program=PY, args=["-c", TREE, str(pids)], timeout_s=1.5)
    assert run.status == "failed"
    message = step_error(engine, run.id)["message"]
    assert "timed out after 1.5 s; it and every process it started were killed" in message
    grandchild = int(pids.read_text())
    assert gone(grandchild)


async def test_a_grandchild_left_behind_by_its_exited_parent_is_killed(
    engine: Engine, tmp_path: Path
) -> None:
    """The parent exits at once; its child keeps stdout open and sleeps: the timeout (or the
    pipes left open) still reaches it through the process group."""
    pids = tmp_path / "pids"
    orphaning = TREE.rsplit("time.sleep(120)", 1)[0]  # the parent ends once the child started
    run = await run_command(engine, program=PY, args=["-c", orphaning, str(pids)], timeout_s=30)
    assert run.status == "succeeded"
    assert gone(int(pids.read_text()))


async def test_cancelling_the_run_kills_the_tree(engine: Engine, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    wid = publish_reviewed(
        engine, command_flow(program=PY, args=["-c", TREE, str(pids)], timeout_s=None)
    )
    run_id = await engine.start_run(wid, {})
    grandchild = int(await wait_for_file(pids))
    await engine.control.cancel(run_id)
    run = await engine.wait(run_id)
    assert run.status == "canceled"
    assert gone(grandchild)


async def test_a_missing_program_is_a_problem_and_a_clear_error(engine: Engine) -> None:
    spec = engine.workflows.import_document(command_flow(program="no-such-program-ren"))
    problems = [str(p) for p in engine.validate(spec, check_trust=False)]
    assert problems == [
        "node 'n1' config.program: program 'no-such-program-ren' is not on PATH and is not an "
        "existing file"
    ]
    run = await run_command(engine, {"p": "no-such-program-ren"}, program="{{ input.p }}")
    assert step_error(engine, run.id)["message"].endswith(
        "command 'no-such-program-ren': program not found (not on PATH and not an existing file)"
    )


async def test_bad_config_is_named_before_publishing(engine: Engine, tmp_path: Path) -> None:
    cases = {
        "program": ({"program": ""}, "name the program to run"),
        "encoding": ({"program": PY, "encoding": "klingon"}, "unknown encoding 'klingon'"),
        "cwd": ({"program": PY, "cwd": str(tmp_path / "nope")}, "does not exist"),
        "args": ({"program": "echo hi", "shell": True, "args": ["x"]}, "whole command line"),
        "args[0]": ({"program": PY, "args": ["{{ input. }}"]}, ""),
    }
    for field, (config, text) in cases.items():
        spec = engine.workflows.import_document(command_flow(**config))
        found = [p for p in engine.validate(spec, check_trust=False) if p.node_id == "n1"]
        assert any(p.field == f"config.{field}" and text in p.message for p in found), found
    injected = engine.workflows.import_document(
        command_flow(program="echo {{ input.x }}", shell=True)
    )
    messages = [p.message for p in engine.validate(injected, check_trust=False)]
    assert any("can inject commands" in m for m in messages)


async def test_shell_mode_runs_a_command_line(engine: Engine, tmp_path: Path) -> None:
    run = await run_command(engine, program="echo one two | tr a-z A-Z", shell=True)
    assert run.status == "succeeded" and run.output["stdout"].strip() == "ONE TWO"


# -- trust ---------------------------------------------------------------------------------


async def test_an_imported_command_is_untrusted_until_reviewed(
    engine: Engine, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    doc = command_flow(program=PY, args=["-c", f"open({str(marker)!r}, 'w')"])
    wid = engine.import_workflow(doc, publish=False)
    assert isinstance(wid, str)
    problems = engine.validate(engine.workflows.draft(wid), wid)
    assert [(p.code, p.node_id, p.message) for p in problems] == [
        (
            "untrusted_code",
            "n1",
            "this workflow was imported with a command; review and trust it before it runs",
        )
    ]
    shown = engine.workflows.trust.untrusted(wid, engine.workflows.draft(wid))
    assert json.loads(shown[0].text)["args"][1] == f"open({str(marker)!r}, 'w')"
    engine.workflows.trust.trust_spec(wid, engine.workflows.draft(wid), "review")
    assert engine.validate(engine.workflows.draft(wid), wid) == []
    engine.workflows.publish(wid)
    assert (await engine.run(wid, {})).status == "succeeded" and marker.exists()
    changed = command_flow(program=PY, args=["-c", "print('other')"])
    spec = engine.workflows.import_document(changed)
    assert [p.code for p in engine.validate(spec, wid)] == ["untrusted_code"]  # a new text


async def test_the_runner_refuses_a_command_that_lost_its_trust(
    engine: Engine, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    wid = publish_reviewed(
        engine, command_flow(program=PY, args=["-c", f"open({str(marker)!r}, 'w')"])
    )
    engine.store.write_raw("DELETE FROM trusted_code")
    run = await engine.run(wid, {})
    assert run.status == "failed"
    assert step_error(engine, run.id)["message"] == (
        "this workflow was imported with a command; review and trust it before it runs"
    )
    assert not marker.exists()


async def test_the_steps_own_timeout_kills_the_tree_too(engine: Engine, tmp_path: Path) -> None:
    """The node's `timeout_s` (the runner's, not the command's) cancels the step: same kill."""
    pids = tmp_path / "pids"
    config = {"program": PY, "args": ["-c", TREE, str(pids)], "timeout_s": None}
    doc = chain_workflow({"type": "command", "config": config, "timeout_s": 1.5})
    run = await engine.run(publish_reviewed(engine, doc), {})
    assert run.status == "failed"
    assert "timed out" in step_error(engine, run.id)["message"]
    assert gone(int(pids.read_text()))


async def test_stdin_that_its_encoding_cannot_hold_fails_clearly(engine: Engine) -> None:
    run = await run_command(engine, program=PY, args=["-c", "pass"], stdin="café", encoding="ascii")
    assert run.status == "failed"
    message = step_error(engine, run.id)["message"]
    assert message.startswith(f"command '{PY}': stdin cannot be written as 'ascii' codec")
