"""FastAPI dependencies shared by the shipping routes."""

from typing import Annotated

from fastapi import Depends, Request

from shipping.backend.repository.unit_of_work import SqlAlchemyUnitOfWork
from shipping.backend.service.ports import AbstractUnitOfWork, OrdersReader


# Dependencies are async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request.
async def get_unit_of_work(request: Request) -> AbstractUnitOfWork:
    return SqlAlchemyUnitOfWork(request.app.state.session_factory)


async def get_orders(request: Request) -> OrdersReader:
    orders: OrdersReader = request.app.state.orders
    return orders


UnitOfWork = Annotated[AbstractUnitOfWork, Depends(get_unit_of_work)]
Orders = Annotated[OrdersReader, Depends(get_orders)]
