"""Product and reservation request/response schemas."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from service_kit.json_types import Identifier, JsonInt

Sku = Identifier
Quantity = Annotated[JsonInt, Field(ge=1, le=1_000_000)]


class ReservationStatus(StrEnum):
    RESERVED = "reserved"
    COMMITTED = "committed"
    RELEASED = "released"


class StockUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on_hand: JsonInt = Field(ge=0, le=1_000_000_000)


class ProductPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sku: str
    on_hand: int
    reserved: int
    available: int


class ReservationItem(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True, frozen=True)

    sku: Sku
    quantity: Quantity


class ReservationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: UUID
    items: list[ReservationItem] = Field(min_length=1, max_length=100)


class ReservationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    order_id: UUID
    status: ReservationStatus
    items: list[ReservationItem]
    # Until when a reserved hold stands; after it the hold is released (reads show "released").
    expires_at: datetime | None = None
