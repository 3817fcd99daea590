"""/api/v1/functions: the Python functions workflows can call (registered and the library's)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.v1.deps import EngineDep, PrincipalDep
from app.api.v1.errors import ERRORS
from app.auth.principal import FUNCTIONS_READ

router = APIRouter(tags=["functions"], responses=ERRORS)


class FunctionOut(BaseModel):
    name: str
    title: str
    description: str
    signature: str
    is_async: bool
    module: str


@router.get("/functions", response_model=list[FunctionOut])
async def list_functions(engine: EngineDep, principal: PrincipalDep) -> list[FunctionOut]:
    principal.require(FUNCTIONS_READ)
    return [
        FunctionOut(
            name=f.name,
            title=f.title,
            description=f.description,
            signature=f.signature(),
            is_async=f.is_async,
            module=f.module,
        )
        for f in engine.functions
    ]
