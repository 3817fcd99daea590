"""`ren` with no command starts the app: its options, and what it says when it cannot."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from app.cli import build_parser
from tests.browser import start_ren, stop_app
from tests.ren_cli import ROOT, ren_env, run_ren


def test_the_app_options_are_on_ren_itself_and_on_serve() -> None:
    args = build_parser().parse_args(["--port", "9001", "--host", "0.0.0.0", "--no-browser"])
    assert (args.command, args.port, args.host, args.no_browser) == (None, 9001, "0.0.0.0", True)
    args = build_parser().parse_args([])
    assert (args.port, args.host, args.no_browser, args.native) == (8710, "127.0.0.1", False, False)
    args = build_parser().parse_args(["serve", "--native", "--functions", "a.py"])
    assert (args.command, args.native, args.functions) == ("serve", True, ["a.py"])
    args = build_parser().parse_args(["run", "flow.json", "--functions", "x.py"])
    assert (args.command, args.functions) == ("run", ["x.py"])


def ren_without(home: Path, modules: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    """`ren` in a Python where `modules` cannot be imported (as if not installed)."""
    hide = "; ".join(f"sys.modules[{m!r}] = None" for m in modules)
    code = f"import sys; {hide}; from app.cli import main; sys.exit(main())"
    command = [sys.executable, "-c", code, *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=ren_env(home), cwd=ROOT, timeout=60
    )


def test_native_without_pywebview_says_how_to_get_it(tmp_path: Path) -> None:
    result = ren_without(tmp_path, ["webview"], "--native")
    assert result.returncode == 2
    assert "--native needs pywebview: pip install 'ren[native]'" in result.stderr
    assert not (tmp_path / "ren.sqlite").exists()  # refused before opening anything


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt or GTK: Linux's choice")
def test_native_without_a_web_engine_says_how_to_get_one(tmp_path: Path) -> None:
    result = ren_without(tmp_path, ["qtpy", "gi"], "--native")
    assert result.returncode == 2
    assert "--native on Linux needs Qt or GTK for pywebview" in result.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_a_stop_signal_ends_ren_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    home = tmp_path / "home"
    process, _ = start_ren(home)
    process.send_signal(stop)
    assert process.wait(timeout=20) == 0
    log = (home / "ren.log").read_text()
    assert log.rstrip().endswith("Ren stopped."), log
    assert "Traceback" not in log
    again, _ = start_ren(home)  # the data folder was let go
    stop_app(again)


def test_a_taken_port_is_refused_with_advice(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_ren(tmp_path, "--no-browser", "--port", str(port))
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port" in result.stderr


def test_bad_functions_file_is_refused(tmp_path: Path) -> None:
    result = run_ren(tmp_path, "--no-browser", "--functions", str(tmp_path / "missing.py"))
    assert result.returncode == 2
    assert "cannot load functions from" in result.stderr


def test_a_second_ren_on_the_same_folder_points_to_the_first(tmp_path: Path) -> None:
    home = tmp_path / "home"
    process, url = start_ren(home)
    try:
        with urllib.request.urlopen(url + "/settings", timeout=10) as page:
            assert page.status == 200
        second = run_ren(home, "--no-browser")
        assert second.returncode == 0, second.stderr
        assert f"Ren is already running for {home.resolve()} at {url}" in second.stdout
        log = (home / "ren.log").read_text()
        assert f"Ren is running at {url} (data: {home.resolve()})" in log
    finally:
        stop_app(process)
