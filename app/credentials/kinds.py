"""The kinds of credential and their fields: which are secret, which may be shown.

Each kind is a pydantic model. Secret fields are `SecretStr` (they print as `**********`); the
others (a user name, a host) are shown in lists. `Credential` is what a node receives.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, quote_plus

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError


class CredentialError(Exception):
    """A credential is missing, of the wrong kind, malformed or cannot be decrypted."""


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiKey(_Fields):
    name: str = Field(description="Header or query parameter name, e.g. X-API-Key")
    value: SecretStr = Field(description="The key")
    placement: Literal["header", "query"] = Field("header", description="Where the key goes")


class Bearer(_Fields):
    token: SecretStr = Field(description="Sent as 'Authorization: Bearer <token>'")


class Basic(_Fields):
    username: str = Field(description="User name")
    password: SecretStr = Field(description="Password")


class OAuth2Client(_Fields):
    token_url: str = Field(description="The token endpoint (client credentials flow)")
    client_id: str = Field(description="Client id")
    client_secret: SecretStr = Field(description="Client secret")
    scope: str = Field("", description="Scopes, separated by spaces (optional)")


class Smtp(_Fields):
    host: str = Field(description="SMTP server host")
    port: int = Field(587, ge=1, le=65535, description="SMTP port")
    security: Literal["tls", "starttls", "none"] = Field("starttls", description="Encryption")
    username: str = Field("", description="User name (empty: no login)")
    password: SecretStr = Field(SecretStr(""), description="Password")
    from_address: str = Field("", alias="from", description="Default sender address")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Generic(_Fields):
    """Any named secret fields (all of them secret)."""

    model_config = ConfigDict(extra="allow")


HTTP_KINDS = ("bearer", "basic", "api_key", "oauth2_client")  # what an HTTP request signs with

KINDS: dict[str, type[_Fields]] = {
    "api_key": ApiKey,
    "bearer": Bearer,
    "basic": Basic,
    "oauth2_client": OAuth2Client,
    "smtp": Smtp,
    "generic": Generic,
}


def secret_field_names(kind: str) -> list[str]:
    """The fields of `kind` whose values are secret (every field of a generic credential)."""
    model = KINDS[kind]
    return [
        (info.alias or name)
        for name, info in model.model_fields.items()
        if info.annotation is SecretStr
    ]


def visible_field_names(kind: str) -> list[str]:
    """The fields of `kind` that may be shown (never secret)."""
    model = KINDS[kind]
    return [
        (info.alias or name)
        for name, info in model.model_fields.items()
        if info.annotation is not SecretStr
    ]


def parse_fields(kind: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Check `values` against `kind`; returns (visible fields, secret fields) as plain data.

    Raises CredentialError naming the kind and the field that is wrong.
    """
    model = KINDS.get(kind)
    if model is None:
        raise CredentialError(f"unknown credential kind '{kind}' (one of {', '.join(KINDS)})")
    if kind != "generic":  # an empty secret is a missing one (a required one is refused)
        secret = set(secret_field_names(kind))
        values = {k: v for k, v in values.items() if not (k in secret and v in ("", None))}
    try:
        parsed = model.model_validate(values)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "fields"
        raise CredentialError(f"{kind} credential: {where}: {first['msg']}") from None
    data = parsed.model_dump(by_alias=True)
    if kind == "generic":
        if not data:
            raise CredentialError("generic credential: give at least one field")
        return {}, {k: str(v) for k, v in data.items()}
    secret_names = set(secret_field_names(kind))
    secrets = {k: v.get_secret_value() for k, v in data.items() if k in secret_names}
    visible = {k: v for k, v in data.items() if k not in secret_names}
    return visible, secrets


@dataclass(frozen=True)
class Credential:
    """A decrypted credential as a node receives it. `repr` never shows a secret value."""

    name: str
    kind: str
    fields: dict[str, Any] = field(repr=False)  # visible and secret fields together
    secret_names: frozenset[str] = frozenset()

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)

    @property
    def secrets(self) -> list[str]:
        """The secret values and the forms they travel in (URL-encoded; basic's base64), to be
        masked wherever text about a step that used this credential is recorded."""
        values = [str(self.fields[k]) for k in self.secret_names if self.fields.get(k)]
        forms = set(values)
        for value in values:
            forms.add(quote(value, safe=""))
            forms.add(quote_plus(value, safe=""))
        if self.kind == "basic":
            pair = f"{self.fields.get('username', '')}:{self.fields.get('password', '')}"
            forms.add(base64.b64encode(pair.encode()).decode())
        return sorted(forms)


def mask_value(value: str) -> str:
    """How a secret may be shown: `••••1234` (the last four characters of a long one)."""
    if len(value) >= 12:
        return "••••" + value[-4:]
    return "••••"
