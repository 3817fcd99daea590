"""A workflow's public form through NiceGUI's simulated user: filling it in starts a run and
shows the thank-you text, wrong answers get a message under each field (and start nothing),
`response: output` shows the run's result, and an unknown or unpublished form is a 404 page."""

from __future__ import annotations

from typing import Any

from nicegui.testing import User

from tests.nodes.test_form_trigger import form_flow
from tests.ui.people import engine, wait_for


def one(user: User, marker: str) -> Any:
    (element,) = [e for e in user.find(marker=marker).elements if not e.is_deleted]
    return element


async def test_filling_in_the_form_starts_a_run_and_thanks(user: User) -> None:
    eng = engine()
    eng.import_workflow(
        form_flow(
            title="Book a table",
            description="Tell us who comes.",
            submit_label="Book",
            thank_you="Thanks {{ input.name }}, {{ input.seats }} seats are noted.",
        )
    )
    await user.open("/forms/signup")
    await user.should_see("Book a table")
    await user.should_see("Tell us who comes.")
    one(user, "field-name").set_value("Ana")
    one(user, "field-seats").set_value("4")
    user.find(marker="form-submit").click()
    await user.should_see("Thanks Ana, 4 seats are noted.")
    (run,) = eng.list_runs()
    assert run.input == {"name": "Ana", "seats": 4, "email": None}
    await eng.wait(run.id, timeout=30)
    assert eng.get_run(run.id).status == "succeeded"


async def test_wrong_answers_show_under_their_fields_and_start_nothing(user: User) -> None:
    eng = engine()
    eng.import_workflow(form_flow())
    await user.open("/forms/signup")
    one(user, "field-seats").set_value("eleven")
    one(user, "field-email").set_value("not an address")
    user.find(marker="form-submit").click()
    await user.should_see("Please check these 3 answers.")
    assert one(user, "error-name").text == "This field is required"
    assert one(user, "error-seats").text == "Enter a whole number"
    assert one(user, "error-email").text == "Enter a valid email address"
    assert eng.list_runs() == []

    one(user, "field-name").set_value("Bo")
    one(user, "field-seats").set_value("2")
    one(user, "field-email").set_value("")
    user.find(marker="form-submit").click()
    await user.should_see("Thank you! Your answers were sent.")
    assert len(eng.list_runs()) == 1


async def test_the_runs_output_is_shown_when_asked(user: User) -> None:
    eng = engine()
    eng.import_workflow(form_flow(response="output"))
    await user.open("/forms/signup")
    one(user, "field-name").set_value("Cy")
    one(user, "field-seats").set_value("1")
    user.find(marker="form-submit").click()
    await user.should_see("Booked 1 for Cy")


async def test_a_second_click_on_the_same_page_starts_no_second_run(user: User) -> None:
    eng = engine()
    eng.import_workflow(form_flow(response="output"))
    await user.open("/forms/signup")
    one(user, "field-name").set_value("Di")
    one(user, "field-seats").set_value("3")
    button = one(user, "form-submit")
    user.find(marker="form-submit").click()
    if not button.is_deleted:  # still on the page: a second click while the first is on its way
        user.find(marker="form-submit").click()
    await user.should_see("Booked 3 for Di")
    await wait_for(lambda: all(r.status == "succeeded" for r in eng.list_runs()))
    assert len(eng.list_runs()) == 1


async def test_unknown_and_unpublished_forms_are_a_404_page(user: User) -> None:
    eng = engine()
    eng.import_workflow(form_flow("draft-only"), publish=False)
    for path in ("/forms/nobody", "/forms/draft-only", "/forms/draft-only/some/path"):
        response = await user.http_client.get(path)
        assert response.status_code == 404, path
        assert "Form not found" in response.text
        assert "There is no form at this address." in response.text


async def test_the_form_answers_only_to_allowed_host_names(user: User) -> None:
    eng = engine()
    eng.import_workflow(form_flow())
    refused = await user.http_client.get("/forms/signup", headers={"Host": "evil.example"})
    assert refused.status_code == 421
    assert "Book" not in refused.text and "Seats" not in refused.text
    posted = await user.http_client.post("/forms/signup", headers={"Host": "evil.example"})
    assert posted.status_code == 421
    assert eng.list_runs() == []


async def test_the_editor_shows_the_forms_address_and_whether_it_is_live(user: User) -> None:
    from app.core.dsl import WorkflowSpec
    from app.ui.flow_editor import FlowEditor

    eng = engine()
    doc = form_flow(path="team")
    eng.workflows.save(WorkflowSpec.model_validate(doc), "signup")
    await user.open("/workflows/signup")
    user.find(FlowEditor).trigger("selection", {"nodes": ["form"], "edges": []})
    await user.should_see("Publish the workflow to open the form at this address.")
    (url,) = user.find(marker="form-url").elements
    assert url.text.endswith("/forms/signup/team")

    eng.workflows.publish("signup")
    user.find(FlowEditor).trigger("selection", {"nodes": [], "edges": []})
    user.find(FlowEditor).trigger("selection", {"nodes": ["form"], "edges": []})
    await user.should_see("Live: people can fill it in at this address.")
