"""`ren rerun RUN --from NODE [--input JSON]` as a real process on a real data folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.ren_cli import run_ren


def write_workflow(folder: Path) -> Path:
    """start -> plus (x = n + 1) -> times (y = x * 2) -> end."""
    doc = {
        "schema": "ren.workflow/1",
        "id": "calc",
        "name": "Calc",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "plus", "type": "set", "config": {"values": {"x": "{{ input.n + 1 }}"}}},
            {"id": "times", "type": "set", "config": {"values": {"y": "{{ input.x * 2 }}"}}},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"source": "start", "target": "plus"},
            {"source": "plus", "target": "times"},
            {"source": "times", "target": "end"},
        ],
    }
    path = folder / "calc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def ren_json(home: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = run_ren(home, *args, "--json")
    return result.returncode, json.loads(result.stdout or "{}"), result.stderr


def test_rerun_from_a_node_with_an_edited_input(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, first, _ = ren_json(home, "run", str(write_workflow(tmp_path)), "--input", '{"n": 1}')
    assert code == 0 and first["output"]["y"] == 4
    code, again, _ = ren_json(home, "rerun", first["run_id"], "--from", "times")
    assert (code, again["status"], again["output"]["y"]) == (0, "succeeded", 4)
    assert again["rerun_of"] == first["run_id"] and again["run_id"] != first["run_id"]
    code, edited, _ = ren_json(
        home, "rerun", first["run_id"], "--from", "times", "--input", '{"x": 20}'
    )
    assert (code, edited["output"]["y"]) == (0, 40)
    human = run_ren(home, "rerun", first["run_id"], "--from", "plus")
    assert human.returncode == 0
    assert human.stdout.startswith(f"re-run of {first['run_id']} from plus\nrun ")


def test_bad_reruns_exit_2_and_say_why(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _, first, _ = ren_json(home, "run", str(write_workflow(tmp_path)), "--input", '{"n": 1}')
    bad_node = run_ren(home, "rerun", first["run_id"], "--from", "nowhere")
    assert bad_node.returncode == 2
    assert "has no node 'nowhere'" in bad_node.stderr
    bad_json = run_ren(home, "rerun", first["run_id"], "--from", "times", "--input", "{x")
    assert bad_json.returncode == 2 and "--input is not valid JSON" in bad_json.stderr
    no_run = run_ren(home, "rerun", "nope", "--from", "times")
    assert no_run.returncode == 2 and "no run 'nope'" in no_run.stderr
