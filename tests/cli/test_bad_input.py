"""`ren` on bad files and a broken data folder: one clear line and an exit code, never a
traceback (real `ren` processes on real folders)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ren_cli import REN, ROOT, ren_env, run_ren


def flow(**extra: Any) -> dict[str, Any]:
    return {
        "schema": "ren.workflow/1",
        "name": "flow",
        "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
        "edges": [{"source": "start", "target": "end"}],
        **extra,
    }


def clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


BAD_FILES = {
    "deep": ("[" * 100_000 + "]" * 100_000, "the JSON is nested too deeply"),
    "surrogate": (
        json.dumps(flow()).replace('"id": "end"', '"id": "end", "name": "x\\ud800"'),
        "nodes[1] (id 'end').name: \"x\\ud800\" holds a lone surrogate",
    ),
    "schema": (
        json.dumps(flow(params={"properties": {"a": {"type": "nonsense"}}})),
        "params.properties.a.type: not a valid JSON Schema",
    ),
    "remote_ref": (
        json.dumps(flow(params={"properties": {"a": {"$ref": "http://127.0.0.1:9/a.json"}}})),
        "params.properties.a: $ref 'http://127.0.0.1:9/a.json' points outside the schema",
    ),
}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_is_refused_with_exit_2(
    home: Path, tmp_path: Path, command: str, name: str
) -> None:
    text, message = BAD_FILES[name]
    path = tmp_path / f"{name}.json"
    path.write_text(text, encoding="utf-8")
    result = run_ren(home, command, str(path))
    clean(result)
    assert result.returncode == 2
    assert message in result.stderr
    assert str(path) in result.stderr


def test_a_bad_input_is_refused_with_exit_2(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(flow()), encoding="utf-8")
    for value, message in [
        ('{"a": "\\ud800"}', 'a: "\\ud800" holds a lone surrogate'),
        ("[" * 5000 + "]" * 5000, "--input: the JSON is nested too deeply"),
    ]:
        result = run_ren(home, "run", str(path), "--input", value)
        clean(result)
        assert result.returncode == 2 and message in result.stderr


def test_a_damaged_database_exits_5_saying_what_to_do(home: Path) -> None:
    assert run_ren(home, "runs").returncode == 0
    db = home / "ren.sqlite"
    db.write_bytes(b"garbage" * 1000)
    result = run_ren(home, "runs")
    clean(result)
    assert result.returncode == 5
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"ren: the database {db} is damaged (")
    assert "move it aside" in line
    db.write_bytes(b"")  # an empty file is not taken for a new database either
    result = run_ren(home, "runs")
    assert result.returncode == 5 and "the file is empty (0 bytes)" in result.stderr


@pytest.fixture
def worker(home: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [*REN, "worker"], env=ren_env(home), cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        assert "ren worker: serving" in process.stderr.readline()
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_second_worker_on_a_busy_folder_says_so_in_one_line(
    home: Path, worker: subprocess.Popen[str]
) -> None:
    result = run_ren(home, "worker")
    clean(result)
    assert result.returncode == 5
    (line,) = result.stderr.splitlines()
    assert line == (
        f"ren: another Ren process (pid {worker.pid}) serves the data folder {home.resolve()}; "
        "stop it first, or use another data folder (--home)"
    )
