"""OrdersClient: typed async access to the orders service (base URL from ORDERS_URL)."""

from uuid import UUID

from orders.backend.schemas import OrderPublic
from service_kit.facade import FacadeClient, found


class OrdersClient(FacadeClient):
    """`async with OrdersClient(caller="shipping") as orders: await orders.get_order(order_id)`."""

    service = "orders"

    async def get_order(self, order_id: UUID) -> OrderPublic:
        """The order with this id; raises service_kit.client.NotFound if there is none."""
        return await self._call(OrderPublic, "GET", f"/api/v1/orders/{order_id}")

    async def order_exists(self, order_id: UUID) -> bool:
        return await found(self.get_order(order_id))
