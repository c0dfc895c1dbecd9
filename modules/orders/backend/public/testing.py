"""FakeOrdersClient: an in-memory OrdersClient for consumers' unit tests.

Orders' own contract tests run the same suite against this fake and the real client. Seed it
with `add(order)`; `unavailable = True` makes every call raise Unavailable.
"""

from uuid import UUID

from orders.backend.schemas import OrderItemPublic, OrderPublic, OrderStatus
from service_kit.facade import FakeClient, found


class FakeOrdersClient(FakeClient):
    service = "orders"

    def __init__(self) -> None:
        super().__init__()
        self.orders: dict[UUID, OrderPublic] = {}

    def add(self, status: OrderStatus = OrderStatus.PENDING, customer_id: str = "customer-1") -> OrderPublic:
        """Seed an order as if it had been placed (and moved to `status`) through the orders API."""
        items = [OrderItemPublic(product_id="sku-1", quantity=1)]
        order = self.new_record(OrderPublic, customer_id=customer_id, status=status, items=items)
        self.orders[order.id] = order
        return order

    async def get_order(self, order_id: UUID) -> OrderPublic:
        return self._found(self.orders, order_id, "Order")

    async def order_exists(self, order_id: UUID) -> bool:
        return await found(self.get_order(order_id))
