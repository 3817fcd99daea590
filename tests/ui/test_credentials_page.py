"""The Credentials page and the editor's credential picker through NiceGUI's simulated user:
adding, editing (an empty secret keeps it), removing after asking; a secret is never sent to
the page (only a `••••1234` mask), and a node's credential field offers the right kinds."""

from __future__ import annotations

from typing import Any

from nicegui.testing import User

from app.credentials.vault import folder_vault
from app.nodes.http import HttpRequestNode
from app.ui.editor.credential_field import credential_options
from app.ui.editor.schema_form import schema_fields
from tests.ui.people import engine

SECRET = "tok-Secret-Value-52719"


def one(user: User, marker: str) -> Any:
    (element,) = [e for e in user.find(marker=marker).elements if not e.is_deleted]
    return element


def page_text(user: User) -> str:
    """Everything the page holds: texts, values and props of every element."""
    parts = []
    for element in user.client.elements.values():
        parts += [str(element._props), str(getattr(element, "text", "")), str(element._text)]
        parts.append(str(getattr(element, "value", "")))
    return "\n".join(parts)


async def test_add_edit_and_remove_a_credential(user: User) -> None:
    await user.open("/credentials")
    await user.should_see("No credentials yet")
    await user.should_see("The encryption key is kept in")
    user.find(marker="new-credential").click()
    await user.should_see("New credential")
    one(user, "credential-name").set_value("github")
    one(user, "credential-kind").set_value("bearer")
    await user.should_see(marker="field-token")
    one(user, "field-token").set_value(SECRET)
    user.find(marker="save-credential").click()
    await user.should_see("Credential 'github' saved")
    vault = folder_vault(engine().folder.root)
    assert vault.get("github")["token"] == SECRET
    await user.should_see("token: ••••2719")
    user.find(marker="edit-github").click()
    await user.should_see("Edit credential")
    assert one(user, "field-token").value in ("", None)  # the secret is never sent back
    user.find(marker="save-credential").click()
    await user.should_see("Credential 'github' saved")
    assert vault.get("github")["token"] == SECRET  # left empty: kept
    await user.open("/credentials")
    assert SECRET not in page_text(user)
    user.find(marker="remove-github").click()
    await user.should_see("Remove the credential 'github'?")
    user.find(marker="confirm-remove-credential").click()
    await user.should_see("No credentials yet")
    assert vault.list() == []


async def test_a_bad_credential_is_refused_in_the_form(user: User) -> None:
    await user.open("/credentials")
    user.find(marker="new-credential").click()
    one(user, "credential-name").set_value("login")
    one(user, "credential-kind").set_value("basic")
    await user.should_see(marker="field-username")  # the form shows the kind's fields
    one(user, "field-username").set_value("ann")
    user.find(marker="save-credential").click()
    await user.should_see("basic credential: password")
    assert folder_vault(engine().folder.root).list() == []


async def test_the_editor_offers_credentials_of_the_kinds_a_node_takes(user: User) -> None:
    await user.open("/credentials")
    vault = folder_vault(engine().folder.root)
    vault.put("api", "bearer", {"token": SECRET})
    vault.put("mail", "smtp", {"host": "smtp.example", "password": "pw-123456"})
    specs = schema_fields(HttpRequestNode.config_model.model_json_schema(), "http_request")
    (field,) = [s for s in specs if s.name == "credential"]
    assert field.kind == "credential"
    assert credential_options(field.choices) == {"api": "api (bearer)"}
    assert credential_options(()) == {"api": "api (bearer)", "mail": "mail (smtp)"}


async def test_the_run_page_of_a_step_that_used_a_credential_shows_no_secret(user: User) -> None:
    await user.open("/credentials")
    folder_vault(engine().folder.root).put("svc", "bearer", {"token": SECRET})
    code = "c = ctx.credential('svc')\nctx.log('token ' + c['token'])\nraise ValueError(c['token'])"
    doc = {
        "schema": "ren.workflow/1",
        "id": "leaky",
        "name": "leaky",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "n1", "type": "code", "config": {"code": code}},
        ],
        "edges": [{"source": "start", "target": "n1"}],
    }
    wid = engine().import_workflow(doc, publish=False)
    assert isinstance(wid, str)
    engine().workflows.trust.trust_spec(wid, engine().workflows.draft(wid), "run")
    engine().workflows.publish(wid)
    run = await engine().run(wid, {})
    assert run.status == "failed"
    await user.open(f"/runs/{run.id}")
    await user.should_see("ValueError")
    text = page_text(user)
    assert "••••" in text and SECRET not in text
