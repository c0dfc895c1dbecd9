"""The inventory facade: the only part of the inventory module other modules may import.

Errors are the service kit's typed client errors: NotFound, Conflict (e.g. insufficient stock,
`problem["short_skus"]` names the SKUs), Unavailable. A verified fake is in `.testing`.
"""

from inventory.backend.public.client import InventoryClient
from inventory.backend.schemas import ProductPublic, ReservationItem, ReservationPublic, ReservationStatus

__all__ = ["InventoryClient", "ProductPublic", "ReservationItem", "ReservationPublic", "ReservationStatus"]
