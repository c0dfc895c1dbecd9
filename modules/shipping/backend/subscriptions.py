"""The events shipping subscribes to, each handled by a shipment use case in its own transaction."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.backend.public.events import OrderCancelled, OrderConfirmed
from service_kit.messaging.inbox import Subscriptions
from shipping.backend.repository.unit_of_work import SqlAlchemyUnitOfWork
from shipping.backend.service import shipments


def subscriptions(session_factory: async_sessionmaker[AsyncSession]) -> Subscriptions:
    subscribed = Subscriptions("shipping")

    async def on_order_confirmed(event: OrderConfirmed) -> None:
        await shipments.ship_confirmed_order(SqlAlchemyUnitOfWork(session_factory), event, event.order_id)

    async def on_order_cancelled(event: OrderCancelled) -> None:
        await shipments.cancel_shipment_of_order(SqlAlchemyUnitOfWork(session_factory), event, event.order_id)

    subscribed.on(OrderConfirmed, on_order_confirmed)
    subscribed.on(OrderCancelled, on_order_cancelled)
    return subscribed
