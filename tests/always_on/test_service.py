"""`ren service install|uninstall|status`: the systemd user unit is written where systemd looks
for it, its exact ExecStart line starts a Ren that serves the app, `status` finds that process,
`uninstall` removes the unit. The macOS LaunchAgent and the Windows logon task come from the
same description and are parsed back for their required keys."""

from __future__ import annotations

import plistlib
import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.service import autostart, launchd, systemd, windows
from app.service.description import describe
from tests.browser import free_port, start_app, stop_app
from tests.ren_cli import REN, ROOT, child_env

TASK = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"


def ren(config: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = child_env({"XDG_CONFIG_HOME": str(config), "REN_HOME": str(home)})
    return subprocess.run(
        [*REN, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def unit_values(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def exec_start_argv(line: str) -> list[str]:
    """The ExecStart line as systemd reads it (quotes, backslashes, doubled % and $)."""
    return [word.replace("%%", "%").replace("$$", "$") for word in shlex.split(line)]


def desktop_exec_argv(value: str) -> list[str]:
    """An Exec key as a desktop reads it (Desktop Entry Specification): the string value's
    escapes; then words split at spaces, where a double-quoted word takes `\\"`, `\\``,
    `\\$` and `\\\\` as those characters; then `%%` is a literal `%`."""
    text = re.sub(r"\\(.)", lambda m: {"s": " ", "n": "\n"}.get(m[1], m[1]), value)
    words: list[str] = []
    word, quoted, at = "", False, 0
    while at < len(text):
        char = text[at]
        if quoted and char == "\\" and at + 1 < len(text) and text[at + 1] in '"`$\\':
            word, at = word + text[at + 1], at + 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == " " and not quoted:
            if word:
                words.append(word)
            word = ""
        else:
            word += char
        at += 1
    assert not quoted, f"unclosed quote in {value!r}"
    return [w.replace("%%", "%") for w in [*words, word] if w]


def test_the_autostart_entry_quotes_an_awkward_folder(tmp_path: Path) -> None:
    folder = tmp_path / 'data 100% $HOME "q" back\\slash `x`'
    service = describe(folder, 8799)
    values = unit_values(autostart.entry_text(service))
    assert values["Type"] == "Application" and values["Terminal"] == "false"
    argv = desktop_exec_argv(values["Exec"])
    assert argv == [*service.command[:-5], "--home", str(folder), "tray"]


def test_the_installed_unit_starts_a_ren_that_serves_and_status_finds_it(tmp_path: Path) -> None:
    config, home = tmp_path / "config", tmp_path / "ren home"  # a space: quoting matters
    port = free_port()
    installed = ren(config, home, "service", "install", "--no-start", "--port", str(port))
    assert installed.returncode == 0, installed.stderr
    unit = config / "systemd" / "user" / "ren.service"
    assert f"Ren starts at login (systemd user unit): {unit}" in installed.stdout
    values = unit_values(unit.read_text())
    assert values["Restart"] == "on-failure"
    assert values["StandardOutput"] == f"append:{home.resolve()}/service.log"
    assert values["WantedBy"] == "default.target"
    argv = exec_start_argv(values["ExecStart"])
    assert argv[-5:] == ["--home", str(home.resolve()), "worker", "--port", str(port)]
    entry = config / "autostart" / "ren-tray.desktop"  # the icon once the desktop is up
    assert f"its tray icon at desktop login: {entry}" in installed.stdout
    assert desktop_exec_argv(unit_values(entry.read_text())["Exec"]) == [
        *argv[:-5],
        "--home",
        str(home.resolve()),
        "tray",
    ]

    url = f"http://127.0.0.1:{port}"
    log = home / "service.log"  # where systemd appends its output
    process = start_app(argv, url + "/workflows", log)
    try:
        status = ren(config, home, "service", "status")
        assert status.returncode == 0, status.stdout + status.stderr
        assert f"installed: yes (systemd user unit: {unit})" in status.stdout
        assert f"running: pid {process.pid}, at {url}, since " in status.stdout
    finally:
        stop_app(process)
    stopped = ren(config, home, "service", "status")
    assert stopped.returncode == 1 and "running: no" in stopped.stdout

    removed = ren(config, home, "service", "uninstall")
    assert removed.returncode == 0, removed.stderr
    assert f"removed {unit}" in removed.stdout
    assert not unit.exists() and not entry.exists()
    again = ren(config, home, "service", "uninstall")
    assert "no systemd user unit was installed" in again.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    folder = tmp_path / "data 100% $HOME"
    service = describe(folder, 8799)
    unit = tmp_path / "ren-check.service"
    unit.write_text(systemd.unit_text(service))
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0, verified.stderr
    argv = exec_start_argv(unit_values(unit.read_text())["ExecStart"])
    assert argv == list(service.command)


def test_the_launch_agent_has_its_required_keys(tmp_path: Path) -> None:
    service = describe(tmp_path / "data", 8711)
    agent = plistlib.loads(launchd.plist_bytes(service))
    assert agent["Label"] == service.label
    assert agent["ProgramArguments"] == list(service.command)
    assert agent["ProgramArguments"][-5:] == [
        "--home",
        str(tmp_path / "data"),
        "worker",
        "--port",
        "8711",
    ]
    assert agent["RunAtLoad"] is True
    assert agent["KeepAlive"] == {"SuccessfulExit": False}  # restarted after a crash
    assert agent["StandardOutPath"] == agent["StandardErrorPath"] == str(service.log)
    assert service.log.parent == tmp_path / "data"


def test_the_windows_logon_task_has_its_required_keys(tmp_path: Path) -> None:
    service = describe(tmp_path / "data", 8711)
    xml = windows.task_xml(service, "HOST\\ada")
    assert xml.startswith('<?xml version="1.0" encoding="UTF-16"?>')
    task = ET.fromstring(xml.split("?>", 1)[1])
    assert task.findtext(f"{TASK}Triggers/{TASK}LogonTrigger/{TASK}UserId") == "HOST\\ada"
    principal = task.find(f"{TASK}Principals/{TASK}Principal")
    assert principal is not None
    assert principal.findtext(f"{TASK}RunLevel") == "LeastPrivilege"  # no elevation
    assert principal.findtext(f"{TASK}LogonType") == "InteractiveToken"
    restart = task.find(f"{TASK}Settings/{TASK}RestartOnFailure")
    assert restart is not None and restart.findtext(f"{TASK}Count") == "999"
    assert task.findtext(f"{TASK}Settings/{TASK}ExecutionTimeLimit") == "PT0S"
    action = task.find(f"{TASK}Actions/{TASK}Exec")
    assert action is not None
    assert action.findtext(f"{TASK}Command") == "cmd.exe"
    arguments = action.findtext(f"{TASK}Arguments") or ""
    assert subprocess.list2cmdline(list(service.command)) in arguments
    assert f">> {service.log} 2>&1" in arguments
    script = windows.startup_script(service)
    assert subprocess.list2cmdline(list(service.command)) in script and "goto start" in script


def test_a_bad_port_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    config, home = tmp_path / "config", tmp_path / "home"
    refused = ren(config, home, "service", "install", "--no-start", "--port", "70000")
    assert refused.returncode == 2
    assert "--port 70000 is not a port number" in refused.stderr
    assert not (config / "systemd").exists()


def test_each_data_folder_gets_its_own_service_name(tmp_path: Path) -> None:
    first, second = describe(tmp_path / "a"), describe(tmp_path / "b")
    assert first.name != second.name and first.name.startswith("ren-")
    assert first.label != second.label
