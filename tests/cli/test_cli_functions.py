"""The data folder's function library from the command line, as real processes: `ren functions
list|add|remove|check`, and `ren validate|run|complete|signal|retry` finding library functions
with no `--functions` and no worker running."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from tests.ren_cli import ROOT, run_ren

SEED004 = ROOT / "examples" / "seed004_functions.py"

AFTER = '''
from app import register_function


@register_function("lib.after")
def after(state, note: str = "done"):
    """Say what came before."""
    return {"note": note, "seen": sorted(state)}
'''

FLAKY = """
from app import register_function


@register_function("lib.flaky")
def flaky(state):
    raise RuntimeError("not yet")
"""


def ren_json(home: Path, *args: str) -> tuple[int, Any]:
    result = run_ren(home, *args, "--json")
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


def write_flow(path: Path, nodes: list[dict[str, Any]], ports: dict[str, str]) -> str:
    """start -> nodes -> end; `ports` names the source port of a node's outgoing edge."""
    chain = [{"id": "start", "type": "start"}, *nodes, {"id": "end", "type": "end"}]
    edges = [
        {"source": a["id"], "source_port": ports.get(a["id"], "out"), "target": b["id"]}
        for a, b in itertools.pairwise(chain)
    ]
    document = {"schema": "ren.workflow/1", "id": path.stem, "nodes": chain, "edges": edges}
    path.write_text(json.dumps(document))
    return str(path)


def library(home: Path, name: str, text: str) -> Path:
    folder = home / "functions"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_list_add_remove_check(home: Path, tmp_path: Path) -> None:
    empty = run_ren(home, "functions", "list")
    assert empty.returncode == 0 and "no functions" in empty.stdout

    added = run_ren(home, "functions", "add", str(SEED004))
    assert added.returncode == 0, added.stderr
    assert "added seed004_functions.py to the library: approve, reject" in added.stdout
    assert (home / "functions" / "seed004_functions.py").read_text() == SEED004.read_text()
    code, rows = ren_json(home, "functions", "list")
    assert code == 0
    assert [(r["name"], r["signature"], r["file"]) for r in rows] == [
        ("approve", "(state)", "seed004_functions.py"),
        ("reject", "(state)", "seed004_functions.py"),
    ]
    assert rows[0]["description"] == "Approve the request." and rows[0]["line"] == 14
    text = run_ren(home, "functions", "list").stdout
    assert "approve(state)  [seed004_functions.py:14]  Approve the request." in text

    again = run_ren(home, "functions", "add", str(SEED004))
    assert again.returncode == 2 and "already has a file seed004_functions.py" in again.stderr

    clash = tmp_path / "other.py"
    clash.write_text(AFTER.replace("lib.after", "approve"))
    refused = run_ren(home, "functions", "add", str(clash))
    assert refused.returncode == 2
    assert f"{clash}:5: function 'approve' is already registered by seed004_functions.py" in (
        refused.stderr
    )
    broken = tmp_path / "broken.py"
    broken.write_text("from app import register_function\n\nx = (\n")
    refused = run_ren(home, "functions", "add", str(broken))
    assert refused.returncode == 2 and f"{broken}:3: syntax error" in refused.stderr
    assert "Traceback" not in refused.stderr
    nothing = tmp_path / "nothing.py"
    nothing.write_text("x = 1\n")
    refused = run_ren(home, "functions", "add", str(nothing))
    assert refused.returncode == 2 and "registers no function" in refused.stderr
    assert sorted(p.name for p in (home / "functions").iterdir()) == ["seed004_functions.py"]

    one = run_ren(home, "functions", "remove", "approve")
    assert one.returncode == 2 and "is in seed004_functions.py with reject" in one.stderr
    gone = run_ren(home, "functions", "remove", "seed004_functions")
    assert gone.returncode == 0 and "(approve, reject)" in gone.stdout
    assert run_ren(home, "functions", "remove", "approve").returncode == 2


