"""One JSON shape for every error of /api/v1: {"error": {"kind", "message", "problems"}}.

`problems` lists per-field messages ({"field": "body.input", "message": ...}). Every failure
answers in this shape: the engine's own errors (through app.api.ops' OpError), FastAPI's request
validation (422), unknown routes and methods (404/405), oversized bodies (413) and the access
checks of app.auth.principal (401/403).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from app.api.ops import OpError
from app.auth.principal import AuthProblem
from app.core.dsl import WorkflowFormatError
from app.engine.inputs import InputInvalid
from app.engine.schedules import ScheduleInvalid
from app.engine.tasks import NoLongerPossible
from app.engine.workflows import NotFound, WorkflowInvalid

# OpError kinds → HTTP status
OP_STATUS = {"not_found": 404, "invalid": 422, "no_longer_possible": 409}
HTTP_KIND = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
}


class Problem(BaseModel):
    field: str
    message: str


class ErrorDetail(BaseModel):
    kind: str
    message: str
    problems: list[Problem] = []


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    """Raised by a route: answered as `status` with the shared shape."""

    def __init__(
        self, status: int, kind: str, message: str, problems: list[Problem] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.problems = problems or []


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", f"{field}: {message}", [Problem(field=field, message=message)])


def from_op(err: OpError) -> ApiError:
    problems = [_problem_line(line) for line in err.problems]
    return ApiError(OP_STATUS.get(err.kind, 422), err.kind, err.message, problems)


def _problem_line(line: str) -> Problem:
    """An OpError problem is a text line, "field: message" where it names a field."""
    field, sep, message = line.partition(": ")
    if sep and field and " " not in field.strip():
        return Problem(field=field.strip(), message=message)
    return Problem(field="", message=line)


def body(kind: str, message: str, problems: list[Problem] | None = None) -> dict[str, Any]:
    detail = ErrorDetail(kind=kind, message=message, problems=problems or [])
    return {"error": detail.model_dump()}


def respond(
    status: int,
    kind: str,
    message: str,
    problems: list[Problem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(body(kind, message, problems), status_code=status, headers=headers)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return respond(exc.status, exc.kind, exc.message, exc.problems)


async def _op_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OpError)
    return await _api_error(request, from_op(exc))


async def _auth_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthProblem)
    return respond(exc.status_code, exc.kind, exc.message, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    kind = HTTP_KIND.get(exc.status_code, "error")
    message = str(exc.detail) if exc.detail else kind.replace("_", " ")
    if exc.status_code == 400 and "parsing the body" in message:
        message = "the request body is not valid JSON"
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such API path: {request.method} {request.url.path}"
    return respond(exc.status_code, kind, message, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        Problem(field=".".join(str(part) for part in e.get("loc", ())), message=str(e["msg"]))
        for e in exc.errors()
    ]
    first = problems[0] if problems else Problem(field="", message="invalid request")
    message = f"{first.field}: {first.message}" if first.field else first.message
    return respond(422, "invalid", message, problems)


def install(api: FastAPI) -> None:
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(OpError, _op_error)
    api.add_exception_handler(AuthProblem, _auth_problem)
    api.add_exception_handler(HTTPException, _http_error)
    api.add_exception_handler(RequestValidationError, _validation_error)


# The error responses every route may give, for the OpenAPI document.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": kind}
    for status, kind in (
        (400, "the body is not JSON"),
        (401, "no session or token (accounts required)"),
        (403, "not allowed"),
        (404, "not found"),
        (409, "no longer possible"),
        (413, "body too large"),
        (422, "invalid request"),
    )
}


@contextmanager
def engine_errors() -> Iterator[None]:
    """Turn the engine's exceptions into ApiErrors, as app.api.ops.call does for the CLI."""
    try:
        yield
    except NotFound as err:
        raise not_found(str(err)) from None
    except NoLongerPossible as err:
        raise ApiError(409, "no_longer_possible", str(err)) from None
    except InputInvalid as err:
        problems = [_problem_line(line) for line in err.problems]
        raise ApiError(422, "invalid", str(err), problems) from None
    except WorkflowInvalid as err:
        problems = [Problem(field="", message=str(p)) for p in err.problems]
        raise ApiError(422, "invalid", str(err), problems) from None
    except (WorkflowFormatError, ScheduleInvalid, ValueError) as err:
        raise ApiError(422, "invalid", str(err)) from None
