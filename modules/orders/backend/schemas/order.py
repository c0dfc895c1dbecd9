"""Order request and response schemas (XCreate / XPublic / XsPublic)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from service_kit.json_types import JsonInt

# Identifiers from other systems: printable, bounded, safe in URLs, logs and every SQL backend.
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
Quantity = Annotated[JsonInt, Field(ge=1, le=1_000_000)]


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
