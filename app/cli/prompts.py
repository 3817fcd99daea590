"""Secrets typed at the terminal: a hidden prompt, never an argument (it would stay in the
shell's history). Without a terminal the command names the option that reads stdin instead.
"""

from __future__ import annotations

import getpass
import sys

from app.cli.common import Usage


def ask_secret(prompt: str, what: str, stdin_option: str, *, confirm: bool = False) -> str:
    """`what` (e.g. "the password") typed after `prompt`; with `confirm` twice, and both match."""
    if not sys.stdin.isatty():
        raise Usage(f"no terminal to ask for {what}: use {stdin_option}")
    secret = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != secret:
        raise Usage(f"the two entries of {what} differ; nothing was changed")
    return secret
