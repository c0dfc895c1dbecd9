"""The inventory HTTP contract: products and reservations."""

from inventory.backend.schemas.inventory import (
    ProductPublic,
    ReservationCreate,
    ReservationItem,
    ReservationPublic,
    ReservationStatus,
    StockUpdate,
)

__all__ = [
    "ProductPublic",
    "ReservationCreate",
    "ReservationItem",
    "ReservationPublic",
    "ReservationStatus",
    "StockUpdate",
]
