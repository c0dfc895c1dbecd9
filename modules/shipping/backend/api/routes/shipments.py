"""/api/v1/shipments: ship confirmed orders and track them to delivery."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from service_kit.idempotency_header import IDEMPOTENCY_RESPONSES, IdempotencyKeyHeader
from shipping.backend.api.deps import Orders, UnitOfWork
from shipping.backend.schemas import ShipmentCreate, ShipmentPublic
from shipping.backend.service import shipments as service
from shipping.backend.service.exceptions import ShipmentNotFound

router = APIRouter(prefix="/api/v1/shipments", tags=["shipments"])
_TRANSITION: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such shipment."},
    409: {"description": "Out-of-order transition."},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        **IDEMPOTENCY_RESPONSES,
        200: {"description": "The order's existing shipment (made by OrderConfirmed or an earlier request)."},
        409: {"description": "Order not confirmed, or the Idempotency-Key is in flight."},
        502: {"description": "Orders gave an unexpected answer."},
        503: {"description": "Orders down or busy (then Retry-After says when)."},
    },
)
async def create_shipment(
    body: ShipmentCreate, uow: UnitOfWork, orders: Orders, key: IdempotencyKeyHeader, response: Response
) -> ShipmentPublic:
    """Create a shipment for a confirmed order (201), or answer the one it has (200)."""
    shipment, created = await service.create_shipment(uow, orders, body.order_id, key=key)
    if not created:
        response.status_code = status.HTTP_200_OK
    return ShipmentPublic.model_validate(shipment, from_attributes=True)


@router.get("/{shipment_id}", responses={404: {"description": "No such shipment."}})
async def get_shipment(shipment_id: UUID, uow: UnitOfWork) -> ShipmentPublic:
    """Read one shipment."""
    return ShipmentPublic.model_validate(await service.get_shipment(uow, shipment_id), from_attributes=True)


@router.get("", responses={404: {"description": "The order has no shipment."}})
async def get_shipment_for_order(order_id: Annotated[UUID, Query()], uow: UnitOfWork) -> ShipmentPublic:
    """Find the shipment of an order."""
    shipment = await service.shipment_for_order(uow, order_id)
    if shipment is None:
        raise ShipmentNotFound(order_id)
    return ShipmentPublic.model_validate(shipment, from_attributes=True)


@router.post("/{shipment_id}/dispatch", responses=_TRANSITION)
async def dispatch_shipment(shipment_id: UUID, uow: UnitOfWork) -> ShipmentPublic:
    """created → dispatched."""
    return ShipmentPublic.model_validate(
        await service.advance_shipment(uow, shipment_id, "dispatch"), from_attributes=True
    )


@router.post("/{shipment_id}/deliver", responses=_TRANSITION)
async def deliver_shipment(shipment_id: UUID, uow: UnitOfWork) -> ShipmentPublic:
    """dispatched → delivered."""
    return ShipmentPublic.model_validate(
        await service.advance_shipment(uow, shipment_id, "deliver"), from_attributes=True
    )
