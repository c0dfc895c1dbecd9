"""OrdersClient: typed async access to the orders service (base URL from ORDERS_URL)."""

from uuid import UUID

from orders.backend.schemas import OrderPublic
from service_kit.client import NotFound, ServiceClient


class OrdersClient(ServiceClient):
    """`async with OrdersClient(caller="shipping") as orders: await orders.get_order(order_id)`."""

    service = "orders"

    async def get_order(self, order_id: UUID) -> OrderPublic:
        """The order with this id; raises service_kit.client.NotFound if there is none."""
        response = await self._request("GET", f"/api/v1/orders/{order_id}")
        return OrderPublic.model_validate_json(response.content)

    async def order_exists(self, order_id: UUID) -> bool:
        try:
            await self.get_order(order_id)
        except NotFound:
            return False
        return True
