"""`ren users add|list|remove|passwd`: the accounts people sign in with on the network.

Passwords never come from the command line (they would stay in the shell's history): they are
asked for twice with a hidden prompt, or read as one line from stdin (`--password-stdin`).
Works on the database directly, whether or not Ren is running. An AccountError (a name taken,
a password too short, the last admin) is reported by `ren` itself (app.cli: exit 2).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

from app.auth.roles import ADMIN, ASSIGNEE, ROLES
from app.cli.common import EXIT_OK, Usage
from app.cli.prompts import ask_secret
from app.engine.paths import DataFolder

if TYPE_CHECKING:
    from app.auth.accounts import Accounts


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="accounts for people on your network")
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help="add an account (the password is prompted)")
    add.add_argument("name")
    role = add.add_mutually_exclusive_group()
    role.add_argument("--admin", action="store_true", help="same as --role admin")
    role.add_argument(
        "--role", choices=ROLES, default=ASSIGNEE, help=f"what they may do ({ASSIGNEE})"
    )
    add.add_argument(
        "--group", action="append", default=[], metavar="NAME", help="a group (repeatable)"
    )
    password_option(add)
    add.set_defaults(handler=cmd_add)
    listing = actions.add_parser("list", help="every account")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(handler=cmd_list)
    rm = actions.add_parser("remove", help="remove an account, its sessions and tokens")
    rm.add_argument("name")
    rm.set_defaults(handler=cmd_remove)
    passwd = actions.add_parser("passwd", help="set a new password (signs out everywhere)")
    passwd.add_argument("name")
    password_option(passwd)
    passwd.set_defaults(handler=cmd_passwd)


def password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password as one line from stdin"
    )


def _accounts(args: argparse.Namespace) -> Accounts:
    from app.auth.accounts import Accounts  # argon2 and the database: not for `ren --help`
    from app.auth.db import AuthDb

    return Accounts(AuthDb(DataFolder.resolve(args.home).db_path))


def read_password(args: argparse.Namespace, name: str) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise Usage("--password-stdin: stdin had no password (one line expected)")
        return password
    return ask_secret(f"Password for {name}: ", "the password", "--password-stdin", confirm=True)


def cmd_add(args: argparse.Namespace) -> int:
    from app.auth.accounts import AccountError, check_name

    role = ADMIN if args.admin else args.role
    check_name(args.name)
    accounts = _accounts(args)
    if accounts.get(args.name) is not None:
        raise AccountError(f"there is already a user {args.name!r}")
    user = accounts.add(args.name, read_password(args, args.name), role, tuple(args.group))
    groups = f" in {', '.join(sorted(user.groups))}" if user.groups else ""
    print(f"Added {user.name} ({user.role}){groups}.")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    users = _accounts(args).all()
    if args.json:
        rows = [
            {"name": u.name, "role": u.role, "groups": sorted(u.groups), "created_at": u.created_at}
            for u in users
        ]
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    if not users:
        print("No accounts. Add the first admin with: ren users add NAME --admin")
    for u in users:
        created = time.strftime("%Y-%m-%d", time.localtime(u.created_at))
        groups = ", ".join(sorted(u.groups)) or "-"
        print(f"{u.name:<20} {u.role:<9} groups: {groups:<20} since {created}")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    _accounts(args).remove(args.name)
    print(f"Removed {args.name} (their sessions and tokens no longer work).")
    return EXIT_OK


def cmd_passwd(args: argparse.Namespace) -> int:
    from app.auth.accounts import AccountError

    accounts = _accounts(args)
    if accounts.get(args.name) is None:
        raise AccountError(f"there is no user {args.name!r} (see `ren users list`)")
    accounts.set_password(args.name, read_password(args, args.name))
    print(f"New password set for {args.name}; their sessions have ended.")
    return EXIT_OK