def test_check_reports_each_bad_file_and_loads_the_others(home: Path) -> None:
    library(home, "good.py", AFTER)
    library(home, "syntax.py", "from app import register_function\n\n\ndef f(:\n    pass\n")
    library(home, "boom.py", "import json\n\nraise ValueError('no config')\n")
    library(home, "twice.py", AFTER.replace("def after", "def after_again"))
    checked = run_ren(home, "functions", "check")
    assert checked.returncode == 2
    assert "functions/syntax.py:4: syntax error" in checked.stderr
    assert "functions/boom.py:3: ValueError: no config" in checked.stderr
    assert (
        "functions/twice.py:5: function 'lib.after' is also registered by good.py (line 5)"
        in checked.stderr
    )
    assert "Traceback" not in checked.stderr
    code, rows = ren_json(home, "functions", "list")
    assert code == 0 and [(r["name"], r["file"]) for r in rows] == [("lib.after", "good.py")]

    (home / "functions" / "syntax.py").unlink()
    (home / "functions" / "boom.py").unlink()
    (home / "functions" / "twice.py").unlink()
    fine = run_ren(home, "functions", "check")
    assert fine.returncode == 0 and "1 functions in 1 files: all load" in fine.stdout


def test_validate_and_run_find_library_functions_without_flags(home: Path) -> None:
    flow = str(ROOT / "examples" / "seed004_amount_approval.json")
    missing = run_ren(home, "validate", flow)
    assert missing.returncode == 2 and "function 'approve' is not registered" in missing.stderr
    assert run_ren(home, "functions", "add", str(SEED004)).returncode == 0
    valid = run_ren(home, "validate", flow)
    assert valid.returncode == 0, valid.stderr
    code, report = ren_json(home, "run", flow, "--input", '{"data": {"amount": 1500}}')
    assert code == 0 and report["output"] == {"decision": "approved", "amount": 1500}


def test_complete_and_signal_run_later_library_steps_on_their_own_engine(
    home: Path, tmp_path: Path
) -> None:
    library(home, "after.py", AFTER)
    task = {
        "id": "ask",
        "type": "human_task",
        "config": {"title": "Go?", "outcomes": [{"name": "go", "label": "Go"}]},
    }
    step = {"id": "after", "type": "function", "config": {"function": "lib.after"}}
    asked = write_flow(tmp_path / "asked.json", [task, step], {"ask": "go"})
    code, report = ren_json(home, "run", asked)
    assert code == 3, report
    (open_task,) = report["tasks"]
    code, done = ren_json(home, "complete", open_task["id"], "--outcome", "go", "--values", "{}")
    assert code == 0, done
    assert done["output"]["note"] == "done" and "outcome" in done["output"]["seen"]

    wait = {"id": "wait", "type": "signal", "config": {"name": "go"}}
    signalled = write_flow(tmp_path / "signalled.json", [wait, step], {})
    code, report = ren_json(home, "run", signalled)
    assert code == 3, report
    code, done = ren_json(home, "signal", report["run_id"], "go", "--data", '{"x": 1}')
    assert code == 0, done
    assert done["output"] == {"note": "done", "seen": ["data", "signal"]}


def test_retry_runs_the_fixed_library_function(home: Path, tmp_path: Path) -> None:
    source = library(home, "flaky.py", FLAKY)
    step = {"id": "flaky", "type": "function", "config": {"function": "lib.flaky"}}
    flow = write_flow(tmp_path / "flaky.json", [step], {})
    code, report = ren_json(home, "run", flow)
    assert code == 1 and "not yet" in json.dumps(report["error"])
    source.write_text(FLAKY.replace('raise RuntimeError("not yet")', 'return {"fixed": True}'))
    code, done = ren_json(home, "retry", report["run_id"])
    assert code == 0, done
    assert done["status"] == "succeeded" and done["output"] == {"fixed": True}
