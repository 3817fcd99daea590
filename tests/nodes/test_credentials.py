"""Credentials: encrypted at rest with a 0600 key file (no keyring here), never shown back, and
a secret never appears in any table, event, log line, export, CLI output or step record, even
when a server echoes it in an answer or in an error, or code logs and raises it."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from app.api.ops import call
from app.credentials.kinds import CredentialError
from app.credentials.masking import mask_secrets
from app.credentials.vault import Vault
from app.engine.service import Engine
from tests.conftest import chain_workflow
from tests.nodes.http_helpers import http_step, run_http, vault  # noqa: F401
from tests.nodes.http_server import LocalServer, serve
from tests.ren_cli import REN, ROOT, ren_env, run_ren

SECRET = "s3cr3t-Ren-Token-88417"
PASSWORD = "pa55-w0rd-Qx7-31337"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    yield from serve()


def test_key_file_is_0600_and_secrets_are_encrypted(vault: Vault, home: Path) -> None:  # noqa: F811
    vault.put("svc", "bearer", {"token": SECRET})
    assert vault.key_store() == str(home / "credentials.key")
    if sys.platform != "win32":
        assert stat.S_IMODE((home / "credentials.key").stat().st_mode) == 0o600
    row = vault.store.row("SELECT secret, fields FROM credentials WHERE name='svc'")
    assert row is not None and SECRET.encode() not in row["secret"]
    assert vault.get("svc")["token"] == SECRET


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_a_key_file_others_can_read_is_refused(vault: Vault, home: Path) -> None:  # noqa: F811
    vault.put("svc", "bearer", {"token": SECRET})
    key = home / "credentials.key"
    os.chmod(key, 0o644)
    fresh = Vault(home)
    with pytest.raises(CredentialError, match=r"can be read by other users.*chmod 600"):
        fresh.get("svc")
    fresh.store.close()


def test_a_replaced_key_says_the_credential_cannot_be_decrypted(
    vault: Vault,  # noqa: F811
    home: Path,
) -> None:
    vault.put("svc", "bearer", {"token": SECRET})
    key = home / "credentials.key"
    key.unlink()
    fresh = Vault(home)
    with pytest.raises(CredentialError, match="cannot be decrypted with this data folder's key"):
        fresh.get("svc")
    assert fresh.list()[0].masks == {"token": "(cannot be decrypted)"}
    fresh.store.close()


def test_editing_with_an_empty_secret_keeps_it_and_lists_show_masks(vault: Vault) -> None:  # noqa: F811
    vault.put("mail", "smtp", {"host": "smtp.example", "username": "ann", "password": PASSWORD})
    vault.put("mail", "smtp", {"host": "smtp2.example", "username": "ann", "password": ""})
    assert vault.get("mail")["password"] == PASSWORD
    assert vault.get("mail")["host"] == "smtp2.example"
    (info,) = vault.list()
    assert info.fields["host"] == "smtp2.example" and info.fields["from"] == ""
    assert info.masks == {"password": "••••1337"}
    assert PASSWORD not in json.dumps(info.to_dict())
    assert SECRET not in repr(vault.get("mail"))


def test_bad_credentials_are_refused_naming_the_field(vault: Vault) -> None:  # noqa: F811
    with pytest.raises(CredentialError, match="unknown credential kind 'token'"):
        vault.put("x", "token", {})
    with pytest.raises(CredentialError, match="basic credential: password: Field required"):
        vault.put("x", "basic", {"username": "ann"})
    with pytest.raises(CredentialError, match="smtp credential: port"):
        vault.put("x", "smtp", {"host": "h", "port": "99999"})
    with pytest.raises(CredentialError, match="name 'a b'"):
        vault.put("a b", "bearer", {"token": SECRET})
    with pytest.raises(CredentialError, match="no credential named 'nope'"):
        vault.get("nope")
    assert vault.list() == []


def test_mask_secrets_covers_text_and_data_and_encoded_forms() -> None:
    data = {"a": [f"x{SECRET}y", {SECRET: 1}], "n": 3}
    assert mask_secrets(data, [SECRET]) == {"a": ["x••••y", {"••••": 1}], "n": 3}
    assert mask_secrets("short abc", ["abc"]) == "short abc"  # too short to be a secret


async def test_a_secret_never_appears_anywhere(
    engine: Engine,
    server: LocalServer,
    vault: Vault,  # noqa: F811
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    vault.put("svc", "bearer", {"token": SECRET})
    vault.put("login", "basic", {"username": "ann", "password": PASSWORD})
    vault.put("key", "api_key", {"name": "key", "value": SECRET + "Q", "placement": "query"})
    # a server that echoes the secret in a good answer, in a refusal, and an unreachable one
    ok = await run_http(engine, url=server.url + "/echo", credential="svc")
    assert ok.status == "succeeded"
    refused = await run_http(engine, wid="w2", url=server.url + "/leak", credential="svc")
    basic = await run_http(engine, wid="w3", url=server.url + "/leak", credential="login")
    query = await run_http(engine, wid="w4", url=server.url + "/leak", credential="key")
    down = await run_http(engine, wid="w5", url="http://127.0.0.1:9/x", credential="key")
    for failed in (refused, basic, query, down):
        assert failed.status == "failed"
    message = http_step(engine, refused.id).error["message"]
    assert message.startswith("HTTP 403 Forbidden from GET") and "Bearer ••••" in message
    assert http_step(engine, down.id).error["message"].startswith("GET http://127.0.0.1:9/x")
    # code that logs and raises the secret itself
    code = (
        "c = ctx.credential('svc')\nctx.log('token is ' + c['token'])\nraise ValueError(c['token'])"
    )
    doc = chain_workflow({"type": "code", "config": {"code": code}}, wid="w6")
    wid = engine.import_workflow(doc, publish=False)
    assert isinstance(wid, str)
    engine.workflows.trust.trust_spec(wid, engine.workflows.draft(wid), "run")
    engine.workflows.publish(wid)
    coded = await engine.run(wid, {})
    assert coded.status == "failed"
    # what a person can take away: exports, the CLI's list
    exports = "".join(engine.workflows.export_json(w) for w in ("wf", "w2", "w3", "w4", "w6"))
    for run in (ok, refused, basic, query, down, coded):  # what the local API answers
        for operation in ("show", "run_log"):
            exports += json.dumps(await call(engine, operation, {"run_id": run.id}))
    listed = run_ren(home, "credentials", "list", "--json")
    assert listed.returncode == 0 and "••••" in listed.stdout
    exports += listed.stdout + listed.stderr
    await engine.stop()  # commits what is pending and writes the log files out
    forms = _forms(SECRET) | _forms(PASSWORD) | _forms(SECRET + "Q")
    forms.add(base64.b64encode(f"ann:{PASSWORD}".encode()).decode())
    leaks = [
        (path.name, form)
        for path in home.rglob("*")
        if path.is_file()
        for form in forms
        if form.encode() in path.read_bytes()
    ]
    assert leaks == []
    shown = exports + capsys.readouterr().out
    assert not [form for form in forms if form in shown]
    assert (home / "ren.sqlite").exists() and (home / "logs").is_dir()


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), base64.b64encode(secret.encode()).decode()}


def test_cli_adds_lists_and_removes_without_secrets_on_the_command_line(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    fields = json.dumps({"password": PASSWORD})
    added = subprocess.run(
        [*REN, "credentials", "add", "mail", "--kind", "smtp", "--field", "host=smtp.example",
         "--field", "port=465", "--field", "security=tls", "--from-stdin"],
        input=fields, capture_output=True, text=True, env=ren_env(home), cwd=ROOT, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "credential 'mail' (smtp) saved; key in " in added.stdout
    listed = run_ren(home, "credentials", "list")
    assert listed.stdout.startswith("mail  smtp  host=smtp.example, port=465, security=tls")
    assert "password=••••1337" in listed.stdout and PASSWORD not in listed.stdout
    (row,) = json.loads(run_ren(home, "credentials", "list", "--json").stdout)
    assert row["secrets"] == {"password": "••••1337"} and row["fields"]["port"] == 465
    on_line = run_ren(home, "credentials", "add", "x", "--kind", "bearer", "--field", "token=t")
    assert on_line.returncode == 2 and "never given on the command line" in on_line.stderr
    no_tty = subprocess.run(
        [*REN, "credentials", "add", "x", "--kind", "bearer"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=ren_env(home), cwd=ROOT,
        check=False,
    )  # fmt: skip
    assert no_tty.returncode == 2 and "no terminal to ask for the token: use --from-stdin" in (
        no_tty.stderr
    )
    no_host = subprocess.run(
        [*REN, "credentials", "add", "y", "--kind", "smtp", "--from-stdin"],
        input=fields, capture_output=True, text=True, env=ren_env(home), cwd=ROOT, check=False,
    )  # fmt: skip
    assert no_host.returncode == 2 and "ren: smtp credential: host: Field required" in (
        no_host.stderr
    )
    assert run_ren(home, "credentials", "remove", "mail").returncode == 0
    gone = run_ren(home, "credentials", "remove", "mail")
    assert gone.returncode == 2 and "no credential named 'mail'" in gone.stderr


def test_a_generic_credential_keeps_any_secret_fields(vault: Vault) -> None:  # noqa: F811
    vault.put("misc", "generic", {"account": "acct-12345678", "pin": "99887766"})
    assert vault.get("misc")["pin"] == "99887766"
    (info,) = vault.list()
    assert info.fields == {} and info.masks == {"account": "••••5678", "pin": "••••"}
    assert set(vault.get("misc").secrets) >= {"acct-12345678", "99887766"}
    with pytest.raises(CredentialError, match="at least one field"):
        vault.put("none", "generic", {})
