"""The orders HTTP contract: request and response bodies."""

from orders.backend.schemas.order import (
    OrderCreate,
    OrderItemCreate,
    OrderItemPublic,
    OrderPublic,
    OrdersPublic,
    OrderStatus,
)

__all__ = ["OrderCreate", "OrderItemCreate", "OrderItemPublic", "OrderPublic", "OrderStatus", "OrdersPublic"]
