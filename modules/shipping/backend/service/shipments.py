"""Shipment use cases: ship a confirmed order (asked, or on OrderConfirmed), read, dispatch, deliver,
cancel on OrderCancelled. One shipment per order, whichever of the request and the event comes first."""

from datetime import UTC, datetime
from uuid import UUID

from orders.backend.public import OrderStatus
from service_kit.client import NotFound
from service_kit.event import Event
from service_kit.idempotency import IdempotencyKey
from shipping.backend.schemas import ShipmentPublic, ShipmentStatus
from shipping.backend.service.exceptions import (
    InvalidTransition,
    OrderNotConfirmed,
    ShipmentNotFound,
    UnknownOrder,
)
from shipping.backend.service.model import Shipment
from shipping.backend.service.ports import AbstractUnitOfWork, OrdersReader


async def create_shipment(
    uow: AbstractUnitOfWork, orders: OrdersReader, order_id: UUID, key: IdempotencyKey | None = None
) -> tuple[Shipment, bool]:
    """Ship a confirmed order: (its shipment, whether this call created it). The order's existing
    shipment (OrderConfirmed may have created it) is answered as is. With a `key`, a retry answers
    the first response (Replayed)."""
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
        created = await uow.shipments.add(shipment)
        if not created:
            existing = await uow.shipments.for_order(order_id)
            assert existing is not None  # the unique order id refused the insert, and shipments stay
            shipment = existing
        body = ShipmentPublic.model_validate(shipment, from_attributes=True).model_dump(mode="json")
        await uow.idempotency.remember(key, 201 if created else 200, body)
        await uow.commit()
    return shipment, created


async def ship_confirmed_order(uow: AbstractUnitOfWork, event: Event, order_id: UUID) -> None:
    """OrderConfirmed: create the order's shipment unless it has one; once per event."""
    now = datetime.now(UTC)
    async with uow:
        if not await uow.inbox.claim(event):
            return
        await uow.shipments.add(Shipment(order_id=order_id, created_at=now, updated_at=now))
        await uow.commit()


async def cancel_shipment_of_order(uow: AbstractUnitOfWork, event: Event, order_id: UUID) -> None:
    """OrderCancelled: cancel the order's shipment if nothing was dispatched yet; once per event."""
    async with uow:
        if not await uow.inbox.claim(event):
            return
        shipment = await uow.shipments.for_order(order_id)
        if shipment is not None and shipment.status is ShipmentStatus.CREATED:
            shipment.advance("cancel", now=datetime.now(UTC))
            if not await uow.shipments.save(shipment, ShipmentStatus.CREATED.value):
                raise InvalidTransition(shipment.id, "being changed concurrently", "cancel")
        await uow.commit()


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
