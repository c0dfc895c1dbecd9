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
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException
from starlette.routing import Match

from service_kit.client import RateLimited, ServiceError, Unavailable
from service_kit.request_context import current_request_id

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger(__name__)


class Problem(BaseModel):
    """The body of every error response; a problem may carry more members (e.g. short_skus)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    request_id: str | None
    instance: str | None = None


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(Problem):
    """422: `errors` lists each invalid field when the request failed validation; a module's own
    422 (a well-formed request the domain refuses) has none."""

    errors: list[FieldError] | None = None


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
        headers = exc.headers
        if exc.status_code == 405:
            # Starlette's Allow names only the first route matching the path, not every method it has.
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return problem_response(exc.status_code, str(exc.detail), request, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]} for error in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        return problem_response(422, detail, request, errors=errors)

    for error_type, status in domain_errors.items():

        async def domain_error(request: Request, exc: Exception, status: int = status) -> JSONResponse:
            # An exception may carry extra members for the envelope, e.g. {"short_skus": [...]},
            # and headers, e.g. Retry-After.
            return problem_response(
                status,
                str(exc),
                request,
                headers=getattr(exc, "headers", None),
                **getattr(exc, "problem_fields", {}),
            )

        app.add_exception_handler(error_type, domain_error)

    @app.exception_handler(ServiceError)
    async def downstream_error(request: Request, exc: ServiceError) -> JSONResponse:
        # A facade call's error the module did not map: its message names the callee's URL and
        # the transport error, so it goes to the log; the body says only what kind of failure.
        logger.warning("downstream call failed on %s %s: %s", request.method, request.url.path, exc)
        if isinstance(exc, RateLimited):
            retry_after = exc.retry_after if exc.retry_after and exc.retry_after.isdigit() else "1"
            detail = "A service this one depends on is busy; retry later."
            return problem_response(503, detail, request, headers={"Retry-After": retry_after})
        if isinstance(exc, Unavailable):
            return problem_response(
                503, "A service this one depends on is unavailable; retry later.", request
            )
        return problem_response(502, "A service this one depends on gave an unexpected answer.", request)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "Internal server error.", request)


HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app fully matches on the request's path."""
    routes = request.app.router.routes
    return [
        method
        for method in HTTP_METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


# Statuses any operation behind the kit's auth and rate limits can answer, besides its own.
KIT_ERRORS = {
    401: "Missing, malformed or expired bearer token.",
    403: "The token was minted for another service.",
    429: "Rate limit exceeded; Retry-After says when to retry.",
}
# Statuses of an operation that reads a request body (BodySizeLimitMiddleware, JSON decoding).
BODY_ERRORS = {
    400: "The body is not valid JSON, or Content-Length is not a number.",
    413: "The body is larger than the service's limit.",
}


def document_problems(openapi: dict[str, Any], kit_operations: set[tuple[str, str]]) -> None:
    """Make the OpenAPI document say what the handlers above send: every 4xx/5xx is problem+json
    (422 as ValidationProblem), and `kit_operations` ((path, method) behind auth and rate limits)
    list the kit's own errors too."""
    for path, item in openapi.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            if (path, method.upper()) in kit_operations:
                extra = KIT_ERRORS | (BODY_ERRORS if "requestBody" in operation else {})
                for code, description in extra.items():
                    responses.setdefault(str(code), {"description": description})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    model = ValidationProblem if status == "422" else Problem
                    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
                    response["content"] = {PROBLEM_JSON: {"schema": schema}}
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, ValidationProblem):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    # FastAPI's own 422 schemas are replaced by ValidationProblem everywhere.
    if "HTTPValidationError" not in json.dumps(openapi.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
