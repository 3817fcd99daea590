"""The roles an account can have: plain names, importable without the web stack (the `ren`
command line lists them in `ren users add --help`, which must start fast)."""

from __future__ import annotations

ADMIN = "admin"  # everything, accounts and the audit log included
EDITOR = "editor"  # builds and publishes workflows, runs them
OPERATOR = "operator"  # starts and controls runs, answers any task; cannot edit workflows
ASSIGNEE = "assignee"  # sees and answers only the tasks assigned to them or their groups
ROLES = (ADMIN, EDITOR, OPERATOR, ASSIGNEE)
