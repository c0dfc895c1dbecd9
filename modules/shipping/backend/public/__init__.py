"""The shipping facade: the only part of the shipping module other modules may import."""

from shipping.backend.public.client import ShippingClient
from shipping.backend.schemas import ShipmentPublic, ShipmentStatus

__all__ = ["ShipmentPublic", "ShipmentStatus", "ShippingClient"]
