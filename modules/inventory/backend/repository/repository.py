"""SqlAlchemyInventoryRepository: stock changes as single conditional UPDATEs, safe under concurrency."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, ScalarResult, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from common.database import SqliteReader, as_utc, stored_enum
from inventory.backend.repository.tables import products, reservation_items, reservations
from inventory.backend.schemas import ReservationItem, ReservationStatus
from inventory.backend.service.ports import AbstractInventoryRepository, StoredReservation

_status = stored_enum(ReservationStatus)
# Compiled once and reused from the engine's statement cache.
_PRODUCT = select(products.c.on_hand, products.c.reserved).where(products.c.sku == bindparam("sku"))


class SqlAlchemyInventoryRepository(AbstractInventoryRepository):
    def __init__(self, session: AsyncSession, reader: SqliteReader | None = None) -> None:
        self.session = session
        self.reader = reader

    async def set_stock(self, sku: str, on_hand: int) -> bool:
        now = datetime.now(UTC)
        changed = await self.session.execute(
            update(products)
            .where(products.c.sku == sku, products.c.reserved <= on_hand)
            .values(on_hand=on_hand, updated_at=now)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            return True
        if await self.get_product(sku) is not None:
            return False  # exists, but more than on_hand is reserved
        await self.session.execute(
            insert(products).values(sku=sku, on_hand=on_hand, reserved=0, updated_at=now)
        )
        return True

    async def get_product(self, sku: str) -> tuple[int, int] | None:
        return _product((await self.session.execute(_PRODUCT, {"sku": sku})).all())

    async def read_product(self, sku: str) -> tuple[int, int] | None:
        # On SQLite, through the reader: no aiosqlite thread hop, no BEGIN IMMEDIATE (so a read
        # never queues behind a writer for SQLite's write lock), no ROLLBACK.
        rows: Sequence[Row[Any]]
        if self.reader is not None:
            rows = await self.reader.rows(_PRODUCT, {"sku": sku})
        else:
            rows = (await self.session.execute(_PRODUCT, {"sku": sku})).all()
        return _product(rows)

    async def get_reservation(self, order_id: UUID) -> StoredReservation | None:
        # One statement, not one per table: on aiosqlite each is four hops to its thread and back.
        rows = (
            await self.session.execute(
                select(
                    reservations.c.status,
                    reservations.c.expires_at,
                    reservation_items.c.sku,
                    reservation_items.c.quantity,
                )
                .outerjoin(reservation_items, reservation_items.c.order_id == reservations.c.order_id)
                .where(reservations.c.order_id == str(order_id))
                .order_by(reservation_items.c.sku)
            )
        ).all()
        if not rows:
            return None
        first = rows[0]
        return StoredReservation(
            _status(first.status),
            [ReservationItem(sku=row.sku, quantity=row.quantity) for row in rows if row.sku is not None],
            None if first.expires_at is None else as_utc(first.expires_at),
        )

    async def add_reservation(
        self, order_id: UUID, items: list[ReservationItem], expires_at: datetime
    ) -> bool:
        try:
            await self.session.execute(
                insert(reservations).values(
                    order_id=str(order_id),
                    status=ReservationStatus.RESERVED.value,
                    created_at=datetime.now(UTC),
                    expires_at=expires_at,
                )
            )
        except IntegrityError:
            # A concurrent call reserved for this order first; its reservation stands.
            await self.session.rollback()
            return False
        await self.session.execute(
            insert(reservation_items),
            [{"order_id": str(order_id), "sku": i.sku, "quantity": i.quantity} for i in items],
        )
        return True

    async def expired_reservations(self, now: datetime, limit: int) -> list[UUID]:
        order_ids: ScalarResult[str] = await self.session.scalars(
            select(reservations.c.order_id)
            .where(
                reservations.c.status == ReservationStatus.RESERVED.value,
                reservations.c.expires_at <= now,
            )
            .order_by(reservations.c.expires_at)
            .limit(limit)
        )
        return [UUID(order_id) for order_id in order_ids]

    async def try_reserve(self, sku: str, quantity: int) -> bool:
        result = await self.session.execute(
            update(products)
            .where(products.c.sku == sku, products.c.on_hand - products.c.reserved >= quantity)
            .values(reserved=products.c.reserved + quantity, updated_at=datetime.now(UTC))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def unreserve(self, sku: str, quantity: int, *, consume: bool) -> None:
        values = {"reserved": products.c.reserved - quantity, "updated_at": datetime.now(UTC)}
        if consume:
            values["on_hand"] = products.c.on_hand - quantity
        await self.session.execute(update(products).where(products.c.sku == sku).values(**values))

    async def transition_reservation(
        self, order_id: UUID, from_status: ReservationStatus, to_status: ReservationStatus
    ) -> bool:
        result = await self.session.execute(
            update(reservations)
            .where(reservations.c.order_id == str(order_id), reservations.c.status == from_status.value)
            .values(status=to_status.value)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _product(rows: Sequence[Row[Any]]) -> tuple[int, int] | None:
    return (rows[0].on_hand, rows[0].reserved) if rows else None
