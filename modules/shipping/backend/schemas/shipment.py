"""Shipment request and response schemas."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class ShipmentStatus(StrEnum):
    CREATED = "created"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class ShipmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: UUID


class ShipmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    order_id: UUID
    status: ShipmentStatus
    created_at: datetime
    updated_at: datetime
