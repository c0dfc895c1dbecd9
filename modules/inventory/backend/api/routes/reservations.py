"""/api/v1/reservations: reserve stock for an order (all or nothing), then commit or release it."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from inventory.backend.api.deps import ReservationTtl, UnitOfWork
from inventory.backend.api.metrics import RESERVATIONS_REJECTED
from inventory.backend.schemas import ReservationCreate, ReservationPublic
from inventory.backend.service import inventory as service
from inventory.backend.service.exceptions import InsufficientStock

router = APIRouter(prefix="/api/v1/reservations", tags=["reservations"])
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No reservation for this order."}}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The reservation's status does not allow this, or (commit) it expired."}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Already reserved for this order (idempotent)."}, **_CONFLICT},
)
async def create_reservation(
    body: ReservationCreate, uow: UnitOfWork, response: Response, ttl: ReservationTtl
) -> ReservationPublic:
    """Reserve every item for the order, or none (409 names the short SKUs); the hold expires."""
    try:
        reservation, created = await service.reserve(uow, body.order_id, body.items, ttl=ttl)
    except InsufficientStock:
        RESERVATIONS_REJECTED.inc()
        raise
    if not created:
        response.status_code = status.HTTP_200_OK
    return ReservationPublic.model_validate(reservation, from_attributes=True)


@router.get("/{order_id}", responses=_NOT_FOUND)
async def get_reservation(order_id: UUID, uow: UnitOfWork) -> ReservationPublic:
    """Read the reservation of an order."""
    return ReservationPublic.model_validate(
        await service.get_reservation(uow, order_id), from_attributes=True
    )


@router.post("/{order_id}/commit", responses={**_NOT_FOUND, **_CONFLICT})
async def commit_reservation(order_id: UUID, uow: UnitOfWork) -> ReservationPublic:
    """Take the reserved units out of stock (order confirmed); idempotent; 409 if the hold expired."""
    return ReservationPublic.model_validate(await service.commit(uow, order_id), from_attributes=True)


@router.post("/{order_id}/release", responses={**_NOT_FOUND, **_CONFLICT})
async def release_reservation(order_id: UUID, uow: UnitOfWork) -> ReservationPublic:
    """Give the reserved units back (order cancelled); idempotent."""
    return ReservationPublic.model_validate(await service.release(uow, order_id), from_attributes=True)
