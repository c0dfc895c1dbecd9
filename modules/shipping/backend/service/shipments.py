"""Shipment use cases: ship a confirmed order, read, dispatch, deliver."""

from datetime import UTC, datetime
from uuid import UUID

from orders.backend.public import OrderStatus
from service_kit.client import NotFound
from service_kit.idempotency import IdempotencyKey
from shipping.backend.schemas import ShipmentPublic
from shipping.backend.service.exceptions import (
    InvalidTransition,
    OrderNotConfirmed,
    ShipmentExists,
    ShipmentNotFound,
    UnknownOrder,
)
from shipping.backend.service.model import Shipment
from shipping.backend.service.ports import AbstractUnitOfWork, OrdersReader


async def create_shipment(
    uow: AbstractUnitOfWork, orders: OrdersReader, order_id: UUID, key: IdempotencyKey | None = None
) -> Shipment:
    """Ship a confirmed order; with a `key`, a retry answers the first response (Replayed)."""
    async with uow:
        await uow.idempotency.replay(key)
    try:
        order = await orders.get_order(order_id)
    except NotFound:
        raise UnknownOrder(order_id) from None
    if order.status is not OrderStatus.CONFIRMED:
        raise OrderNotConfirmed(order_id, order.status.value)
    now = datetime.now(UTC)
    shipment = Shipment(order_id=order_id, created_at=now, updated_at=now)
    async with uow:
        if not await uow.shipments.add(shipment):
            raise ShipmentExists(order_id)
        body = ShipmentPublic.model_validate(shipment, from_attributes=True).model_dump(mode="json")
        await uow.idempotency.remember(key, 201, body)
        await uow.commit()
    return shipment


async def get_shipment(uow: AbstractUnitOfWork, shipment_id: UUID) -> Shipment:
    async with uow:
        shipment = await uow.shipments.get(shipment_id)
    if shipment is None:
        raise ShipmentNotFound(shipment_id)
    return shipment


async def shipment_for_order(uow: AbstractUnitOfWork, order_id: UUID) -> Shipment | None:
    async with uow:
        return await uow.shipments.for_order(order_id)


async def advance_shipment(uow: AbstractUnitOfWork, shipment_id: UUID, action: str) -> Shipment:
    """`dispatch` a created shipment or `deliver` a dispatched one; anything else is a 409."""
    async with uow:
        shipment = await uow.shipments.get(shipment_id)
        if shipment is None:
            raise ShipmentNotFound(shipment_id)
        previous = shipment.status.value
        shipment.advance(action, now=datetime.now(UTC))
        if not await uow.shipments.save(shipment, previous):
            raise InvalidTransition(shipment_id, "being changed concurrently", action)
        await uow.commit()
    return shipment
