"""The bare baseline of the service benchmark: orders' GET by id and POST as a plain FastAPI app.

It does the same work as the orders service per request, the way a hand-written service that knew
the same tricks would: the same tables; a read by id is the repository's one Core select on a
SqliteReader (a plain sqlite3 connection on the event loop, as orders reads); a create reserves the
stock through the inventory facade, then writes the same two Core inserts (the order, its lines in
one multi-row INSERT) in one transaction of a session, with the unit of work's commit, rollback and
close; the same response model. None of the service kit: no request ids, access logs, metrics, auth,
rate-limit or Idempotency-Key dependencies, no problem+json handlers. Served by uvicorn with the
settings service_kit.server uses (one process, no access log, no server header).

    PORT=8001 INVENTORY_URL=http://127.0.0.1:8000 ORDERS_SIGNING_KEY=… bare_orders.pex
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import cast
from uuid import UUID, uuid4

import uvicorn
from fastapi import FastAPI, HTTPException, status
from sqlalchemy import DateTime, ForeignKey, Integer, String, Table, bindparam, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.database import SqliteReader, create_engine
from inventory.backend.public import InventoryClient, ReservationItem
from orders.backend.schemas import OrderCreate, OrderItemPublic, OrderPublic, OrderStatus


# The orders tables as modules/orders/backend/repository/tables.py declares them (the module's
# internals are private to it, so the probe repeats them; orders' test_bench_baseline_tables fails
# when the two differ).
class Base(DeclarativeBase):
    pass


class OrderRecord(Base):
    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    items: Mapped[list["OrderItemRecord"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="OrderItemRecord.position"
    )


class OrderItemRecord(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)


_orders = cast(Table, OrderRecord.__table__)
_items = cast(Table, OrderItemRecord.__table__)
# orders' repository statements (modules/orders/backend/repository/repository.py), repeated here.
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
_INSERT_ORDER = insert(_orders)
_INSERT_ITEMS = insert(_items)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def create_app(database_url: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(database_url)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
        app.state.reader = SqliteReader(database_url)
        async with InventoryClient(caller="orders", timeout_seconds=2.0, retries=1) as inventory:
            app.state.inventory = inventory
            yield
        app.state.reader.close()
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/orders/{order_id}")
    async def get_order(order_id: UUID) -> OrderPublic:
        rows = await app.state.reader.rows(_READ_ONE, {"order_id": str(order_id)})
        if not rows:
            raise HTTPException(404, f"Order {order_id} does not exist.")
        first = rows[0]
        return OrderPublic(
            id=UUID(first.id),
            customer_id=first.customer_id,
            status=OrderStatus(first.status),
            items=[
                OrderItemPublic(product_id=row.product_id, quantity=row.quantity)
                for row in rows
                if row.product_id
            ],
            created_at=_utc(first.created_at),
            updated_at=_utc(first.updated_at),
        )

    @app.post("/api/v1/orders", status_code=status.HTTP_201_CREATED)
    async def create_order(body: OrderCreate) -> OrderPublic:
        now = datetime.now(UTC)
        order_id = uuid4()
        wanted = [ReservationItem(sku=item.product_id, quantity=item.quantity) for item in body.items]
        await app.state.inventory.reserve(order_id, wanted)
        session = app.state.sessions()
        try:
            await session.execute(
                _INSERT_ORDER,
                {
                    "id": str(order_id),
                    "customer_id": body.customer_id,
                    "status": OrderStatus.PENDING.value,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            await session.execute(
                _INSERT_ITEMS,
                [
                    {
                        "order_id": str(order_id),
                        "position": position,
                        "product_id": i.product_id,
                        "quantity": i.quantity,
                    }
                    for position, i in enumerate(body.items)
                ],
            )
            await session.commit()
            await session.rollback()  # the unit of work's exit
        finally:
            await session.close()
        return OrderPublic(
            id=order_id,
            customer_id=body.customer_id,
            status=OrderStatus.PENDING,
            items=[OrderItemPublic(product_id=i.product_id, quantity=i.quantity) for i in body.items],
            created_at=now,
            updated_at=now,
        )

    return app


def main() -> None:
    data_dir = Path(os.environ.get("BARE_DATA_DIR", ".data"))
    app = create_app(f"sqlite+aiosqlite:///{data_dir / 'bare_orders.db'}")
    # service_kit.server.run_service's uvicorn settings, minus the kit's JSON logging.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(os.environ.get("PORT", "8001")),
        log_level=os.environ.get("BARE_LOG_LEVEL", "warning").lower(),
        access_log=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
