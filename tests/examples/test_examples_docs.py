"""The docs stay true: the README's node table names every built-in node type, and every
example that examples/README.md describes exists, uses built-in nodes only (no Python), has
no machine paths and passes validation once its credentials and folders exist."""

from __future__ import annotations

import re
from pathlib import Path

from app.credentials.vault import Vault
from app.engine.service import Engine
from app.nodes.catalog import BUILT_IN
from tests.examples.helpers import EXAMPLES, example, user_home
from tests.nodes.http_helpers import vault

__all__ = ["user_home", "vault"]  # fixtures, used by name

README = EXAMPLES.parent / "README.md"
BUILT_IN_ONLY = (
    "invoice_filer.json",
    "daily_sales_report.json",
    "form_approval_email.json",
    "webhook_forward.json",
    "nightly_cleanup.json",
)


def node_table() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Node library") :]
    return section[: section.index("\n### ")]


def test_the_readme_table_lists_every_built_in_node_once() -> None:
    rows = [line.split("|")[2] for line in node_table().splitlines() if line.startswith("| ")]
    listed = re.findall(r"`([a-z_]+)`", "".join(rows[1:]))  # after the header row
    assert sorted(listed) == sorted(t.type_name for t in BUILT_IN)


def test_examples_readme_describes_each_built_in_example() -> None:
    headers = re.findall(r"^## (\S+\.json) — ", (EXAMPLES / "README.md").read_text(), re.M)
    assert sorted(headers) == sorted(BUILT_IN_ONLY)


def test_the_examples_use_built_in_nodes_only_and_no_machine_paths() -> None:
    for name in BUILT_IN_ONLY:
        doc = example(name)
        types = {n["type"] for n in doc["nodes"]}
        assert types <= {t.type_name for t in BUILT_IN} - {"function", "code"}, name
        text = (EXAMPLES / name).read_text()
        assert not re.search(r"/(home|Users|tmp|root)/|[A-Z]:\\\\", text), name


async def test_the_examples_validate_once_credentials_and_folders_exist(
    engine: Engine, vault: Vault, user_home: Path
) -> None:
    (user_home / "Invoices" / "inbox").mkdir(parents=True)
    vault.put("shop-api", "bearer", {"token": "t"})
    vault.put("crm-api", "bearer", {"token": "t"})
    smtp = {"host": "127.0.0.1", "port": 25, "security": "none", "from": "me@example.com"}
    for name in ("report-mail", "office-mail"):
        vault.put(name, "smtp", smtp)
    for name in BUILT_IN_ONLY:
        spec = engine.workflows.import_document(example(name))
        problems = [str(p) for p in engine.workflows.validate(spec, check_trust=False)]
        assert problems == [], (name, problems)
