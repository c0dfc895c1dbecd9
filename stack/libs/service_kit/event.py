"""An event a module publishes: part of its public contract, beside its HTTP API.

A producer declares its events in `backend/public/events.py` as subclasses of Event; consumers import
them from there, as they import the typed client. Which broker carries them is not the event's concern.
"""

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """One fact that happened, immutable once published.

    `event_id` is what consumers dedupe by; `key` is the aggregate key (e.g. the order id): events
    with one key are delivered in the order they were published. A subclass's `event_type` defaults
    to its class name; raise `version` on a breaking change to its fields.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    version: ClassVar[int] = 1

    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=_now)
    key: str = Field(min_length=1, max_length=200)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            cls.event_type = cls.__name__

    @classmethod
    def topic(cls, producer: str) -> str:
        """The channel a producer's events of this type travel on, e.g. `orders.OrderConfirmed.v1`."""
        return f"{producer}.{cls.event_type}.v{cls.version}"
