"""Errors the shipping service layer raises; the API maps each to one HTTP status.

    ShippingError
    ├── ShipmentNotFound         (404)
    ├── UnknownOrder             (422) the order id names no order
    ├── OrderNotConfirmed        (409)
    └── InvalidTransition        (409)
"""

from uuid import UUID


class ShippingError(Exception):
    pass


class ShipmentNotFound(ShippingError):
    def __init__(self, shipment_id: UUID) -> None:
        super().__init__(f"Shipment {shipment_id} does not exist.")


class UnknownOrder(ShippingError):
    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"Order {order_id} does not exist; only existing, confirmed orders can ship.")


class OrderNotConfirmed(ShippingError):
    def __init__(self, order_id: UUID, status: str) -> None:
        super().__init__(f"Order {order_id} is {status}; only confirmed orders can ship.")


class InvalidTransition(ShippingError):
    def __init__(self, shipment_id: UUID, status: str, action: str) -> None:
        super().__init__(f"Cannot {action} shipment {shipment_id}: it is {status}.")
