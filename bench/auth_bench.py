"""Accounts and audit costs on a real data folder.

    python bench/auth_bench.py                  # 100,000 audit entries
    python bench/auth_bench.py --entries 20000

- a login's password check (argon2id, argon2-cffi defaults), median of 5, ms;
- what every request on a LAN bind pays: a bearer token's lookup and a session's lookup
  (median of 2,000, microseconds);
- the Audit page's first page (100 newest) and a filtered one (`what=task completed`) with
  `--entries` rows in the log (median of 7, ms).
Prints one line `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from timing import median_ms  # bench/timing.py, next to this script

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    from app.auth import audit
    from app.auth.accounts import Accounts
    from app.auth.db import AuthDb
    from app.auth.sessions import Sessions
    from app.auth.tokens import Tokens
    from app.engine.paths import DataFolder
    from app.store.store import Store
    from app.store.writes import Batch

    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = DataFolder.resolve(Path(tmp) / "home")
        db = AuthDb(folder.db_path)
        accounts = Accounts(db)
        accounts.add("alice", "alice-password", "admin", ("ops",))
        tokens, sessions = Tokens(db, accounts), Sessions(db, accounts)
        _, secret = tokens.create("alice")
        cookie = sessions.start("alice")
        login_ms = median_ms(lambda: accounts.verify("alice", "alice-password"), 5)
        token_us = median_ms(lambda: tokens.principal_for(secret), 2000) * 1000
        session_us = median_ms(lambda: sessions.principal_for(cookie), 2000) * 1000

        store = Store(folder.db_path)
        kinds = audit.ACTIONS
        for start in range(0, args.entries, 5000):
            batch = Batch()
            for i in range(start, min(start + 5000, args.entries)):
                details = {"run_id": f"r{i}", "outcome": "approve", "values": {"n": i}}
                audit.add_entry(batch, kinds[i % len(kinds)], f"t{i}", details, who=f"u{i % 50}")
            store.write(batch)
        first_ms = median_ms(lambda: audit.read_entries(db, limit=100), 7)
        filtered_ms = median_ms(
            lambda: audit.read_entries(db, what=audit.TASK_COMPLETED, limit=100), 7
        )
        by_who_ms = median_ms(lambda: audit.read_entries(db, who="u7", limit=100), 7)
        db.close()
    result = {
        "login_verify_ms": round(login_ms, 1),
        "token_lookup_us": round(token_us, 1),
        "session_lookup_us": round(session_us, 1),
        "audit_entries": args.entries,
        "audit_first_page_ms": round(first_ms, 2),
        "audit_what_filter_ms": round(filtered_ms, 2),
        "audit_who_filter_ms": round(by_who_ms, 2),
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
