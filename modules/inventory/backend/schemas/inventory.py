"""Product and reservation request/response schemas."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service_kit.json_types import Identifier, JsonInt, require_totals_within

Sku = Identifier
MAX_QUANTITY = 1_000_000
Quantity = Annotated[JsonInt, Field(ge=1, le=MAX_QUANTITY)]


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

    @model_validator(mode="after")
    def _each_sku_within_the_quantity_limit(self) -> Self:
        # Lines of one sku are held as one line, and a line is capped by the same limit.
        require_totals_within(((item.sku, item.quantity) for item in self.items), MAX_QUANTITY, "sku")
        return self


class ReservationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    order_id: UUID
    status: ReservationStatus
    items: list[ReservationItem]
    # Until when a reserved hold stands; after it the hold is released (reads show "released").
    expires_at: datetime | None = None
