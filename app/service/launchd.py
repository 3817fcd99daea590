"""A LaunchAgent (macOS): `~/Library/LaunchAgents/<label>.plist`, loaded for this user only."""

from __future__ import annotations

import plistlib

from app.service.description import ServiceDescription


def plist_bytes(service: ServiceDescription) -> bytes:
    agent = {
        "Label": service.label,
        "ProgramArguments": list(service.command),
        "WorkingDirectory": str(service.folder),
        "RunAtLoad": True,  # at login
        "KeepAlive": {"SuccessfulExit": False},  # start again after a crash, not after a stop
        "ThrottleInterval": service.restart_after_s,
        "StandardOutPath": str(service.log),
        "StandardErrorPath": str(service.log),
        "ProcessType": "Background",
    }
    return plistlib.dumps(agent)
