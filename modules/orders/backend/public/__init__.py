"""The orders facade: the only part of the orders module other modules may import.

    OrdersClientError
    ├── OrderNotFoundError      the order does not exist (404)
    └── OrdersUnavailableError  orders could not answer: connection failure, timeout or 5xx
"""

from orders.backend.public.client import OrdersClient
from orders.backend.public.errors import OrderNotFoundError, OrdersClientError, OrdersUnavailableError
from orders.backend.schemas import OrderItemPublic, OrderPublic, OrderStatus

__all__ = [
    "OrderItemPublic",
    "OrderNotFoundError",
    "OrderPublic",
    "OrderStatus",
    "OrdersClient",
    "OrdersClientError",
    "OrdersUnavailableError",
]
