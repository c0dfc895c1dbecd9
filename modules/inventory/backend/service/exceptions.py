"""Errors the inventory service layer raises; the API maps each to one HTTP status.

    InventoryError
    ├── ProductNotFound        (404)
    ├── ReservationNotFound    (404)
    ├── InsufficientStock      (409) names every short SKU
    ├── ReservationMismatch    (409) same order id, different items
    ├── ReservationStateConflict (409)
    ├── ReservationExpired     (409) the hold expired; its stock went back
    └── StockBelowReserved     (409)
"""

from datetime import datetime
from uuid import UUID


class InventoryError(Exception):
    pass


class ProductNotFound(InventoryError):
    def __init__(self, sku: str) -> None:
        super().__init__(f"Product {sku} does not exist.")


class ReservationNotFound(InventoryError):
    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"No reservation for order {order_id}.")


class InsufficientStock(InventoryError):
    def __init__(self, shortages: dict[str, tuple[int, int]]) -> None:
        self.short_skus = sorted(shortages)
        self.problem_fields = {"short_skus": self.short_skus}
        listed = ", ".join(
            f"{sku} (requested {want}, available {have})" for sku, (want, have) in sorted(shortages.items())
        )
        super().__init__(f"Insufficient stock for: {listed}.")


class ReservationMismatch(InventoryError):
    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"Order {order_id} already has a reservation with different items.")


class ReservationStateConflict(InventoryError):
    def __init__(self, order_id: UUID, status: str, action: str) -> None:
        super().__init__(f"Cannot {action} the reservation of order {order_id}: it is {status}.")


class ReservationExpired(InventoryError):
    def __init__(self, order_id: UUID, expired_at: datetime) -> None:
        super().__init__(
            f"The reservation of order {order_id} expired at {expired_at.isoformat()}; "
            "its stock was released. Reserve again."
        )
        # Lets a caller (orders) tell an expired hold from other conflicts.
        self.problem_fields = {"reason": "expired"}


class StockBelowReserved(InventoryError):
    def __init__(self, sku: str, on_hand: int, reserved: int) -> None:
        super().__init__(f"Cannot set stock of {sku} to {on_hand}: {reserved} units are reserved.")
