"""`ren --help` and `ren validate` start fast because they import no engine, web server or
database layer (checked by the modules a fresh interpreter holds afterwards, not by timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "sqlmodel",
    "nicegui",
    "networkx",
    "httpx",
    "apscheduler",
    "app.engine.service",
    "app.api.ops",
    "app.sdk",
)

PROBE = """
import json, sys
from app.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY or m in HEAVY)
print("MODULES " + json.dumps({"code": code, "heavy": heavy}))
"""


def probe(home: Path, *args: str) -> dict[str, object]:
    script = f"HEAVY = {HEAVY!r}\n{PROBE}"
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"REN_HOME": str(home), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES "))
    found: dict[str, object] = json.loads(line.removeprefix("MODULES "))
    return found


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("validate", str(ROOT / "examples" / "expense_approval.json")),
        ("validate", "--json", str(ROOT / "examples" / "expense_approval.json")),
        ("validate", str(ROOT / "examples" / "seed004_amount_approval.json")),  # laid out anew
    ],
)
def test_help_and_validate_import_no_engine(tmp_path: Path, args: tuple[str, ...]) -> None:
    found = probe(tmp_path, *args)
    assert found["code"] in (0, 2)
    assert found["heavy"] == []


def test_a_bad_file_is_still_one_line_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    found = probe(tmp_path, "validate", str(bad))
    assert found["code"] == 2
    assert found["heavy"] == []
