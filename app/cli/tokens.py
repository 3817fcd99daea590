"""`ren tokens create|list|revoke`: personal API tokens (`Authorization: Bearer …`).

A token is printed once, when it is created; Ren keeps only its hash. It acts with its owner's
role. Revoking it takes effect at the next request.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

from app.cli.common import EXIT_OK
from app.engine.paths import DataFolder

if TYPE_CHECKING:
    from app.auth.tokens import Tokens


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = sub.add_parser("tokens", help="personal API tokens")
    actions = tokens.add_subparsers(dest="tokens_command", required=True)
    create = actions.add_parser("create", help="a new token for a user (printed once)")
    create.add_argument("user")
    create.add_argument("--label", default="", help="what the token is for")
    create.set_defaults(handler=cmd_create)
    listing = actions.add_parser("list", help="tokens (never their secret)")
    listing.add_argument("--user", help="only this user's")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(handler=cmd_list)
    revoke = actions.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=cmd_revoke)


def _tokens(args: argparse.Namespace) -> Tokens:
    from app.auth.accounts import Accounts
    from app.auth.db import AuthDb
    from app.auth.tokens import Tokens

    db = AuthDb(DataFolder.resolve(args.home).db_path)
    return Tokens(db, Accounts(db))


def cmd_create(args: argparse.Namespace) -> int:
    info, secret = _tokens(args).create(args.user, args.label)  # AccountError: exit 2 (app.cli)
    print(secret)
    print(
        f"Token {info.id} for {info.user_name}: copy it now, it is not shown again.",
        file=sys.stderr,
    )
    return EXIT_OK


def _when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at)) if at else "-"


def cmd_list(args: argparse.Namespace) -> int:
    found = _tokens(args).list(args.user)
    if args.json:
        print(json.dumps([vars(t) for t in found], indent=2))
        return EXIT_OK
    if not found:
        print("No tokens. Create one with: ren tokens create USER --label WHAT")
    for t in found:
        state = f"revoked {_when(t.revoked_at)}" if t.revoked_at else "active"
        print(
            f"{t.id:<13} {t.user_name:<16} {t.label or '-':<20} created {_when(t.created_at)}  "
            f"last used {_when(t.last_used_at)}  {state}"
        )
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    _tokens(args).revoke(args.token_id)
    print(f"Revoked {args.token_id}; it no longer works.")
    return EXIT_OK
