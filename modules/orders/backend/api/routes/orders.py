"""/api/v1/orders: create, read, list, confirm and cancel orders."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, status

from orders.backend.api.deps import Stock, UnitOfWork
from orders.backend.api.metrics import ORDERS_CANCELLED, ORDERS_CONFIRMED, ORDERS_CREATED
from orders.backend.schemas import OrderCreate, OrderPublic, OrdersPublic
from orders.backend.service import orders as service
from orders.backend.service.model import OrderLine
from service_kit.idempotency_header import IDEMPOTENCY_RESPONSES, IdempotencyKeyHeader

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"description": "No order has this id."}
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    status.HTTP_409_CONFLICT: {
        "description": "The order's status does not allow this, or (confirm) its stock reservation expired."
    }
}
# OpenAPI links from an answered order to what can be done with it next (operationIds are FastAPI's,
# from function and path), so stateful API fuzzing chains create -> read -> confirm/cancel on real ids.
_NEXT_STEPS = {
    "GetOrder": "get_order_api_v1_orders__order_id__get",
    "ConfirmOrder": "confirm_order_api_v1_orders__order_id__confirm_post",
    "CancelOrder": "cancel_order_api_v1_orders__order_id__cancel_post",
}


def _links(status_code: int, *names: str) -> dict[int | str, dict[str, Any]]:
    links = {
        name: {"operationId": _NEXT_STEPS[name], "parameters": {"order_id": "$response.body#/id"}}
        for name in names
    }
    return {status_code: {"links": links}}


# Inventory's failures, answered without its internals (the log has them, under the request id).
_INVENTORY: dict[int | str, dict[str, Any]] = {
    status.HTTP_502_BAD_GATEWAY: {"description": "Inventory gave an unexpected answer; nothing changed."},
    status.HTTP_503_SERVICE_UNAVAILABLE: {
        "description": "Inventory unreachable or busy (then Retry-After says when); nothing changed."
    },
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        **_links(201, "GetOrder", "ConfirmOrder", "CancelOrder"),
        **IDEMPOTENCY_RESPONSES,
        **_INVENTORY,
        status.HTTP_409_CONFLICT: {
            "description": "Not enough stock (short_skus names them), or the Idempotency-Key is in flight."
        },
    },
)
async def create_order(
    body: OrderCreate, uow: UnitOfWork, stock: Stock, key: IdempotencyKeyHeader
) -> OrderPublic:
    """Place a new order, reserving its stock; it starts as pending."""
    lines = [OrderLine(product_id=item.product_id, quantity=item.quantity) for item in body.items]
    order = await service.place_order(uow, stock, body.customer_id, lines, key=key)
    ORDERS_CREATED.inc()
    return OrderPublic.model_validate(order)


@router.get("/{order_id}", responses={**_links(200, "ConfirmOrder", "CancelOrder"), **_NOT_FOUND})
async def get_order(order_id: UUID, uow: UnitOfWork) -> OrderPublic:
    """Read one order."""
    return OrderPublic.model_validate(await service.get_order(uow, order_id))


@router.get("")
async def list_orders(
    uow: UnitOfWork,
    customer_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OrdersPublic:
    """List orders, newest first, optionally for one customer."""
    page = await service.list_orders(uow, customer_id=customer_id, limit=limit, offset=offset)
    return OrdersPublic(
        items=[OrderPublic.model_validate(order) for order in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "/{order_id}/confirm",
    responses={**_links(200, "GetOrder", "CancelOrder"), **_NOT_FOUND, **_CONFLICT, **_INVENTORY},
)
async def confirm_order(order_id: UUID, uow: UnitOfWork, stock: Stock) -> OrderPublic:
    """Confirm a pending order, committing its reserved stock."""
    order = await service.confirm_order(uow, stock, order_id)
    ORDERS_CONFIRMED.inc()
    return OrderPublic.model_validate(order)


@router.post(
    "/{order_id}/cancel",
    responses={**_links(200, "GetOrder", "ConfirmOrder"), **_NOT_FOUND, **_CONFLICT, **_INVENTORY},
)
async def cancel_order(order_id: UUID, uow: UnitOfWork, stock: Stock) -> OrderPublic:
    """Cancel a pending order, releasing its reserved stock; anything else is a conflict."""
    order = await service.cancel_order(uow, stock, order_id)
    ORDERS_CANCELLED.inc()
    return OrderPublic.model_validate(order)
