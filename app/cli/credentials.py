"""`ren credentials add|list|remove`: the data folder's named credentials.

Secret values never come from the command line (they would stay in the shell's history): they
are asked for with a hidden prompt, or read as one JSON object from stdin (`--from-stdin`).
`--field k=v` gives the fields that are not secret (a user name, a host, a token URL). This
works on the database directly, whether or not the app is running.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Any

from app.cli.common import EXIT_INVALID, EXIT_OK, Usage
from app.cli.prompts import ask_secret
from app.credentials.kinds import KINDS, secret_field_names, visible_field_names
from app.engine.paths import DataFolder

if TYPE_CHECKING:
    from app.credentials.vault import Vault


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    credentials = sub.add_parser("credentials", help="named credentials nodes sign in with")
    actions = credentials.add_subparsers(dest="credentials_command", required=True)
    add = actions.add_parser("add", help="add or replace a credential (secrets are prompted)")
    add.add_argument("name")
    add.add_argument("--kind", required=True, choices=sorted(KINDS))
    add.add_argument(
        "--field", action="append", default=[], metavar="K=V", help="a field that is not secret"
    )
    add.add_argument(
        "--secret-field",
        action="append",
        default=[],
        metavar="NAME",
        help="generic kind: a secret field to prompt for (repeatable)",
    )
    add.add_argument(
        "--from-stdin", action="store_true", help="read the fields as one JSON object from stdin"
    )
    add.set_defaults(handler=cmd_add)
    listing = actions.add_parser("list", help="every credential (no secret is shown)")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(handler=cmd_list)
    rm = actions.add_parser("remove", help="remove a credential")
    rm.add_argument("name")
    rm.set_defaults(handler=cmd_remove)


def _vault(args: argparse.Namespace) -> Vault:
    from app.credentials.vault import folder_vault  # the database layer: not for `ren --help`

    return folder_vault(DataFolder.resolve(args.home).root)


def cmd_add(args: argparse.Namespace) -> int:
    values: dict[str, Any] = {}
    secret_names = set(secret_field_names(args.kind)) | set(args.secret_field)
    for item in args.field:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise Usage(f"--field '{item}': write it as name=value")
        if key in secret_names or args.kind == "generic":
            raise Usage(f"--field {key}: a secret value is never given on the command line")
        values[key] = value
    if args.from_stdin:
        try:
            given = json.loads(sys.stdin.read())
        except ValueError as err:
            raise Usage(f"--from-stdin: not JSON ({err})") from None
        if not isinstance(given, dict):
            raise Usage("--from-stdin: give one JSON object of fields")
        values.update(given)
    else:
        for name in sorted(secret_names):
            values[name] = ask_secret(f"{args.name} {name}: ", f"the {name}", "--from-stdin")
    vault = _vault(args)
    info = vault.put(args.name, args.kind, values)  # CredentialError: exit 2 (app.cli)
    print(f"credential '{info.name}' ({info.kind}) saved; key in {vault.key_store()}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    rows = [info.to_dict() for info in _vault(args).list()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print("no credentials (add one with: ren credentials add NAME --kind KIND)")
    for row in rows:
        shown = {**row["fields"], **row["secrets"]}
        order = visible_field_names(row["kind"]) + sorted(row["secrets"])
        fields = ", ".join(f"{k}={shown[k]}" for k in order if k in shown and shown[k] != "")
        updated = time.strftime("%Y-%m-%d %H:%M", time.localtime(row["updated_at"]))
        print(f"{row['name']}  {row['kind']}  {fields}  (updated {updated})")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    if not _vault(args).remove(args.name):
        print(f"ren: no credential named '{args.name}'", file=sys.stderr)
        return EXIT_INVALID
    print(f"credential '{args.name}' removed")
    return EXIT_OK
