"""Packages that library files declare (PEP 723), from the command line as real processes:
`ren functions check|list` name what is missing, `ren functions install` asks, runs pip and says
how it went. pip never reaches the network here: it installs a wheel the test builds."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ren_cli import REN, ROOT, ren_env, run_ren

PACKAGE = "ren-dep-probe"
NEEDS = f'''# /// script
# dependencies = ["{PACKAGE}>=1"]
# ///
from app import register_function


@register_function("dep.probe")
def probe(state):
    import ren_dep_probe

    return {{"value": ren_dep_probe.VALUE}}
'''
MISSING = (
    f"ren: functions/probe.py: needs packages not installed: {PACKAGE}>=1; install them "
    "from the Functions page or with `ren functions install`"
)


def build_wheel(folder: Path) -> None:
    """A minimal pure-Python wheel of `ren-dep-probe` 1.0, made by hand."""
    info = "ren_dep_probe-1.0.dist-info"
    files = {
        "ren_dep_probe/__init__.py": "VALUE = 7\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: 1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{name},,\n" for name in [*files, f"{info}/RECORD"])
    with zipfile.ZipFile(folder / "ren_dep_probe-1.0-py3-none-any.whl", "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)


def uninstall() -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "uninstall", "-y", "-q", PACKAGE], capture_output=True
    )


@pytest.fixture
def offline_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """pip finds only the test's wheel; the package is uninstalled afterwards."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    build_wheel(wheels)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    uninstall()
    yield wheels
    uninstall()


def library(home: Path, name: str, text: str) -> None:
    (home / "functions").mkdir(parents=True, exist_ok=True)
    (home / "functions" / name).write_text(text)


def install(home: Path, answer: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*REN, "functions", "install"],
        input=answer,
        capture_output=True,
        text=True,
        env=ren_env(home),
        cwd=ROOT,
        timeout=120,
    )


def test_missing_packages_are_listed_and_installed_only_when_confirmed(
    tmp_path: Path, offline_pip: Path
) -> None:
    home = tmp_path / "home"
    library(home, "probe.py", NEEDS)
    check = run_ren(home, "functions", "check")
    assert check.returncode == 2
    assert MISSING in check.stderr.splitlines()
    listing = run_ren(home, "functions", "list")
    assert listing.returncode == 0 and "dep.probe(state)" in listing.stdout
    assert MISSING in listing.stderr.splitlines()

    refused = install(home, "n\n")
    assert refused.returncode == 1
    assert f"  probe.py: {PACKAGE}>=1" in refused.stdout
    assert "Install them with pip? [y/N] nothing installed" in refused.stdout
    assert run_ren(home, "functions", "check").returncode == 2

    confirmed = install(home, "y\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert f"Successfully installed {PACKAGE}-1.0" in confirmed.stdout  # pip's own output
    assert confirmed.stdout.rstrip().endswith(f"installed: {PACKAGE}>=1")
    assert run_ren(home, "functions", "check").returncode == 0
    again = run_ren(home, "functions", "install")
    assert again.stdout == "every package the library files declare is installed\n"

    uninstall()
    unasked = run_ren(home, "functions", "install", "--yes")
    assert unasked.returncode == 0, unasked.stderr
    assert "[y/N]" not in unasked.stdout
    assert f"installed: {PACKAGE}>=1" in unasked.stdout


def test_a_failed_install_says_so(tmp_path: Path, offline_pip: Path) -> None:
    home = tmp_path / "home"
    library(home, "probe.py", NEEDS.replace(f"{PACKAGE}>=1", f"{PACKAGE}>=2"))
    result = run_ren(home, "functions", "install", "--yes")
    assert result.returncode == 1
    assert f"still missing: {PACKAGE}>=2" in result.stderr.splitlines()[-1]


def test_a_malformed_metadata_block_is_a_problem_with_its_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    broken = NEEDS.replace('# dependencies = ["', '# dependencies = [\n#   "')
    broken = broken.replace('>=1"]', '>=1" oops]')
    library(home, "probe.py", broken)
    result = run_ren(home, "functions", "check")
    assert result.returncode == 2
    assert "ren: functions/probe.py: line 3: invalid metadata: Unclosed array" in result.stderr
