"""Which changes to an event break a consumer of the old or the new version, and which do not."""

from typing import Any

import pytest
from pydantic import ConfigDict, Field, create_model

from event_contract.asyncapi import document
from event_contract.compatibility import compare
from service_kit.event import Event


def doc(*events: type[Event]) -> dict[str, Any]:
    return document("shop", "0.1.0", events)


def order_placed(**changes: Any) -> type[Event]:
    """The event OrderPlaced with fields as (annotation, default); a change of None removes the field."""
    fields: dict[str, Any] = {
        "total_cents": (int, Field(ge=0)),
        "currency": (str, "EUR"),
        "status": (str, Field(pattern="^(open|paid)$")),
        **changes,
    }
    return create_model("OrderPlaced", __base__=Event, **{k: v for k, v in fields.items() if v is not None})


def test_identical_documents_differ_in_nothing() -> None:
    assert compare(doc(order_placed()), doc(order_placed())) == ([], [])


@pytest.mark.parametrize(
    ("changes", "change"),
    [
        ({"total_cents": (str, ...)}, "total_cents: type changed from integer to string"),
        ({"total_cents": (int, Field(ge=1))}, "total_cents: minimum changed from 0 to 1"),
        ({"total_cents": (int, ...)}, "total_cents: minimum changed from 0 to None"),
        ({"status": (str, Field(pattern="^(open|paid|void)$"))}, "status: pattern changed"),
        ({"total_cents": None}, "required field `total_cents` removed"),
        ({"currency": None}, "field `currency` removed; new consumers reject queued events"),
        ({"note": (str, "")}, "field `note` added; consumers of the old version reject unknown fields"),
        ({"currency": (str, ...)}, "field `currency` became required"),
        ({"total_cents": (int, 0)}, "field `total_cents` became optional"),
        ({"currency": (str | None, None)}, "currency: type changed from string to any"),
    ],
)
def test_a_change_some_consumer_cannot_read_is_breaking(changes: dict[str, Any], change: str) -> None:
    breaking, _ = compare(doc(order_placed()), doc(order_placed(**changes)))

    assert any(change in line for line in breaking), breaking


def test_a_removed_channel_is_breaking_and_a_new_one_additive() -> None:
    class OrderPlacedV2(Event):
        event_type = "OrderPlaced"
        version = 2

    breaking, additive = compare(doc(order_placed()), doc(OrderPlacedV2))

    assert breaking[0].startswith("shop.OrderPlaced.v1: channel removed")
    assert additive == ["shop.OrderPlaced.v2: channel added"]


def test_where_extra_fields_are_allowed_an_optional_field_is_additive() -> None:
    def with_line(**fields: Any) -> type[Event]:
        line = create_model("Line", __config__=ConfigDict(extra="allow"), sku=(str, ...), **fields)
        return create_model("OrderPlaced", __base__=Event, line=(line, ...))

    breaking, additive = compare(doc(with_line()), doc(with_line(note=(str, ""))))

    assert (breaking, additive) == ([], ["shop.OrderPlaced.v1.line: optional field `note` added"])


def test_a_new_description_alone_is_additive() -> None:
    class OrderPlaced(Event):
        """Now with a description."""

    breaking, additive = compare(doc(create_model("OrderPlaced", __base__=Event)), doc(OrderPlaced))

    assert (breaking, additive) == ([], ["descriptions, titles or other metadata changed"])
