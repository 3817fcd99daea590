"""Step outputs on a real engine: bounded in size, and exact JSON data or a clear failure."""

from __future__ import annotations

import datetime
import enum
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app import register_function
from app.engine.service import Engine
from tests.conftest import chain_workflow
from tests.ren_cli import REN, ROOT, ren_env


class Thing:
    """A custom object a careless function might return."""


class Level(enum.IntEnum):
    HIGH = 3


@register_function("out.big")
def big(state: dict[str, Any], megabytes: float = 18.2) -> dict[str, Any]:
    return {"blob": "x" * int(megabytes * 2**20)}


@register_function("out.rows")
def rows(state: dict[str, Any], count: int = 10) -> dict[str, Any]:
    return {"rows": [{"id": i, "name": f"row {i}"} for i in range(count)]}


@register_function("out.weird")
def weird(state: dict[str, Any], kind: str) -> Any:
    values: dict[str, Any] = {
        "set": {"items": [1, 2, 3, {4, 5}]},
        "object": {"result": {"data": {"owner": Thing()}}},
        "datetime": {"when": datetime.datetime(2024, 1, 2, 3, 4, 5)},
        "nan": {"score": float("nan")},
        "inf": {"scores": [1.0, float("inf")]},
        "bytes": {"raw": b"\x00\x01"},
        "int key": {"by_id": {1: "one"}},
        "surrogate": {"name": "bad \ud800 text"},
    }
    return values[kind]


LEGIT: dict[str, Any] = {
    "int": 7,
    "big int": 2**80,
    "negative": -3,
    "float": 2.5,
    "whole float": 3.0,
    "flags": [True, False, None],
    "text": "naïve — 日本語 — 🚀",
    "nested": {"a": [{"b": [1, [2, [3, {"c": "d"}]]]}], "empty": {}, "none": []},
}


@register_function("out.legit")
def legit(state: dict[str, Any]) -> dict[str, Any]:
    return LEGIT


@register_function("out.convertible")
def convertible(state: dict[str, Any]) -> dict[str, Any]:
    return {"pair": (1, 2), "level": Level.HIGH, "nested": [("a", ("b",))]}


@register_function("out.types")
def types(state: dict[str, Any]) -> dict[str, Any]:
    """What the next step receives, with Python type names (downstream must see JSON types)."""

    def describe(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: describe(v) for k, v in value.items()}
        if isinstance(value, list):
            return [describe(v) for v in value]
        return type(value).__name__

    return {"seen": describe(state)}


def fn(name: str, **args: Any) -> dict[str, Any]:
    return {"type": "function", "config": {"function": name, "args": args}}


def db_bytes(home: Path) -> int:
    return sum(p.stat().st_size for p in home.glob("ren.sqlite*"))


async def run_chain(engine: Engine, *nodes: dict[str, Any], wid: str = "wf") -> Any:
    engine.import_workflow(chain_workflow(*nodes, wid=wid))
    return await engine.run(wid)


async def test_an_output_over_16_mib_fails_the_step_and_does_not_reach_the_database(
    engine: Engine, home: Path
) -> None:
    await run_chain(engine, fn("out.rows"), wid="warm")  # the tables exist and have pages
    before = db_bytes(home)
    run = await run_chain(engine, fn("out.big"))
    assert run.status == "failed"
    step = engine.steps(run.id)[1]
    assert step.status == "failed" and step.output is None
    assert step.error == {
        "type": "OutputTooLarge",
        "message": "output is 18.2 MiB of JSON, over the 16 MiB limit for one step "
        "(set REN_MAX_OUTPUT_BYTES to change it)",
    }
    assert db_bytes(home) - before < 2**20  # the 18 MB were never written


async def test_the_limit_is_set_by_ren_max_output_bytes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REN_MAX_OUTPUT_BYTES", "1k")
    fits = await run_chain(engine, fn("out.rows", count=5), wid="fits")
    assert fits.status == "succeeded"
    over = await run_chain(engine, fn("out.rows", count=40), wid="over")
    assert over.status == "failed"
    assert "over the 1 KiB limit for one step" in over.error["message"]
    far_over = await run_chain(engine, fn("out.big", megabytes=1), wid="far")
    message = engine.steps(far_over.id)[1].error["message"]  # refused before it is encoded
    assert message.startswith("output is at least 1 MiB of JSON, over the 1 KiB limit")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("set", "output.items[3] is a set, not JSON data"),
        ("object", "output.result.data.owner is a tests.engine.test_output_limits.Thing, "),
        ("datetime", "output.when is a datetime.datetime, not JSON data"),
        ("nan", "output.score is NaN, not a JSON number"),
        ("inf", "output.scores[1] is infinity, not a JSON number"),
        ("bytes", "output.raw is bytes, not JSON data"),
        ("int key", "output.by_id has the key 1 (an int); keys must be text"),
        ("surrogate", "output.name holds a lone surrogate (not valid Unicode text)"),
    ],
)
async def test_a_value_that_is_not_json_data_fails_naming_its_path_and_type(
    engine: Engine, kind: str, message: str
) -> None:
    run = await run_chain(engine, fn("out.weird", kind=kind))
    assert run.status == "failed"
    error = engine.steps(run.id)[1].error
    assert error is not None
    assert error["type"] == "NotJsonData"
    assert error["message"].startswith(message)
    assert "traceback" not in error  # the message says it all


async def test_json_outputs_round_trip_unchanged(engine: Engine) -> None:
    run = await run_chain(engine, fn("out.legit"), fn("out.types"))
    assert run.status == "succeeded"
    steps = engine.steps(run.id)
    assert steps[1].output == LEGIT
    assert type(steps[1].output["big int"]) is int and type(steps[1].output["int"]) is int
    assert type(steps[1].output["whole float"]) is float
    assert run.output["seen"]["int"] == "int" and run.output["seen"]["whole float"] == "float"
    assert run.output["seen"]["flags"] == ["bool", "bool", "NoneType"]


async def test_tuples_and_subclasses_become_plain_json_for_the_next_step_too(
    engine: Engine,
) -> None:
    run = await run_chain(engine, fn("out.convertible"), fn("out.types"))
    assert run.status == "succeeded"
    assert engine.steps(run.id)[1].output == {"pair": [1, 2], "level": 3, "nested": [["a", ["b"]]]}
    # the next step sees exactly what a resumed run would read back from the database
    assert run.output["seen"] == {
        "pair": ["int", "int"],
        "level": "int",
        "nested": [["str", ["str"]]],
    }


async def test_a_bad_limit_setting_fails_steps_saying_so(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REN_MAX_OUTPUT_BYTES", "lots")
    run = await run_chain(engine, fn("out.rows"))
    assert run.status == "failed"
    assert engine.steps(run.id)[1].error == {
        "type": "BadLimitSetting",
        "message": "REN_MAX_OUTPUT_BYTES='lots' is not a size (e.g. 1048576, 512k, 16M)",
    }


def test_ren_worker_refuses_a_bad_limit_setting_in_one_line(home: Path) -> None:
    worker = subprocess.run(
        [*REN, "worker", "--until-idle"],
        cwd=ROOT,
        env={**ren_env(home), "REN_MAX_OUTPUT_BYTES": "16 parsecs"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 2
    assert worker.stderr == (
        "ren: REN_MAX_OUTPUT_BYTES='16 parsecs' is not a size (e.g. 1048576, 512k, 16M)\n"
    )
