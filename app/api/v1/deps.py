"""What every /api/v1 route depends on: the engine and who is asking."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.auth.principal import Principal, current_principal
from app.engine.service import Engine

ENGINE_ATTR = "ren_engine"  # the sub-application's attribute holding `() -> Engine`


def engine_of(request: Request) -> Engine:
    get_engine: Callable[[], Engine] = getattr(request.app, ENGINE_ATTR)
    return get_engine()


EngineDep = Annotated[Engine, Depends(engine_of)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
