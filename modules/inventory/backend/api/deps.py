"""FastAPI dependencies shared by the inventory routes."""

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from inventory.backend.repository.unit_of_work import SqlAlchemyUnitOfWork
from inventory.backend.service.ports import AbstractUnitOfWork


# Dependencies are async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request.
async def get_unit_of_work(request: Request) -> AbstractUnitOfWork:
    return SqlAlchemyUnitOfWork(request.app.state.session_factory, request.app.state.reader)


UnitOfWork = Annotated[AbstractUnitOfWork, Depends(get_unit_of_work)]


async def get_reservation_ttl(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.reservation_ttl_seconds)


ReservationTtl = Annotated[timedelta, Depends(get_reservation_ttl)]
