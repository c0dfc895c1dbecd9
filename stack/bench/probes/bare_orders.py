"""The bare baseline of the service benchmark: orders' GET by id and POST as a plain FastAPI app.

It does the same work as the orders service per request — the same tables and SQLAlchemy queries on
one session per request with the unit of work's rollback and close, the same inventory reservation
through the inventory facade, the same response model — but none of the service kit: no request
ids, access logs, metrics, auth or rate-limit dependencies, no problem+json handlers. Served by
uvicorn with the settings service_kit.server uses (one process, no access log, no server header).

    PORT=8001 INVENTORY_URL=http://127.0.0.1:8000 ORDERS_SIGNING_KEY=… bare_orders.pex
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import uvicorn
from fastapi import FastAPI, HTTPException, status
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.database import create_engine
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


def _public(record: OrderRecord) -> OrderPublic:
    def utc(moment: datetime) -> datetime:
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    return OrderPublic(
        id=UUID(record.id),
        customer_id=record.customer_id,
        status=OrderStatus(record.status),
        items=[OrderItemPublic(product_id=item.product_id, quantity=item.quantity) for item in record.items],
        created_at=utc(record.created_at),
        updated_at=utc(record.updated_at),
    )


def create_app(database_url: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(database_url)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with InventoryClient(caller="orders", timeout_seconds=2.0, retries=1) as inventory:
            app.state.inventory = inventory
            yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/orders/{order_id}")
    async def get_order(order_id: UUID) -> OrderPublic:
        session = app.state.sessions()
        try:
            record = await session.get(OrderRecord, str(order_id))
            # Read before the rollback expires the record, as the orders repository does.
            order = None if record is None else _public(record)
            await session.rollback()
        finally:
            await session.close()
        if order is None:
            raise HTTPException(404, f"Order {order_id} does not exist.")
        return order

    @app.post("/api/v1/orders", status_code=status.HTTP_201_CREATED)
    async def create_order(body: OrderCreate) -> OrderPublic:
        now = datetime.now(UTC)
        order_id = uuid4()
        wanted = [ReservationItem(sku=item.product_id, quantity=item.quantity) for item in body.items]
        await app.state.inventory.reserve(order_id, wanted)
        record = OrderRecord(
            id=str(order_id),
            customer_id=body.customer_id,
            status=OrderStatus.PENDING.value,
            created_at=now,
            updated_at=now,
            items=[
                OrderItemRecord(position=position, product_id=item.product_id, quantity=item.quantity)
                for position, item in enumerate(body.items)
            ],
        )
        order = _public(record)
        session = app.state.sessions()
        try:
            session.add(record)
            await session.commit()
            await session.rollback()
        finally:
            await session.close()
        return order

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
