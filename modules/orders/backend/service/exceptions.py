"""Errors the orders service layer raises; the API maps each to one HTTP status.

    OrdersError
    ├── OrderNotFound          (404)
    ├── OrderStateConflict     (409)
    ├── InsufficientStock      (409) names the short SKUs
    ├── ReservationExpired     (409) the order's stock hold lapsed; it can't be confirmed
    ├── InventoryUnavailable   (503) nothing was changed
    │   └── InventoryBusy      (503) inventory rate-limited us; Retry-After says when
    ├── InventoryFailed        (502) inventory answered something unexpected
    └── InvalidOrder           (422)
        ├── EmptyOrder
        └── InvalidQuantity
"""

from uuid import UUID


class OrdersError(Exception):
    pass


class OrderNotFound(OrdersError):
    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"Order {order_id} does not exist.")
        self.order_id = order_id


class OrderStateConflict(OrdersError):
    def __init__(self, order_id: UUID, status: str, action: str) -> None:
        super().__init__(f"Cannot {action} order {order_id}: it is {status}.")
        self.order_id = order_id
        self.status = status
        self.action = action


class InvalidOrder(OrdersError):
    pass


class EmptyOrder(InvalidOrder):
    def __init__(self) -> None:
        super().__init__("An order needs at least one item.")


class InvalidQuantity(InvalidOrder):
    def __init__(self, product_id: str, quantity: int) -> None:
        super().__init__(f"Quantity of {product_id} must be at least 1, got {quantity}.")


class InsufficientStock(OrdersError):
    def __init__(self, short_skus: list[str], detail: str) -> None:
        super().__init__(f"Not enough stock to place the order. {detail}")
        self.problem_fields = {"short_skus": short_skus}


class ReservationExpired(OrdersError):
    def __init__(self, order_id: UUID) -> None:
        super().__init__(
            f"Cannot confirm order {order_id}: its stock reservation expired and the stock went back. "
            "Cancel it and place the order again."
        )


# The three below carry no downstream specifics (URLs, hosts, exception text): the service logs
# those under the request id, and the response body carries that id.
class InventoryUnavailable(OrdersError):
    def __init__(self) -> None:
        super().__init__("Inventory is unavailable, nothing was changed; retry later.")


class InventoryBusy(InventoryUnavailable):
    def __init__(self, retry_after: str | None) -> None:
        super().__init__()
        self.headers = {"Retry-After": retry_after if retry_after and retry_after.isdigit() else "1"}


class InventoryFailed(OrdersError):
    def __init__(self) -> None:
        super().__init__("Inventory gave an unexpected answer; nothing was changed. Retry later.")
