"""One error envelope for every 4xx/5xx: RFC 9457 problem+json, with the request id.

    {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "...",
     "instance": "/api/v1/orders/…", "request_id": "…", "errors": [...]}   # errors: 422 only
"""

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from service_kit.request_context import current_request_id

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger(__name__)


def problem_body(status: int, detail: str, *, instance: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "request_id": current_request_id.get(),
    }
    if instance is not None:
        body["instance"] = instance
    return body | extra


def problem_response(
    status: int, detail: str, request: Request, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, instance=request.url.path, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def problem_bytes(status: int, detail: str) -> bytes:
    """For ASGI middleware that answers before FastAPI runs."""
    return json.dumps(problem_body(status, detail)).encode()


def install_problem_handlers(app: FastAPI, domain_errors: Mapping[type[Exception], int]) -> None:
    """Map HTTP errors, validation errors, the module's domain errors and crashes to problem+json."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return problem_response(exc.status_code, str(exc.detail), request, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]} for error in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        return problem_response(422, detail, request, errors=errors)

    for error_type, status in domain_errors.items():

        async def domain_error(request: Request, exc: Exception, status: int = status) -> JSONResponse:
            # An exception may carry extra members for the envelope, e.g. {"short_skus": [...]}.
            return problem_response(status, str(exc), request, **getattr(exc, "problem_fields", {}))

        app.add_exception_handler(error_type, domain_error)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "Internal server error.", request)
