"""What travels between producer and consumer: an event's payload with its topic, key and outbox position."""

import json
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from service_kit.event import Event

EventT = TypeVar("EventT", bound=Event)


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    event_id: UUID
    topic: str
    key: str
    # The producer's outbox position: increasing in commit order of one producer's rows.
    position: int
    payload: dict[str, Any]

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> "Envelope":
        return cls.model_validate_json(text)

    def event(self, event_class: type[EventT]) -> EventT:
        return event_class.model_validate(self.payload)


def payload_of(event: Event) -> str:
    return json.dumps(event.model_dump(mode="json"), separators=(",", ":"))
