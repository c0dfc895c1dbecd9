"""Order request and response schemas (XCreate / XPublic / XsPublic)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service_kit.json_types import Identifier, JsonInt, require_totals_within

MAX_QUANTITY = 1_000_000
Quantity = Annotated[JsonInt, Field(ge=1, le=MAX_QUANTITY)]


class OrderStatus(StrEnum):
    """Lifecycle of an order; part of the public contract, so it lives with the schemas."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class OrderItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: Identifier
    quantity: Quantity


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: Identifier
    items: list[OrderItemCreate] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _each_product_within_the_quantity_limit(self) -> Self:
        # Lines of one product are reserved together: their sum is what inventory must accept.
        require_totals_within(
            ((item.product_id, item.quantity) for item in self.items), MAX_QUANTITY, "product"
        )
        return self


class OrderItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_id: str
    quantity: int


class OrderPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    customer_id: str
    status: OrderStatus
    items: list[OrderItemPublic]
    created_at: datetime
    updated_at: datetime


class OrdersPublic(BaseModel):
    """One page of orders, newest first."""

    items: list[OrderPublic]
    total: int
    limit: int
    offset: int
