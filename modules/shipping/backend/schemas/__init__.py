"""The shipping HTTP contract."""

from shipping.backend.schemas.shipment import ShipmentCreate, ShipmentPublic, ShipmentStatus

__all__ = ["ShipmentCreate", "ShipmentPublic", "ShipmentStatus"]
