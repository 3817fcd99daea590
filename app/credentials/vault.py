"""The vault: credentials of one data folder, encrypted with Fernet in its database.

Secret fields are stored only as a Fernet token (AES-128-CBC + HMAC-SHA256) made with the
folder's key (app.credentials.key); the fields that may be shown sit beside it in clear. One
vault per data folder and process (`folder_vault`), opened on first use.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from app.auth.audit import CREDENTIAL_CHANGED, StoreAuditLog
from app.credentials.key import LoadedKey, load_key
from app.credentials.kinds import (
    KINDS,
    Credential,
    CredentialError,
    mask_value,
    parse_fields,
    secret_field_names,
)
from app.credentials.masking import remember
from app.store import credentials as table
from app.store.store import Store

NAME_MAX = 100


@dataclass(frozen=True)
class CredentialInfo:
    """What may be shown of a credential: no secret value, at most a `••••1234` mask."""

    name: str
    kind: str
    fields: dict[str, Any]  # the visible fields
    masks: dict[str, str]  # secret field -> mask
    created_at: float
    updated_at: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "fields": self.fields,
            "secrets": self.masks,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class Vault:
    def __init__(self, root: Path, store: Store | None = None) -> None:
        self.root = root
        self._store = store
        self._key: LoadedKey | None = None
        self._lock = threading.RLock()  # one connection, used from the loop and threads

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.root / "ren.sqlite")
        return self._store

    def key_store(self) -> str:
        """Where the key is kept: "keyring" or the key file's path (made when missing)."""
        return self._fernet_key().where

    def _fernet(self) -> Fernet:
        return Fernet(self._fernet_key().key)

    def _fernet_key(self) -> LoadedKey:
        if self._key is None:
            loaded = load_key(self.root)
            assert loaded is not None
            self._key = loaded
        return self._key

    # -- writing --------------------------------------------------------------------------

    def put(self, name: str, kind: str, values: dict[str, Any]) -> CredentialInfo:
        """Add or replace a credential. Editing: a secret field left empty keeps its value."""
        name = name.strip()
        if not name or len(name) > NAME_MAX or any(c.isspace() for c in name):
            raise CredentialError(
                f"credential name '{name}': use 1 to {NAME_MAX} characters without spaces"
            )
        with self._lock:
            old = self._find(name)
            if old is not None and old.kind == kind:
                kept = {k: v for k, v in old.fields.items() if k in old.secret_names}
                values = {**values, **{k: v for k, v in kept.items() if not values.get(k)}}
            visible, secrets = parse_fields(kind, values)
            token = self._fernet().encrypt(json.dumps(secrets).encode())
            table.save(self.store, name, kind, token, visible, time.time())
            change = {"change": "added" if old is None else "replaced", "kind": kind}
            StoreAuditLog(self.store).record(CREDENTIAL_CHANGED, name, change)  # never values
            info = self.info(name)
            assert info is not None
            return info

    def remove(self, name: str) -> bool:
        with self._lock:
            removed = table.delete(self.store, name)
            if removed:
                StoreAuditLog(self.store).record(CREDENTIAL_CHANGED, name, {"change": "removed"})
            return removed

    # -- reading --------------------------------------------------------------------------

    def get(self, name: str) -> Credential:
        """The decrypted credential; CredentialError when there is none of that name."""
        with self._lock:
            found = self._find(name)
        if found is None:
            raise CredentialError(f"no credential named '{name}' (add it on the Credentials page)")
        remember(found.secrets)
        return found

    def _find(self, name: str) -> Credential | None:
        row = table.find(self.store, name)
        if row is None:
            return None
        secrets = self._decrypt(name, row["secret"])
        names = set(secrets) if row["kind"] == "generic" else set(secret_field_names(row["kind"]))
        return Credential(name, row["kind"], {**row["fields"], **secrets}, frozenset(names))

    def _decrypt(self, name: str, token: bytes) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._fernet().decrypt(token))
        except InvalidToken:
            raise CredentialError(
                f"credential '{name}' cannot be decrypted with this data folder's key "
                f"({self.key_store()}): the key was replaced or lost; add the credential again"
            ) from None
        return data

    def info(self, name: str) -> CredentialInfo | None:
        with self._lock:
            row = table.find(self.store, name)
            return None if row is None else self._info(row)

    def list(self) -> list[CredentialInfo]:
        with self._lock:
            return [self._info(row) for row in table.all_rows(self.store)]

    def kinds(self) -> dict[str, str]:
        """Every credential's kind by name (nothing is decrypted)."""
        with self._lock:
            return table.kinds(self.store)

    def _info(self, row: dict[str, Any]) -> CredentialInfo:
        try:
            secrets = self._decrypt(row["name"], row["secret"])
            masks = {k: mask_value(v) for k, v in secrets.items()}
        except CredentialError:
            masks = {k: "(cannot be decrypted)" for k in secret_field_names(row["kind"])}
        return CredentialInfo(
            row["name"], row["kind"], row["fields"], masks, row["created_at"], row["updated_at"]
        )


_vaults: dict[Path, Vault] = {}
_vaults_lock = threading.Lock()


def folder_vault(root: Path) -> Vault:
    """The vault of the data folder `root` in this process (opened once)."""
    resolved = root.resolve()
    with _vaults_lock:
        vault = _vaults.get(resolved)
        if vault is None:
            vault = _vaults[resolved] = Vault(resolved)
        return vault


def close_vault(root: Path) -> None:
    """Forget (and close) a folder's vault, e.g. before its folder is removed."""
    with _vaults_lock:
        vault = _vaults.pop(root.resolve(), None)
    if vault is not None and vault._store is not None:
        vault._store.close()


__all__ = ["KINDS", "CredentialInfo", "Vault", "close_vault", "folder_vault"]
