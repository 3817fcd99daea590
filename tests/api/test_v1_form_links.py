"""/api/v1/workflows/{id}/form-links over real HTTP: links to a form shared by link are made,
listed and revoked as the editor makes them; a form for people signed in, an unknown form and
bad bodies are refused in the one error shape."""

from __future__ import annotations

from app.auth.form_links import folder_form_links
from app.auth.links import REVOKED
from app.engine.service import Engine
from tests.api.v1_server import client, served
from tests.nodes.test_form_trigger import form_flow


async def test_links_are_made_listed_and_revoked(engine: Engine) -> None:
    engine.import_workflow(form_flow(access="link", path="team"))
    engine.import_workflow(form_flow(wid="closed"))  # access: signed_in
    async with served(engine) as api, client(api.url) as http:
        made = await http.post(
            "/workflows/signup/form-links", json={"label": "flyer", "path": "team", "valid_days": 7}
        )
        assert made.status_code == 201, made.text
        link = made.json()
        assert (link["label"], link["path"], link["state"]) == ("flyer", "team", "open")
        assert link["url"].startswith("/f/") and link["expires_at"] > link["created_at"]
        listed = (await http.get("/workflows/signup/form-links", params={"path": "team"})).json()
        assert listed == [link]
        assert (await http.get("/workflows/signup/form-links")).json() == []  # another path

        revoked = (await http.post(f"/form-links/{link['id']}/revoke")).json()
        assert (revoked["state"], revoked["url"]) == ("revoked", None)
        links = folder_form_links(engine.folder.root, engine.folder.db_path)
        assert links.check(link["url"][len("/f/") :]).problem == REVOKED

        refusals = {
            ("/workflows/closed/form-links", '{"label": "x"}'): (422, "body.path"),
            ("/workflows/signup/form-links", '{"label": " ", "path": "team"}'): (422, "body.label"),
            ("/workflows/signup/form-links", '{"label": "x", "valid_days": 0}'): (
                422,
                "body.valid_days",
            ),
            ("/workflows/signup/form-links", '{"label": "x"}'): (404, ""),  # no form at /
            ("/workflows/nobody/form-links", '{"label": "x"}'): (404, ""),
            ("/form-links/nope/revoke", "{}"): (404, ""),
        }
        for (path, body), (status, field) in refusals.items():
            answer = await http.post(
                path, content=body, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == status, (path, body, answer.text)
            error = answer.json()["error"]
            assert error["message"] and (not field or error["problems"][0]["field"] == field)
        assert (await http.get("/workflows/nobody/form-links")).status_code == 404
