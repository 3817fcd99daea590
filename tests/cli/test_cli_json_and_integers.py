"""`ren validate --json` and `ren run --json` print exactly one JSON object even for a bad
file; `ren show` says who answered a task; integers given to `ren run --input` stay
integers in the run's input, its task's text and its output. Real `ren` processes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.ren_cli import ROOT, run_ren

EXPENSE = str(ROOT / "examples" / "expense_approval.json")


def one_json_object(stdout: str) -> Any:
    """stdout holds exactly one JSON object (json.loads refuses anything after it)."""
    value = json.loads(stdout)
    assert isinstance(value, dict)
    return value


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json", "invalid JSON at line 1, column 1"),
        ('{"nodes": []}', "not a workflow"),
        ('{"nodes": [{"id": "a", "type": "nope"}], "edges": []}', "unknown node type 'nope'"),
    ],
)
def test_validate_and_run_json_print_one_object_for_an_invalid_file(
    tmp_path: Path, content: str, expected: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    checked = run_ren(tmp_path / "home", "validate", str(bad), "--json")
    assert checked.returncode == 2
    report = one_json_object(checked.stdout)
    assert report["valid"] is False
    assert any(expected in p for p in report["problems"]), report
    ran = run_ren(tmp_path / "home", "run", str(bad), "--json")
    assert ran.returncode == 2
    report = one_json_object(ran.stdout)
    assert report["status"] == "invalid" and report["run_id"] is None
    assert any(expected in p for p in report["problems"]), report
    assert expected in ran.stderr  # people reading the terminal still see it


def test_validate_json_gives_each_problem_with_its_node(tmp_path: Path) -> None:
    flow = json.loads(Path(EXPENSE).read_text(encoding="utf-8"))
    flow["nodes"][2]["config"]["values"]["code"] = "{{ input.budget_code }}"  # not the answer
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(flow), encoding="utf-8")
    result = run_ren(tmp_path / "home", "validate", str(path), "--json")
    report = one_json_object(result.stdout)
    (detail,) = report["details"]
    assert detail["code"] == "bad_reference" and detail["node_id"] == "paid"
    assert detail["node_name"] == "Mark as paid"
    assert "input.values.budget_code" in detail["message"]
    (line,) = report["problems"]
    assert "node Mark as paid [paid] config.values.code" in line


def test_integers_stay_integers_and_show_says_who_answered(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ran = run_ren(home, "run", EXPENSE, "--input", '{"who": "Ana", "amount": 1500}', "--json")
    report = one_json_object(ran.stdout)
    assert report["status"] == "waiting"
    (task,) = report["tasks"]
    assert task["title"] == "Expense of 1500 EUR for Ana"
    done = run_ren(
        home,
        "complete",
        task["id"],
        "--outcome",
        "approve",
        "--values",
        '{"budget_code": "TRAVEL", "comment": "ok"}',
        "--as",
        "maria",
        "--json",
    )
    finished = one_json_object(done.stdout)
    assert finished["status"] == "succeeded"
    shown = run_ren(home, "show", report["run_id"], "--json")
    details = one_json_object(shown.stdout)
    (answer,) = details["answered"]
    assert answer["completed_by"] == "maria" and answer["outcome"] == "approve"
    text = run_ren(home, "show", report["run_id"])
    assert f"task {task['id']} (Expense of 1500 EUR for Ana, node review): approve by maria" in (
        text.stdout
    )
    with sqlite3.connect(home / "ren.sqlite") as db:  # what was stored
        (stored,) = db.execute("SELECT input FROM run").fetchone()
        (output,) = db.execute("SELECT output FROM step WHERE node_id='start'").fetchone()
    assert json.loads(stored) == {"who": "Ana", "amount": 1500}
    assert type(json.loads(stored)["amount"]) is int and "1500.0" not in stored + output
