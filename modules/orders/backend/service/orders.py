"""Order use cases: place (reserving stock), read, list, confirm (committing it), cancel (releasing it).

No database transaction is open while inventory is called: a slow inventory must not pin the pool.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from inventory.backend.public import ReservationItem
from orders.backend.public.events import OrderCancelled, OrderConfirmed
from orders.backend.schemas import OrderPublic
from orders.backend.service.exceptions import (
    InsufficientStock,
    InventoryBusy,
    InventoryFailed,
    InventoryUnavailable,
    OrderNotFound,
    OrdersError,
    OrderStateConflict,
    ReservationExpired,
)
from orders.backend.service.model import Order, OrderLine
from orders.backend.service.stock import StockReservations
from orders.backend.service.unit_of_work import AbstractUnitOfWork
from service_kit.client import Conflict, NotFound, RateLimited, ServiceError, Unavailable
from service_kit.event import Event
from service_kit.idempotency import IdempotencyKey

Clock = Callable[[], datetime]
logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OrderPage:
    items: list[Order]
    total: int
    limit: int
    offset: int


async def place_order(
    uow: AbstractUnitOfWork,
    stock: StockReservations,
    customer_id: str,
    items: list[OrderLine],
    clock: Clock = utc_now,
    key: IdempotencyKey | None = None,
) -> Order:
    """Reserve the stock, then store the order; without the reservation nothing is stored.

    With a `key`, a retry answers the first response (the kit raises Replayed). A crash before the
    store leaves a reservation no order owns; inventory expires it.
    """
    order = Order.place(customer_id, items, now=clock())
    if key is not None:  # without a key there is nothing to look up: no transaction for it
        async with uow:
            await uow.idempotency.replay(key)
    wanted = [ReservationItem(sku=line.product_id, quantity=line.quantity) for line in order.items]
    try:
        await stock.reserve(order.id, wanted)
    except Conflict as exc:
        if "short_skus" not in exc.problem:
            raise _unexpected(exc, "reserve") from None
        detail = str(exc.problem.get("detail", exc))
        raise InsufficientStock(list(exc.problem["short_skus"]), detail) from None
    except ServiceError as exc:
        raise _unexpected(exc, "reserve") from None
    try:
        async with uow:
            await uow.orders.add(order)
            if key is not None:  # the response is serialised for the key's record only
                await uow.idempotency.remember(
                    key, 201, OrderPublic.model_validate(order).model_dump(mode="json")
                )
            await uow.commit()
    except BaseException:
        # Don't leave stock reserved for an order that was never stored; if that fails too, the
        # hold expires, and the caller still learns why the order failed, not why the release did.
        try:
            await stock.release(order.id)
        except Exception:
            logger.warning("could not release the reservation of unstored order %s", order.id, exc_info=True)
        raise
    return order


async def get_order(uow: AbstractUnitOfWork, order_id: UUID) -> Order:
    async with uow:
        order = await uow.orders.read(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order


async def list_orders(
    uow: AbstractUnitOfWork, *, customer_id: str | None, limit: int, offset: int
) -> OrderPage:
    async with uow:
        orders, total = await uow.orders.list_page(customer_id=customer_id, limit=limit, offset=offset)
    return OrderPage(items=orders, total=total, limit=limit, offset=offset)


async def confirm_order(
    uow: AbstractUnitOfWork, stock: StockReservations, order_id: UUID, clock: Clock = utc_now
) -> Order:
    """Commit the reserved stock, then mark the order confirmed and publish OrderConfirmed in that
    transaction. Retrying after a failure is safe: inventory's commit is idempotent."""
    await _check_transition(uow, order_id, lambda order: order.confirm(now=clock()))
    try:
        await stock.commit(order_id)
    except NotFound:
        pass  # no reservation to settle (e.g. an order stored before reservations existed)
    except Conflict as exc:
        if exc.problem.get("reason") == "expired":
            raise ReservationExpired(order_id) from None
        raise OrderStateConflict(order_id, "no longer holding its stock", "confirm") from None
    except ServiceError as exc:
        raise _unexpected(exc, "commit") from None
    return await _transition(uow, order_id, lambda order: order.confirm(now=clock()), _confirmed)


async def cancel_order(
    uow: AbstractUnitOfWork, stock: StockReservations, order_id: UUID, clock: Clock = utc_now
) -> Order:
    """Release the reserved stock, then mark the order cancelled and publish OrderCancelled."""
    await _check_transition(uow, order_id, lambda order: order.cancel(now=clock()))
    try:
        await stock.release(order_id)
    except NotFound:
        pass
    except Conflict:
        # Committed meanwhile (a confirm of this order won the race): it can't be cancelled.
        raise OrderStateConflict(order_id, "confirmed", "cancel") from None
    except ServiceError as exc:
        raise _unexpected(exc, "release") from None
    return await _transition(uow, order_id, lambda order: order.cancel(now=clock()), _cancelled)


async def _check_transition(uow: AbstractUnitOfWork, order_id: UUID, change: Callable[[Order], None]) -> None:
    """Refuse early (404, 409) what `_transition` would refuse, before inventory is touched."""
    async with uow:
        order = await _load(uow, order_id)
    change(order)


async def _transition(
    uow: AbstractUnitOfWork, order_id: UUID, change: Callable[[Order], None], event: Callable[[Order], Event]
) -> Order:
    async with uow:
        order = await _load(uow, order_id)
        change(order)
        await uow.orders.save(order)
        await uow.events.publish(event(order))
        await uow.commit()
    return order


def _confirmed(order: Order) -> Event:
    return OrderConfirmed(
        key=str(order.id), order_id=order.id, customer_id=order.customer_id, occurred_at=order.updated_at
    )


def _cancelled(order: Order) -> Event:
    return OrderCancelled(
        key=str(order.id), order_id=order.id, customer_id=order.customer_id, occurred_at=order.updated_at
    )


def _unexpected(exc: ServiceError, action: str) -> OrdersError:
    """An inventory answer the use case has no rule for: logged in full, answered without internals."""
    logger.warning("inventory %s failed: %s", action, exc, extra={"downstream_status": exc.status})
    if isinstance(exc, RateLimited):
        return InventoryBusy(exc.retry_after)
    if isinstance(exc, Unavailable):
        return InventoryUnavailable()
    return InventoryFailed()


async def _load(uow: AbstractUnitOfWork, order_id: UUID) -> Order:
    order = await uow.orders.get(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order
