"""`ren webhook WORKFLOW [--regenerate]` on the command's own engine (tests/api hands it to a
running app and worker)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ren_cli import ROOT
from tests.ren_cli import run_ren as ren

SEED4 = str(ROOT / "examples" / "seed004_amount_approval.json")
SEED4_FN = str(ROOT / "examples" / "seed004_functions.py")


def test_shows_and_regenerates_a_workflows_secret(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ran = ren(home, "run", SEED4, "--functions", SEED4_FN, "--input", '{"data": {"amount": 5}}')
    assert ran.returncode == 0, ran.stderr  # imported and published seed 004 (a webhook)

    shown = ren(home, "webhook", "workflow_1")
    assert shown.returncode == 0, shown.stderr
    secret_line, hook_line = shown.stdout.splitlines()
    secret = secret_line.removeprefix("secret: ")
    assert len(secret) >= 32
    assert hook_line == "POST /hooks/workflow_1/webhook/123  (version 1)"

    again = json.loads(ren(home, "webhook", "workflow_1", "--json").stdout)
    assert again["secret"] == secret and again["version"] == 1
    regenerated = json.loads(ren(home, "webhook", "workflow_1", "--regenerate", "--json").stdout)
    assert regenerated["secret"] != secret
    assert json.loads(ren(home, "webhook", "workflow_1", "--json").stdout) == regenerated

    missing = ren(home, "webhook", "nope")
    assert missing.returncode == 2
    assert "no workflow 'nope'" in missing.stderr
