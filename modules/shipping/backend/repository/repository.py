"""SqlAlchemyShipmentRepository: the shipment repository port over an async SQLAlchemy session."""

from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from common.database import as_utc, stored_enum
from shipping.backend.repository.tables import shipments
from shipping.backend.schemas import ShipmentStatus
from shipping.backend.service.model import Shipment
from shipping.backend.service.ports import AbstractShipmentRepository

_status = stored_enum(ShipmentStatus)


class SqlAlchemyShipmentRepository(AbstractShipmentRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, shipment: Shipment) -> bool:
        try:
            # A savepoint: losing the race for the order keeps the rest of the transaction (the inbox claim).
            async with self.session.begin_nested():
                await self.session.execute(
                    insert(shipments).values(
                        id=str(shipment.id),
                        order_id=str(shipment.order_id),
                        status=shipment.status.value,
                        created_at=shipment.created_at,
                        updated_at=shipment.updated_at,
                    )
                )
        except IntegrityError:  # unique order_id: one shipment per order
            return False
        return True

    async def get(self, shipment_id: UUID) -> Shipment | None:
        row = (
            await self.session.execute(select(shipments).where(shipments.c.id == str(shipment_id)))
        ).first()
        return None if row is None else _to_domain(row._mapping)

    async def for_order(self, order_id: UUID) -> Shipment | None:
        row = (
            await self.session.execute(select(shipments).where(shipments.c.order_id == str(order_id)))
        ).first()
        return None if row is None else _to_domain(row._mapping)

    async def save(self, shipment: Shipment, previous_status: str) -> bool:
        result = await self.session.execute(
            update(shipments)
            .where(shipments.c.id == str(shipment.id), shipments.c.status == previous_status)
            .values(status=shipment.status.value, updated_at=shipment.updated_at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _to_domain(row: Any) -> Shipment:
    return Shipment(
        id=UUID(row["id"]),
        order_id=UUID(row["order_id"]),
        status=_status(row["status"]),
        created_at=as_utc(row["created_at"]),
        updated_at=as_utc(row["updated_at"]),
    )
