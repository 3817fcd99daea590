"""Bearer secrets: random strings handed out once and kept only as their SHA-256.

A token or session id has 256 random bits, so a fast hash is enough (nobody can guess one to
match); keeping only the hash means a copy of the database does not let anyone in.
"""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    return f"{prefix}{secrets.token_urlsafe(32)}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
