"""Windows: a Task Scheduler logon task (XML for `schtasks /Create /XML`) for this user, and a
Startup-folder script as the fallback where creating tasks is not allowed."""

from __future__ import annotations

import subprocess
from xml.sax.saxutils import escape

from app.service.description import ServiceDescription

TASK_NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"
RESTART_COUNT = 999


def task_xml(service: ServiceDescription, user: str) -> str:
    """The task: at `user`'s logon, run the command with the user's own rights (no elevation),
    output appended to the log, restarted after a crash, never stopped for running long."""
    program, arguments = _redirected(service)
    minutes = max(1, round(service.restart_after_s / 60))
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.4" xmlns="{TASK_NAMESPACE}">
  <RegistrationInfo>
    <Description>{escape(service.summary)}</Description>
    <URI>\\{escape(service.name)}</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>{escape(user)}</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{escape(user)}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT{minutes}M</Interval>
      <Count>{RESTART_COUNT}</Count>
    </RestartOnFailure>
    <Enabled>true</Enabled>
    <Hidden>true</Hidden>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(program)}</Command>
      <Arguments>{escape(arguments)}</Arguments>
      <WorkingDirectory>{escape(str(service.folder))}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""


def startup_script(service: ServiceDescription) -> str:
    """A .cmd for the Startup folder: start Ren, and start it again after a crash."""
    command = subprocess.list2cmdline(list(service.command))
    log = subprocess.list2cmdline([str(service.log)])
    return (
        "@echo off\r\n"
        f"rem {service.summary}\r\n"
        ":start\r\n"
        f"{command} >> {log} 2>&1\r\n"
        f"if errorlevel 1 (timeout /t {service.restart_after_s} /nobreak >nul & goto start)\r\n"
    )


def _redirected(service: ServiceDescription) -> tuple[str, str]:
    """cmd.exe runs the command so that its output is appended to the log file."""
    command = subprocess.list2cmdline(list(service.command))
    log = subprocess.list2cmdline([str(service.log)])
    return "cmd.exe", f'/d /c "{command} >> {log} 2>&1"'
