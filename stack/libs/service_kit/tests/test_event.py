from uuid import uuid4

import pytest
from pydantic import ValidationError

from service_kit.event import Event


class ThingShipped(Event):
    thing_id: str


class RenamedV2(Event):
    event_type = "ThingRenamed"
    version = 2


def test_an_event_names_itself_and_its_topic_after_its_class_unless_told() -> None:
    assert ThingShipped.event_type == "ThingShipped"
    assert ThingShipped.topic("things") == "things.ThingShipped.v1"
    assert RenamedV2.topic("things") == "things.ThingRenamed.v2"


def test_each_event_gets_its_own_id_and_an_aware_timestamp() -> None:
    first, second = ThingShipped(key="t1", thing_id="t1"), ThingShipped(key="t1", thing_id="t1")
    assert first.event_id != second.event_id
    assert first.occurred_at.tzinfo is not None


def test_an_event_round_trips_through_json_and_refuses_unknown_fields() -> None:
    event = ThingShipped(event_id=uuid4(), key="t1", thing_id="t1")
    assert ThingShipped.model_validate_json(event.model_dump_json()) == event
    with pytest.raises(ValidationError):
        ThingShipped.model_validate({**event.model_dump(), "surprise": 1})
    with pytest.raises(ValidationError):
        ThingShipped(key="", thing_id="t1")
