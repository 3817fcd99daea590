"""Accounts, roles, API tokens, sessions, task links and the audit log (people on the LAN)."""
