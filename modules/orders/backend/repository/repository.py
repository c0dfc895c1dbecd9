"""SqlAlchemyOrderRepository: the order repository port over an async SQLAlchemy session."""

from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Row, Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from common.database import SqliteReader, as_utc, stored_enum
from orders.backend.repository.tables import OrderItemRecord, OrderRecord
from orders.backend.schemas.order import OrderStatus
from orders.backend.service.model import Order, OrderLine
from orders.backend.service.repository import AbstractOrderRepository

_orders = cast(Table, OrderRecord.__table__)
_status = stored_enum(OrderStatus)
_items = cast(Table, OrderItemRecord.__table__)
# One Core statement (no ORM identity map, no second SELECT for the items), compiled once and
# reused from the engine's cache; the order's columns repeat on each of its item rows.
_READ_ONE = (
    select(
        _orders.c.id,
        _orders.c.customer_id,
        _orders.c.status,
        _orders.c.created_at,
        _orders.c.updated_at,
        _items.c.product_id,
        _items.c.quantity,
    )
    .outerjoin(_items, _items.c.order_id == _orders.c.id)
    .where(_orders.c.id == bindparam("order_id"))
    .order_by(_items.c.position)
)

# A new order is two Core inserts in the unit of work's transaction (the order, then all its lines
# in one multi-row INSERT): the ORM's flush (identity map, change tracking, a RETURNING for each
# line's id) is work a write that is never read back in the transaction does not need.
_INSERT_ORDER = insert(_orders)
_INSERT_ITEMS = insert(_items)


class SqlAlchemyOrderRepository(AbstractOrderRepository):
    def __init__(self, session: AsyncSession, reader: SqliteReader | None = None) -> None:
        self.session = session
        self.reader = reader

    async def add(self, order: Order) -> None:
        order_id = str(order.id)
        await self.session.execute(
            _INSERT_ORDER,
            {
                "id": order_id,
                "customer_id": order.customer_id,
                "status": order.status.value,
                "created_at": order.created_at,
                "updated_at": order.updated_at,
            },
        )
        if order.items:
            await self.session.execute(
                _INSERT_ITEMS,
                [
                    {
                        "order_id": order_id,
                        "position": position,
                        "product_id": line.product_id,
                        "quantity": line.quantity,
                    }
                    for position, line in enumerate(order.items)
                ],
            )

    async def get(self, order_id: UUID) -> Order | None:
        record = await self.session.get(OrderRecord, str(order_id))
        return None if record is None else _to_domain(record)

    async def read(self, order_id: UUID) -> Order | None:
        parameters = {"order_id": str(order_id)}
        rows: Sequence[Row[Any]]
        if self.reader is not None:
            rows = await self.reader.rows(_READ_ONE, parameters)
        else:
            rows = (await self.session.execute(_READ_ONE, parameters)).all()
        return _rows_to_domain(rows) if rows else None

    async def save(self, order: Order) -> None:
        await self.session.execute(
            update(OrderRecord)
            .where(OrderRecord.id == str(order.id))
            .values(status=order.status.value, updated_at=order.updated_at)
        )

    async def list_page(self, *, customer_id: str | None, limit: int, offset: int) -> tuple[list[Order], int]:
        query = select(OrderRecord)
        count = select(func.count()).select_from(OrderRecord)
        if customer_id is not None:
            query = query.where(OrderRecord.customer_id == customer_id)
            count = count.where(OrderRecord.customer_id == customer_id)
        records = await self.session.scalars(
            query.order_by(OrderRecord.created_at.desc(), OrderRecord.id).limit(limit).offset(offset)
        )
        total = await self.session.scalar(count)
        return [_to_domain(record) for record in records], total or 0


def _to_domain(record: OrderRecord) -> Order:
    return Order(
        id=UUID(record.id),
        customer_id=record.customer_id,
        status=_status(record.status),
        items=[OrderLine(product_id=item.product_id, quantity=item.quantity) for item in record.items],
        created_at=as_utc(record.created_at),
        updated_at=as_utc(record.updated_at),
    )


def _rows_to_domain(rows: Sequence[Row[Any]]) -> Order:
    first = rows[0]
    return Order(
        id=UUID(first.id),
        customer_id=first.customer_id,
        status=_status(first.status),
        # An order without items has one row, its item columns NULL (the outer join).
        items=[OrderLine(product_id=row.product_id, quantity=row.quantity) for row in rows if row.product_id],
        created_at=as_utc(first.created_at),
        updated_at=as_utc(first.updated_at),
    )
