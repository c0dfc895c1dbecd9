"""The HTTP side of events: a producer's feed (the embedded transport) and a consumer's dead letters."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from service_kit.auth import AuthGuard
from service_kit.messaging import inbox
from service_kit.messaging.envelope import Envelope
from service_kit.messaging.relay import read_feed

MAX_PAGE = 500
# Positions and offsets beyond a 64-bit integer are no rows, and SQLite would overflow on them.
MAX_POSITION = 2**62


async def any_service(request: Request) -> str | None:
    """Reads included, a token of a service this one trusts (none needed with auth off)."""
    guard: AuthGuard = request.app.state.auth_guard
    return guard.authenticate(request)


class EventFeed(BaseModel):
    events: list[Envelope]


def feed_router() -> APIRouter:
    """GET /api/v1/events: the producer's relayed events past a position, what consumers poll
    when no broker is configured."""
    router = APIRouter(prefix="/api/v1/events", tags=["events"], dependencies=[Depends(any_service)])

    @router.get("")
    async def read_events(
        request: Request,
        topic: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=200)]], Query(min_length=1, max_length=50)
        ],
        after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> EventFeed:
        """Relayed events of these topics after `after`, in the order they were relayed."""
        events = await read_feed(request.app.state.session_factory, after=after, topics=topic, limit=limit)
        return EventFeed(events=events)

    return router


class DeadLetterPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: UUID
    topic: str
    key: str
    attempts: int
    # The type of the last error only (its message is in the service's log).
    last_error: str | None
    received_at: datetime
    payload: dict[str, Any]


class DeadLetterPage(BaseModel):
    items: list[DeadLetterPublic]
    total: int
    limit: int
    offset: int


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Omitted or null: every dead letter.
    event_ids: list[UUID] | None = Field(default=None, max_length=MAX_PAGE)


class ReplayResult(BaseModel):
    replayed: int


def dead_letter_router() -> APIRouter:
    """GET /api/v1/events/dead-letters lists them, POST .../replay makes them pending again."""
    router = APIRouter(
        prefix="/api/v1/events/dead-letters", tags=["events"], dependencies=[Depends(any_service)]
    )

    @router.get("")
    async def list_dead_letters(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
    ) -> DeadLetterPage:
        """Events whose handler failed every attempt, oldest first."""
        items, total = await inbox.list_dead_letters(
            request.app.state.session_factory, limit=limit, offset=offset
        )
        return DeadLetterPage(
            items=[DeadLetterPublic.model_validate(i) for i in items], total=total, limit=limit, offset=offset
        )

    @router.post("/replay")
    async def replay_dead_letters(request: Request, body: ReplayRequest) -> ReplayResult:
        """Hand these dead letters (all, without `event_ids`) to their handler again, with fresh attempts."""
        replayed = await inbox.replay_dead_letters(request.app.state.session_factory, body.event_ids)
        request.app.state.inbox_processor.nudge()
        return ReplayResult(replayed=replayed)

    return router
