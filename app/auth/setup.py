"""Putting the access gate on a server: one call when the app (or `ren worker`) is built."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from nicegui.app import App

from app.auth.gate import AccessGuard, AuthGate
from app.auth.login_routes import login_router
from app.auth.mode import accounts_required
from app.auth.page_watch import PageWatch
from app.auth.principal import STATE_KEY, install_error_handler


def install(app: FastAPI, db_path: Path, host: str) -> AuthGate:
    """Register the gate on `app`: add it before the Host guard, so that guard runs first."""
    gate = AuthGate(db_path, accounts_required(host))
    setattr(app.state, STATE_KEY, gate)
    install_error_handler(app)
    app.add_middleware(AccessGuard, gate=gate)
    app.include_router(login_router(gate))
    if gate.required and isinstance(app, App):  # the app's pages (not `ren worker`'s API)
        watch = PageWatch(gate)
        app.on_startup(watch.start)
        app.on_shutdown(watch.stop)
    return gate


def gate_of(app: FastAPI) -> AuthGate | None:
    """The gate installed on `app` (None: no gate, everyone is the local admin)."""
    found = getattr(app.state, STATE_KEY, None)
    return found if isinstance(found, AuthGate) else None
