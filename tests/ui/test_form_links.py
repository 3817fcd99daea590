"""Forms shared by link (/f/…) through NiceGUI's simulated user: the editor makes a named link
when the form's access is "anyone with the link"; the link opens the form, a submission
starts a run recorded as the link's; a revoked link, a forged one and a form switched back to
"people signed in" open nothing."""

from __future__ import annotations

from typing import Any

from nicegui.testing import User

from app.auth.audit_reader import entries
from app.auth.form_links import folder_form_links
from app.core.dsl import WorkflowSpec
from app.ui.flow_editor import FlowEditor
from tests.nodes.test_form_trigger import form_flow
from tests.ui.people import engine


def one(user: User, marker: str) -> Any:
    (element,) = [e for e in user.find(marker=marker).elements if not e.is_deleted]
    return element


async def test_a_shared_link_opens_the_form_until_revoked(user: User) -> None:
    eng = engine()
    eng.import_workflow(form_flow(title="Book a table", access="link"))
    await user.open("/workflows/signup")
    user.find(FlowEditor).trigger("selection", {"nodes": ["form"], "edges": []})
    await user.should_see("Shared links")
    one(user, "form-link-label").set_value("newsletter")
    user.find(marker="form-link-create").click()
    await user.should_see("newsletter · open")
    links = folder_form_links(eng.folder.root, eng.folder.db_path)
    (link,) = links.of_form("signup", "")
    assert (link.label, link.created_by, link.expires_at) == ("newsletter", "local", None)
    token = links.token_of(link)

    await user.open(f"/f/{token}")
    await user.should_see("Book a table")
    one(user, "field-name").set_value("Ana")
    one(user, "field-seats").set_value("2")
    user.find(marker="form-submit").click()
    await user.should_see("Thank you! Your answers were sent.")
    (run,) = eng.list_runs()
    assert run.input == {"name": "Ana", "seats": 2, "email": None}
    (started,) = entries(eng.folder.db_path, what="started")
    assert (started.who, started.target) == ("form-link:newsletter", run.id)

    await user.open(f"/f/{token[:-2]}xx")  # a changed signature
    await user.should_see("This link does not work")
    links.revoke(link.id)
    await user.open(f"/f/{token}")
    await user.should_see("This link was withdrawn")
    assert len(eng.list_runs()) == 1


async def test_links_open_nothing_while_the_form_is_for_people_signed_in(user: User) -> None:
    eng = engine()
    eng.import_workflow(form_flow(title="Book a table", access="link"))
    links = folder_form_links(eng.folder.root, eng.folder.db_path)
    _, token = links.create("signup", "", "flyer", created_by="tests")
    spec = WorkflowSpec.model_validate(form_flow(title="Book a table"))  # access: signed_in
    eng.workflows.save(spec, "signup")
    eng.workflows.publish("signup")
    await user.open(f"/f/{token}")
    await user.should_see("This form is not shared by link any more")
    await user.open("/workflows/signup")
    user.find(FlowEditor).trigger("selection", {"nodes": ["form"], "edges": []})
    await user.should_see("only people signed in can fill it in", retries=20)
