"""The shipment domain model: created → dispatched → delivered, or created → cancelled."""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from shipping.backend.schemas import ShipmentStatus
from shipping.backend.service.exceptions import InvalidTransition

_NEXT = {
    "dispatch": (ShipmentStatus.CREATED, ShipmentStatus.DISPATCHED),
    "deliver": (ShipmentStatus.DISPATCHED, ShipmentStatus.DELIVERED),
    # Its order was cancelled before anything left the warehouse.
    "cancel": (ShipmentStatus.CREATED, ShipmentStatus.CANCELLED),
}


@dataclass
class Shipment:
    order_id: UUID
    created_at: datetime
    updated_at: datetime
    status: ShipmentStatus = ShipmentStatus.CREATED
    id: UUID = field(default_factory=uuid4)

    def advance(self, action: str, now: datetime) -> None:
        """Apply `dispatch`, `deliver` or `cancel`; anything out of order is an InvalidTransition."""
        required, target = _NEXT[action]
        if self.status is not required:
            raise InvalidTransition(self.id, self.status.value, action)
        self.status = target
        self.updated_at = now
