"""When Ren requires accounts: served on any address but 127.0.0.1, localhost or ::1.

Those three are "this machine, this person". Any other address can be reached by someone
else: a LAN address, 0.0.0.0, and also other loopback addresses such as 127.0.0.2 (a container
or port forward can expose them), so they require accounts too. REN_REQUIRE_ACCOUNTS=1 forces
accounts on loopback as well (behind a reverse proxy or an SSH tunnel).
"""

from __future__ import annotations

import os
from pathlib import Path

LOCAL_ADDRESSES = frozenset({"127.0.0.1", "localhost", "::1"})
FORCE_ENV = "REN_REQUIRE_ACCOUNTS"


class NoAdmin(RuntimeError):
    """Serving on the network without an admin account."""


def accounts_required(host: str) -> bool:
    if os.environ.get(FORCE_ENV, "").strip().lower() in ("1", "true", "yes"):
        return True
    return host.strip().lower() not in LOCAL_ADDRESSES


def check_can_serve(host: str, db_path: Path) -> None:
    """Raise NoAdmin when `host` requires accounts and the data folder has no admin yet."""
    if not accounts_required(host):
        return
    from app.auth.accounts import Accounts
    from app.auth.db import AuthDb

    db = AuthDb(db_path)
    try:
        has_admin = Accounts(db).has_admin()
    finally:
        db.close()
    if not has_admin:
        raise NoAdmin(
            f"Ren will not serve on {host} without accounts: anyone who can reach that address "
            "could use it. Add an admin first: ren users add NAME --admin"
        )
