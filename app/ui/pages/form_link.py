"""A workflow's form opened by a shared link (/f/<token>): for anyone who has the link, with no
account, when the Form trigger's access is "anyone with the link" (app.auth.form_links).

The page is the public form's (app.ui.pages.public_form) with the link checked first; a revoked
or expired link, or a form no longer shared by link, says so in plain words. The runs it starts
are recorded as started by "form-link:<the link's name>".
"""

from __future__ import annotations

import time

from nicegui import ui

from app.auth.audit import acting
from app.auth.form_links import FormLink, FormLinks, folder_form_links
from app.engine.form_triggers import FormUnavailable, PublicForm, find_form
from app.engine.service import Engine
from app.ui.pages.link_frame import LINK_PROBLEMS, UNKNOWN_LINK, link_frame, notice
from app.ui.pages.public_form import FormPage

NOT_SHARED = (
    "This form is not shared by link any more",
    "Ask whoever sent you the link how to fill it in now.",
)
NOTHING_SENT = "It was withdrawn or has expired; nothing was sent."
LINK_ACCESS = "link"


def register() -> None:
    ui.page("/f/{token}")(form_link_page)


def form_link_page(token: str) -> None:
    with link_frame("A form · Ren") as engine:
        if engine is None:
            return
        links = folder_form_links(engine.folder.root, engine.folder.db_path)
        checked = links.check(token)
        if checked.link is None or checked.problem is not None:
            notice(*LINK_PROBLEMS.get(checked.problem or "", UNKNOWN_LINK))
            return
        try:
            form = find_form(engine, checked.link.workflow_id, checked.link.path)
        except FormUnavailable as err:
            notice("Form not found", str(err))
            return
        if form.config.access != LINK_ACCESS:
            notice(*NOT_SHARED)
            return
        ui.page_title(f"{form.config.title or form.workflow_name} · Ren")
        LinkedFormPage(engine, form, links, checked.link)


class LinkedFormPage(FormPage):
    """The public form, its submissions recorded as the link's."""

    def __init__(self, engine: Engine, form: PublicForm, links: FormLinks, link: FormLink) -> None:
        self.links = links
        self.link = link
        super().__init__(engine, form)

    async def submit(self) -> None:
        now = self.links.get(self.link.id)  # revoked or expired since the page opened?
        if now is None or now.state(time.time()) != "open":
            self._say("This link no longer works", [NOTHING_SENT])
            return
        with acting(self.link.started_by):
            await super().submit()
