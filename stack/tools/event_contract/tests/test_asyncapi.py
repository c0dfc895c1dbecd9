"""The AsyncAPI 3.0 document of a module's events: one channel per topic, payloads from pydantic,
every $ref resolvable inside the document."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from event_contract.asyncapi import document, published_events
from service_kit.event import Event

SHOP_EVENTS = '''
"""Events of shop."""
from pydantic import BaseModel
from service_kit.event import Event


class Line(BaseModel):
    sku: str
    quantity: int


class OrderPlaced(Event):
    """An order was placed."""
    lines: list[Line]


class OrderVoided(Event):
    version = 2
    reason: str


NOT_AN_EVENT = Line
'''


def resolve(doc: dict[str, Any], ref: str) -> Any:
    target: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return target


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for v in node.values() for r in refs(v)]
    return [r for v in node for r in refs(v)] if isinstance(node, list) else []


def test_the_events_of_a_module_are_its_event_subclasses_by_topic(publisher: Callable[[str], Path]) -> None:
    publisher(SHOP_EVENTS)

    assert [event.topic("shop") for event in published_events("shop")] == [
        "shop.OrderPlaced.v1",
        "shop.OrderVoided.v2",
    ]


def test_each_event_is_a_channel_on_its_topic_with_its_schema_as_payload(
    publisher: Callable[[str], Path]
) -> None:
    publisher(SHOP_EVENTS)
    doc = document("shop", "0.3.0", published_events("shop"))

    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["version"] == "0.3.0"
    assert "make contract-accept M=shop" in doc["info"]["description"]
    assert sorted(doc["channels"]) == ["shop.OrderPlaced.v1", "shop.OrderVoided.v2"]
    channel = doc["channels"]["shop.OrderVoided.v2"]
    assert channel["address"] == "shop.OrderVoided.v2"
    message = resolve(doc, channel["messages"]["OrderVoided"]["$ref"])
    assert message["name"] == "OrderVoided"
    payload = resolve(doc, message["payload"]["$ref"])
    assert set(payload["required"]) == {"key", "reason"}
    assert payload["additionalProperties"] is False
    assert doc["operations"]["send.shop.OrderPlaced.v1"]["action"] == "send"
    assert resolve(doc, "#/components/messages/OrderPlaced.v1")["summary"] == "An order was placed."


def test_every_reference_resolves_inside_the_document(publisher: Callable[[str], Path]) -> None:
    publisher(SHOP_EVENTS)
    doc = document("shop", "0.3.0", published_events("shop"))

    assert "Line" in doc["components"]["schemas"]
    assert "$defs" not in str(doc)
    for ref in refs(doc):
        assert resolve(doc, ref)


def test_two_events_on_one_topic_are_refused() -> None:
    class Placed(Event):
        event_type = "OrderPlaced"

    class OrderPlaced(Event):
        pass

    with pytest.raises(ValueError, match="two events share the topic shop.OrderPlaced.v1"):
        document("shop", "0.1.0", [Placed, OrderPlaced])


def test_two_different_models_with_one_name_are_refused() -> None:
    def make_line(field: str) -> type[BaseModel]:
        return type("Line", (BaseModel,), {"__annotations__": {field: int}})

    first, second = make_line("a"), make_line("b")

    class Placed(Event):
        line: first  # type: ignore[valid-type]

    class Voided(Event):
        line: second  # type: ignore[valid-type]

    with pytest.raises(ValueError, match="two different models are both named Line"):
        document("shop", "0.1.0", [Placed, Voided])
