"""The events orders publishes: part of its public contract, beside OrdersClient."""

from uuid import UUID

from service_kit.event import Event


class OrderConfirmed(Event):
    """An order's stock was committed: it can ship. `key` is the order id."""

    order_id: UUID
    customer_id: str


class OrderCancelled(Event):
    """A pending order was cancelled and its stock released. `key` is the order id."""

    order_id: UUID
    customer_id: str
