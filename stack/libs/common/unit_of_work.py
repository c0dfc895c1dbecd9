"""Unit of work: one transaction around a use case; what is not committed is rolled back.

`AbstractUnitOfWork` is the port a module's service layer depends on (no SQL in sight); a
module's SQLAlchemy implementation subclasses `SqlAlchemyUnitOfWork` and only says which
repositories to bind to the session.
"""

import abc
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.database import SqliteReader


class AbstractUnitOfWork(abc.ABC):
    async def __aenter__(self) -> Self:
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


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], reader: SqliteReader | None = None
    ) -> None:
        """`reader` (SQLite only) is for the repositories' lookups that answer a read use case."""
        self.session_factory = session_factory
        self.reader = reader

    @abc.abstractmethod
    def bind_repositories(self, session: AsyncSession) -> None:
        """Create this module's repositories on `session`."""

    async def __aenter__(self) -> Self:
        self.session = self.session_factory()
        self.bind_repositories(self.session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await super().__aexit__(exc_type, exc, tb)
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
