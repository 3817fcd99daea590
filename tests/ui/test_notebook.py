"""`app.notebook.start()` as a notebook uses it, in a process of its own (as a kernel would be):
the app serves pages on its thread, the handle drives the same engine, `show()` displays an
IFrame through IPython (a stand-in module records what it was given)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import json, sys, types, urllib.request

    shown = []
    display = types.ModuleType("IPython.display")
    display.IFrame = lambda src, width, height: ("iframe", src, width, height)
    display.display = shown.append
    sys.modules["IPython"] = types.ModuleType("IPython")
    sys.modules["IPython.display"] = display

    import app.notebook
    from app.nodes.functions import load_functions

    load_functions("examples/seed004_functions.py")
    ren = app.notebook.start(sys.argv[1], height=600)
    page = urllib.request.urlopen(ren.url + "/workflows", timeout=10)
    ren.import_workflow("examples/seed004_amount_approval.json")
    run = ren.run("workflow_1", {"data": {"amount": 1500}}, timeout=30)
    runs_page = urllib.request.urlopen(ren.url + "/runs", timeout=10).read().decode()
    again = app.notebook.start(show=False)
    ren.show("/runs")
    ren.close()
    print(json.dumps({
        "url": ren.url,
        "page_status": page.status,
        "run_status": run.status,
        "output": run.output,
        "run_listed": run.id in runs_page,
        "same_handle": again is ren,
        "shown": shown,
    }))
    """
)


def test_one_call_starts_the_app_and_returns_the_api(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "home")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    url = report["url"]
    assert url.startswith("http://127.0.0.1:")
    assert report["page_status"] == 200
    assert report["run_status"] == "succeeded"
    assert report["output"] == {"decision": "approved", "amount": 1500}
    assert report["run_listed"] and report["same_handle"]
    assert report["shown"] == [
        ["iframe", url + "/workflows", "100%", 600],
        ["iframe", url + "/runs", "100%", 600],
    ]
