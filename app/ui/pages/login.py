"""The login page (/login): name and password, posted as a plain form to /auth/login.

Only served when Ren requires accounts (on loopback there is no login). A plain form, not a
socket event, so that the session cookie is set by an HTTP response and stays HttpOnly.
"""

from __future__ import annotations

import html

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from nicegui import app, ui

from app.auth.login_routes import safe_next
from app.auth.setup import gate_of

ERRORS = {
    "wrong": "That name and password do not match.",
    "limited": "Too many wrong passwords: wait {wait} seconds, then try again.",
}


def register() -> None:
    ui.page("/login")(login_page)


def login_page(
    request: Request, next: str = "/", error: str = "", name: str = "", wait: str = ""
) -> Response | None:
    gate = gate_of(app)
    if gate is None or not gate.accounts_required:
        return RedirectResponse(safe_next(next), status_code=303)
    gate.open_client(ui.context.client.id)  # its socket connects before there is a session
    ui.page_title("Sign in · Ren")
    message = ERRORS.get(error, "").format(wait=html.escape(wait or "a few"))
    alert = f'<p class="ren-login-error" role="alert">{html.escape(message)}</p>' if message else ""
    form = f"""
<form method="post" action="/auth/login" class="ren-login-form" style="display:flex;
 flex-direction:column;gap:.75rem;width:100%">
  {alert}
  <input type="hidden" name="next" value="{html.escape(safe_next(next))}">
  <label>Name<br><input name="name" autocomplete="username" required autofocus
   value="{html.escape(name)}" style="width:100%;padding:.5rem;border:1px solid #cbd5e1;
   border-radius:6px"></label>
  <label>Password<br><input name="password" type="password" autocomplete="current-password"
   required style="width:100%;padding:.5rem;border:1px solid #cbd5e1;border-radius:6px"></label>
  <button type="submit" data-testid="login-submit" style="padding:.6rem;border:0;
   border-radius:6px;background:#4f46e5;color:#fff;font-weight:600;cursor:pointer">Sign in
  </button>
</form>"""
    with ui.column().classes("w-full max-w-sm mx-auto mt-[12vh] p-6 gap-4 ren-login"):
        ui.label("Sign in to Ren").classes("text-2xl font-semibold")
        ui.label("Ask your Ren admin for an account.").classes("text-sm text-slate-500")
        ui.html(form, sanitize=False).classes("w-full")
    return None


def account_footer() -> None:
    """In the navigation, for a signed-in person: who they are and a Sign out button (a form
    post, so the session cookie is cleared by the server's answer)."""
    from app.auth.page_access import viewer
    from app.auth.principal import VIA_SESSION

    principal = viewer()
    if principal.via != VIA_SESSION:
        return
    who = html.escape(f"{principal.name} ({principal.role})")
    ui.html(
        f"""<form method="post" action="/auth/logout" class="ren-signout"
 style="display:flex;align-items:center;gap:.5rem;padding:.5rem 1rem;font-size:.85rem">
 <span style="flex:1;overflow:hidden;text-overflow:ellipsis">{who}</span>
 <button type="submit" data-testid="sign-out" style="border:0;background:none;
  color:inherit;text-decoration:underline;cursor:pointer">Sign out</button></form>""",
        sanitize=False,
    ).classes("w-full")
