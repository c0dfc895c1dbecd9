"""The HTTP side of idempotency: the `Idempotency-Key` header as a FastAPI dependency, and the
handlers that answer a replay, a reused key (422) and a key in flight (409)."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse

from service_kit.idempotency import (
    IDEMPOTENCY_HEADER,
    IN_FLIGHT,
    MAX_KEY_LENGTH,
    IdempotencyKey,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    Replayed,
    fingerprint,
)
from service_kit.problems import problem_response

REPLAYED_HEADER = "Idempotent-Replayed"
# What an idempotent create documents besides its own statuses.
IDEMPOTENCY_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": f"A request with this {IDEMPOTENCY_HEADER} is still in flight."},
    422: {"description": f"Invalid body, or this {IDEMPOTENCY_HEADER} was used with another request."},
}


async def idempotency_key(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias=IDEMPOTENCY_HEADER,
            min_length=1,
            max_length=MAX_KEY_LENGTH,
            description=(
                "Makes the create safe to retry: a retry with the same key and body gets the first "
                "answer again (same status and body) instead of creating twice. Keys expire after "
                "24 hours by default; a key reused with another body is a 422, one still in flight a 409."
            ),
        ),
    ] = None,
) -> AsyncIterator[IdempotencyKey | None]:
    """The request's key scoped to its caller, held as in flight while the request runs."""
    if key is None:
        yield None
        return
    caller = getattr(request.state, "caller", None) or "anonymous"
    settings = request.app.state.settings
    scoped = IdempotencyKey(
        scope=caller,
        key=key,
        fingerprint=fingerprint(request.method, request.url.path, await request.body()),
        ttl_seconds=settings.idempotency_ttl_seconds,
    )
    in_flight: set[str] = request.app.state.idempotency_in_flight
    if scoped.stored_key in in_flight:
        raise IdempotencyKeyInFlight()
    in_flight.add(scoped.stored_key)
    try:
        yield scoped
    finally:
        in_flight.discard(scoped.stored_key)


IdempotencyKeyHeader = Annotated[IdempotencyKey | None, Depends(idempotency_key)]


def install_idempotency(app: FastAPI) -> None:
    app.state.idempotency_in_flight = set()

    @app.exception_handler(Replayed)
    async def replayed(request: Request, exc: Replayed) -> JSONResponse:
        return JSONResponse(
            exc.response.body, status_code=exc.response.status, headers={REPLAYED_HEADER: "true"}
        )

    @app.exception_handler(IdempotencyKeyReused)
    async def reused(request: Request, exc: IdempotencyKeyReused) -> JSONResponse:
        return problem_response(422, str(exc), request)

    @app.exception_handler(IdempotencyKeyInFlight)
    async def in_flight(request: Request, exc: IdempotencyKeyInFlight) -> JSONResponse:
        # The marker lets a facade client tell this 409 (retry later) from a domain conflict.
        return problem_response(409, str(exc), request, idempotency=IN_FLIGHT)
