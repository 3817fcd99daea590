"""The `ren` command line, run as a real process on a real data folder."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.ren_cli import ROOT, run_ren

EXAMPLES = ROOT / "examples"


def run_json(home: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_ren(home, "run", *args, "--json")
    assert result.stdout.count("\n") == 1, result.stdout + result.stderr
    return result.returncode, json.loads(result.stdout)


def by_node(report: dict[str, Any]) -> dict[str, str]:
    return {s["node_id"]: s["status"] for s in report["steps"]}


def row_counts(home: Path) -> dict[str, int]:
    db = home / "ren.sqlite"
    if not db.exists():
        return {}
    with sqlite3.connect(db) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("workflow", "workflow_version", "run", "step", "event")
        }


SEED1 = str(EXAMPLES / "seed001_product_selection.json")
SEED1_FN = str(EXAMPLES / "seed001_functions.py")
SEED4 = str(EXAMPLES / "seed004_amount_approval.json")
SEED4_FN = str(EXAMPLES / "seed004_functions.py")


def test_seed001_with_enough_products_runs_every_node_once(tmp_path: Path) -> None:
    code, report = run_json(tmp_path, SEED1, "--functions", SEED1_FN)
    assert code == 0 and report["status"] == "succeeded"
    assert by_node(report) == {
        n: "succeeded"
        for n in [
            "start",
            "scrape",
            "check_count",
            "process_images",
            "calculate_similarity",
            "export_results",
            "end",
        ]
    }
    assert all(s["attempt"] == 1 for s in report["steps"])
    order = [s["node_id"] for s in report["steps"]]
    assert order.index("end") > order.index("export_results")
    assert report["output"]["exported"] == 1000


def test_seed001_with_few_products_skips_processing_and_still_ends(tmp_path: Path) -> None:
    code, report = run_json(tmp_path, SEED1, "--functions", SEED1_FN, "--input", '{"count": 50}')
    assert code == 0
    status = by_node(report)
    assert [status[n] for n in ("process_images", "calculate_similarity", "export_results")] == [
        "skipped"
    ] * 3
    assert status["end"] == "succeeded" and status["check_count"] == "succeeded"
    assert report["output"]["product_count"] == 50


@pytest.mark.parametrize(
    ("amount", "runs", "skipped", "decision"),
    [(1500, "node_3", "node_4", "approved"), (10, "node_4", "node_3", "rejected")],
)
def test_seed004_approves_or_rejects_by_amount(
    tmp_path: Path, amount: int, runs: str, skipped: str, decision: str
) -> None:
    code, report = run_json(
        tmp_path,
        SEED4,
        "--functions",
        SEED4_FN,
        "--input",
        json.dumps({"data": {"amount": amount}}),
    )
    assert code == 0
    assert by_node(report)[runs] == "succeeded" and by_node(report)[skipped] == "skipped"
    assert report["output"] == {"decision": decision, "amount": amount}


def test_failed_run_exits_1_and_paused_run_exits_3(tmp_path: Path) -> None:
    functions = tmp_path / "fns.py"
    functions.write_text(
        "from app import register_function\n\n"
        "@register_function('cli.boom')\n"
        "def boom(state):\n    raise RuntimeError('kaboom')\n"
    )
    doc: dict[str, Any] = {
        "schema": "ren.workflow/1",
        "name": "boom",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "b", "type": "function", "config": {"function": "cli.boom"}},
        ],
        "edges": [{"source": "start", "target": "b"}],
    }
    flow = tmp_path / "boom.json"
    flow.write_text(json.dumps(doc))
    code, report = run_json(tmp_path / "h", str(flow), "--functions", str(functions))
    assert code == 1 and report["status"] == "failed"
    assert report["error"]["message"] == "kaboom" and report["error"]["node_key"] == "b"
    doc["nodes"][1]["on_error"] = "pause"
    flow.write_text(json.dumps(doc))
    code, report = run_json(tmp_path / "h", str(flow), "--functions", str(functions))
    assert code == 3 and report["status"] == "paused"


def test_human_output_and_progress(tmp_path: Path) -> None:
    result = run_ren(
        tmp_path, "run", SEED4, "--functions", SEED4_FN, "--input", '{"data": {"amount": 5000}}'
    )
    assert result.returncode == 0
    assert "succeeded" in result.stdout and '"approved"' in result.stdout
    assert "ok   node_2" in result.stderr and "skip node_4" in result.stderr


def test_validate_valid_and_invalid(tmp_path: Path) -> None:
    ok = run_ren(tmp_path, "validate", SEED4, "--functions", SEED4_FN)
    assert ok.returncode == 0 and "valid" in ok.stdout
    missing = run_ren(tmp_path, "validate", SEED4, "--json")
    assert missing.returncode == 2
    problems = json.loads(missing.stdout)["problems"]
    assert any(
        "node 'node_3'" in p and "function 'approve' is not registered" in p for p in problems
    )


# -- bad input: one clear message naming file, node or field; exit 2; nothing written ------


def bad_case(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content)
    return str(path)


def test_malformed_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = bad_case(tmp_path, "broken.json", '{"nodes": [\n  {"id": "a",, }\n]}')
    result = run_ren(tmp_path / "h", "run", path)
    assert result.returncode == 2
    assert f"{path}: invalid JSON at line 2, column 14" in result.stderr
    assert not any(row_counts(tmp_path / "h").values())


def flow_file(tmp_path: Path, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> str:
    doc = {"schema": "ren.workflow/1", "name": "bad", "nodes": nodes, "edges": edges}
    return bad_case(tmp_path, "flow.json", json.dumps(doc))


START = {"id": "start", "type": "start"}


@pytest.mark.parametrize(
    ("nodes", "edges", "expected"),
    [
        (
            [START, {"id": "x", "type": "teleport"}],
            [{"source": "start", "target": "x"}],
            "node 'x' type: unknown node type 'teleport'",
        ),
        (
            [
                START,
                {"id": "a", "type": "log", "config": {"message": "m"}},
                {"id": "b", "type": "log", "config": {"message": "m"}},
            ],
            [
                {"source": "start", "target": "a"},
                {"source": "a", "target": "b"},
                {"source": "b", "target": "a"},
            ],
            "cycle 'a' -> 'b' -> 'a'",
        ),
        (
            [
                START,
                {"id": "c", "type": "if", "config": {"condition": "amount >>> 3"}},
                {"id": "t", "type": "end"},
                {"id": "f", "type": "end"},
            ],
            [
                {"source": "start", "target": "c"},
                {"source": "c", "source_port": "true", "target": "t"},
                {"source": "c", "source_port": "false", "target": "f"},
            ],
            "node 'c' config.condition:",
        ),
        (
            [START, {"id": "f", "type": "function", "config": {"function": "no.such"}}],
            [{"source": "start", "target": "f"}],
            "node 'f' config.function: function 'no.such' is not registered",
        ),
    ],
)
def test_invalid_workflows_are_refused_before_anything_is_written(
    tmp_path: Path, nodes: list[dict[str, Any]], edges: list[dict[str, Any]], expected: str
) -> None:
    path = flow_file(tmp_path, nodes, edges)
    result = run_ren(tmp_path / "h", "run", path)
    assert result.returncode == 2, result.stderr
    assert f"{path}: " in result.stderr and expected in result.stderr
    assert not any(row_counts(tmp_path / "h").values())


def test_wrong_input_is_refused_naming_the_field(tmp_path: Path) -> None:
    doc = {
        "schema": "ren.workflow/1",
        "name": "typed",
        "params": {
            "type": "object",
            "required": ["amount"],
            "properties": {"amount": {"type": "number"}},
        },
        "nodes": [START],
        "edges": [],
    }
    path = bad_case(tmp_path, "typed.json", json.dumps(doc))
    not_json = run_ren(tmp_path / "h", "run", path, "--input", "{amount: 1}")
    assert not_json.returncode == 2
    assert "--input is not valid JSON" in not_json.stderr
    wrong = run_ren(tmp_path / "h", "run", path, "--input", '{"amount": "lots"}')
    assert wrong.returncode == 2
    assert "input.amount: 'lots' is not of type 'number'" in wrong.stderr
    missing = run_ren(tmp_path / "h", "run", path, "--input-file", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "cannot read --input-file" in missing.stderr
    assert not any(row_counts(tmp_path / "h").values())


def test_missing_functions_file(tmp_path: Path) -> None:
    result = run_ren(tmp_path, "run", SEED4, "--functions", str(tmp_path / "nope.py"))
    assert result.returncode == 2 and "cannot load functions from" in result.stderr
