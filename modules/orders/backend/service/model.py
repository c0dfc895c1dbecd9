"""The order domain model and its state transitions."""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from orders.backend.schemas.order import OrderStatus
from orders.backend.service.exceptions import EmptyOrder, InvalidQuantity, OrderStateConflict


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    quantity: int


@dataclass
class Order:
    customer_id: str
    items: list[OrderLine]
    created_at: datetime
    updated_at: datetime
    status: OrderStatus = OrderStatus.PENDING
    id: UUID = field(default_factory=uuid4)

    @classmethod
    def place(cls, customer_id: str, items: list[OrderLine], now: datetime) -> "Order":
        if not items:
            raise EmptyOrder()
        for line in items:
            if line.quantity < 1:
                raise InvalidQuantity(line.product_id, line.quantity)
        return cls(customer_id=customer_id, items=list(items), created_at=now, updated_at=now)

    def confirm(self, now: datetime) -> None:
        self._transition("confirm", {OrderStatus.PENDING}, OrderStatus.CONFIRMED, now)

    def cancel(self, now: datetime) -> None:
        # A confirmed order's stock is committed (and may be shipping), so only pending ones cancel.
        self._transition("cancel", {OrderStatus.PENDING}, OrderStatus.CANCELLED, now)

    def _transition(
        self, action: str, allowed_from: set[OrderStatus], to: OrderStatus, now: datetime
    ) -> None:
        if self.status not in allowed_from:
            raise OrderStateConflict(self.id, self.status, action)
        self.status = to
        self.updated_at = now
