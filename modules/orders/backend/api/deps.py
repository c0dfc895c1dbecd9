"""FastAPI dependencies shared by the orders routes."""

from typing import Annotated

from fastapi import Depends, Request

from orders.backend.repository.unit_of_work import SqlAlchemyUnitOfWork
from orders.backend.service.stock import StockReservations
from orders.backend.service.unit_of_work import AbstractUnitOfWork


# Dependencies are async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request.
async def get_unit_of_work(request: Request) -> AbstractUnitOfWork:
    state = request.app.state
    return SqlAlchemyUnitOfWork(state.session_factory, state.reader, on_publish=state.relay.nudge)


UnitOfWork = Annotated[AbstractUnitOfWork, Depends(get_unit_of_work)]


async def get_stock(request: Request) -> StockReservations:
    stock: StockReservations = request.app.state.stock
    return stock


Stock = Annotated[StockReservations, Depends(get_stock)]
