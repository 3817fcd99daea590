"""A systemd user unit (Linux): `~/.config/systemd/user/<name>.service`, no root needed."""

from __future__ import annotations

import re

from app.service.description import ServiceDescription

_PLAIN = re.compile(r"^[A-Za-z0-9_./:=+,@-]+$")


def unit_text(service: ServiceDescription) -> str:
    exec_start = " ".join(quote(part) for part in service.command)
    log = specifiers(str(service.log))
    return f"""[Unit]
Description={specifiers(service.summary)}

[Service]
Type=simple
ExecStart={exec_start}
WorkingDirectory={specifiers(str(service.folder))}
Restart=on-failure
RestartSec={service.restart_after_s}
StandardOutput=append:{log}
StandardError=append:{log}

[Install]
WantedBy=default.target
"""


def specifiers(text: str) -> str:
    """systemd expands `%` specifiers in every setting: double `%` to keep it literal."""
    return text.replace("%", "%%")


def escape(text: str) -> str:
    """ExecStart also expands `$` variables: double both to keep them literal."""
    return specifiers(text).replace("$", "$$")


def quote(word: str) -> str:
    """One ExecStart word: plain, or in double quotes with backslash escapes."""
    if _PLAIN.match(word):
        return escape(word)
    inner = word.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escape(inner)}"'
