"""The orders facade: the only part of the orders module other modules may import.

Errors are the service kit's typed client errors (service_kit.client: NotFound, Unavailable, ...).
"""

from orders.backend.public.client import OrdersClient
from orders.backend.schemas import OrderItemPublic, OrderPublic, OrderStatus

__all__ = ["OrderItemPublic", "OrderPublic", "OrderStatus", "OrdersClient"]
