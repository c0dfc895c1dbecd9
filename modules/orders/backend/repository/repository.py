"""SqlAlchemyOrderRepository: the order repository port over an async SQLAlchemy session."""

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orders.backend.repository.tables import OrderItemRecord, OrderRecord
from orders.backend.schemas.order import OrderStatus
from orders.backend.service.model import Order, OrderLine
from orders.backend.service.repository import AbstractOrderRepository


class SqlAlchemyOrderRepository(AbstractOrderRepository):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, order: Order) -> None:
        self.session.add(
            OrderRecord(
                id=str(order.id),
                customer_id=order.customer_id,
                status=order.status.value,
                created_at=order.created_at,
                updated_at=order.updated_at,
                items=[
                    OrderItemRecord(position=position, product_id=line.product_id, quantity=line.quantity)
                    for position, line in enumerate(order.items)
                ],
            )
        )

    async def get(self, order_id: UUID) -> Order | None:
        record = await self.session.get(OrderRecord, str(order_id))
        return None if record is None else _to_domain(record)

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
        status=OrderStatus(record.status),
        items=[OrderLine(product_id=item.product_id, quantity=item.quantity) for item in record.items],
        created_at=_as_utc(record.created_at),
        updated_at=_as_utc(record.updated_at),
    )


def _as_utc(moment: datetime) -> datetime:
    # SQLite drops the timezone; every timestamp we write is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
