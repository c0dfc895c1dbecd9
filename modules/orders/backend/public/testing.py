"""FakeOrdersClient: an in-memory OrdersClient for consumers' unit tests.

Orders' own contract tests run the same suite against this fake and the real client. Seed it
with `add(order)`; `unavailable = True` makes every call raise Unavailable.
"""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from orders.backend.schemas import OrderItemPublic, OrderPublic, OrderStatus
from service_kit.client import NotFound, Unavailable


class FakeOrdersClient:
    def __init__(self) -> None:
        self.orders: dict[UUID, OrderPublic] = {}
        self.unavailable = False

    async def __aenter__(self) -> "FakeOrdersClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        pass

    def add(self, status: OrderStatus = OrderStatus.PENDING, customer_id: str = "customer-1") -> OrderPublic:
        """Seed an order as if it had been placed (and moved to `status`) through the orders API."""
        now = datetime.now(UTC)
        order = OrderPublic(
            id=uuid4(),
            customer_id=customer_id,
            status=status,
            items=[OrderItemPublic(product_id="sku-1", quantity=1)],
            created_at=now,
            updated_at=now,
        )
        self.orders[order.id] = order
        return order

    async def get_order(self, order_id: UUID) -> OrderPublic:
        if self.unavailable:
            raise Unavailable("orders unreachable (FakeOrdersClient.unavailable is set)")
        if order_id not in self.orders:
            raise NotFound(f"Order {order_id} does not exist.", status=404)
        return self.orders[order_id]

    async def order_exists(self, order_id: UUID) -> bool:
        try:
            await self.get_order(order_id)
        except NotFound:
            return False
        return True
