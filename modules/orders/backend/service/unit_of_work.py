"""The unit-of-work port: one transaction around a use case."""

import abc
from types import TracebackType

from orders.backend.service.repository import AbstractOrderRepository


class AbstractUnitOfWork(abc.ABC):
    orders: AbstractOrderRepository

    async def __aenter__(self) -> "AbstractUnitOfWork":
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Anything not committed explicitly is thrown away.
        await self.rollback()

    @abc.abstractmethod
    async def commit(self) -> None:
        ...

    @abc.abstractmethod
    async def rollback(self) -> None:
        ...
