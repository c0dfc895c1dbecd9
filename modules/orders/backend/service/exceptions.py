"""Errors the orders service layer raises; the API maps each to one HTTP status.

    OrdersError
    ├── OrderNotFound          (404)
    ├── OrderStateConflict     (409)
    ├── InsufficientStock      (409) names the short SKUs
    ├── InventoryUnavailable   (503) nothing was stored
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


class InventoryUnavailable(OrdersError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"Inventory is unavailable, nothing was stored; retry later. ({detail})")
