"""Authentication of an HTTP request from a credential, per kind.

bearer -> `Authorization: Bearer …`; basic -> `Authorization: Basic …`; api_key -> a header or
a query parameter; oauth2_client -> a token from the client-credentials flow, cached until it
expires (with a margin) and fetched again after that, or when the server answered 401.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass
from typing import Any

import httpx

from app.credentials.kinds import HTTP_KINDS, Credential, CredentialError
from app.credentials.masking import remember

EXPIRY_MARGIN_S = 30.0  # a token this close to its expiry is fetched again
DEFAULT_TOKEN_LIFE_S = 3600.0  # when the token endpoint says nothing


@dataclass
class Auth:
    headers: dict[str, str]
    query: dict[str, str]


@dataclass
class _Token:
    value: str
    expires_at: float


# (credential name, its updated fields) -> token; an edited credential gets a new token
_tokens: dict[tuple[str, str, str], _Token] = {}
_token_locks: dict[tuple[str, str, str], asyncio.Lock] = {}


class TokenError(Exception):
    """The OAuth2 token endpoint refused or answered something that is not a token."""


async def auth_for(
    credential: Credential, client: httpx.AsyncClient, timeout_s: float, fresh: bool = False
) -> tuple[Auth, list[str]]:
    """Headers and query parameters that authenticate a request, and secrets to mask (a token)."""
    kind = credential.kind
    if kind == "bearer":
        return Auth({"Authorization": f"Bearer {credential['token']}"}, {}), []
    if kind == "basic":
        pair = f"{credential['username']}:{credential['password']}".encode()
        return Auth({"Authorization": "Basic " + base64.b64encode(pair).decode()}, {}), []
    if kind == "api_key":
        name, value = str(credential["name"]), str(credential["value"])
        if credential.get("placement") == "query":
            return Auth({}, {name: value}), []
        return Auth({name: value}, {}), []
    if kind == "oauth2_client":
        token = await oauth2_token(credential, client, timeout_s, fresh)
        return Auth({"Authorization": f"Bearer {token}"}, {}), [token]
    raise CredentialError(
        f"credential '{credential.name}' is a {kind} credential; an HTTP request takes "
        f"one of: {', '.join(HTTP_KINDS)}"
    )


async def oauth2_token(
    credential: Credential, client: httpx.AsyncClient, timeout_s: float, fresh: bool = False
) -> str:
    """A client-credentials access token, cached until shortly before it expires."""
    cache_key = (
        credential.name,
        str(credential["client_id"]),
        str(credential["client_secret"]) + str(credential["token_url"]),
    )
    lock = _token_locks.setdefault(cache_key, asyncio.Lock())
    async with lock:  # parallel steps share one token request
        cached = _tokens.get(cache_key)
        if cached is not None and not fresh and cached.expires_at - EXPIRY_MARGIN_S > time.time():
            return cached.value
        token = await _fetch_token(credential, client, timeout_s)
        _tokens[cache_key] = token
        return token.value


async def _fetch_token(
    credential: Credential, client: httpx.AsyncClient, timeout_s: float
) -> _Token:
    form = {"grant_type": "client_credentials"}
    if credential.get("scope"):
        form["scope"] = str(credential["scope"])
    url = str(credential["token_url"])
    try:
        response = await client.post(
            url,
            data=form,
            auth=(str(credential["client_id"]), str(credential["client_secret"])),
            timeout=timeout_s,
        )
    except httpx.HTTPError as err:
        raise TokenError(f"OAuth2 token request to {url} failed: {err}") from None
    if response.status_code >= 400:
        raise TokenError(
            f"OAuth2 token endpoint {url} answered HTTP {response.status_code}: "
            f"{response.text[:200]}"
        )
    try:
        data: Any = response.json()
        value = str(data["access_token"])
    except (ValueError, KeyError, TypeError):
        raise TokenError(f"OAuth2 token endpoint {url} answered without an access_token") from None
    remember([value])
    try:
        life = float(data.get("expires_in") or DEFAULT_TOKEN_LIFE_S)
    except (TypeError, ValueError):
        life = DEFAULT_TOKEN_LIFE_S
    return _Token(value, time.time() + life)
