"""Unit of work: one transaction around a use case; what is not committed is rolled back.

`AbstractUnitOfWork` is the port a module's service layer depends on (no SQL in sight); a
module's SQLAlchemy implementation subclasses `SqlAlchemyUnitOfWork` and only says which
repositories to bind to the session.

The session is made lazily: the repositories are bound to a `LazySession` that opens the real
`AsyncSession` on first use, so a use case that only reads through the `SqliteReader` (a read
by id) never makes one, and leaving it has nothing to roll back or close.
"""

import abc
from types import TracebackType
from typing import Any, Self, cast

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


class LazySession:
    """Stands in for the unit of work's `AsyncSession` until a repository first touches it."""

    __slots__ = ("_unit_of_work",)

    def __init__(self, unit_of_work: "SqlAlchemyUnitOfWork") -> None:
        self._unit_of_work = unit_of_work

    def __getattr__(self, name: str) -> Any:
        return getattr(self._unit_of_work.open_session(), name)


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], reader: SqliteReader | None = None
    ) -> None:
        """`reader` (SQLite only) is for the repositories' lookups that answer a read use case."""
        self.session_factory = session_factory
        self.reader = reader
        self._session: AsyncSession | None = None

    @abc.abstractmethod
    def bind_repositories(self, session: AsyncSession) -> None:
        """Create this module's repositories on `session`."""

    @property
    def session(self) -> AsyncSession | None:
        """The session this use case opened, or None while no repository has needed one."""
        return self._session

    def open_session(self) -> AsyncSession:
        """The use case's session, made from the factory the first time it is asked for."""
        session = self._session
        if session is None:
            session = self._session = self.session_factory()
        return session

    async def __aenter__(self) -> Self:
        self._session = None
        # The repositories only ever call the session's methods, which LazySession forwards.
        self.bind_repositories(cast(AsyncSession, LazySession(self)))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session = self._session
        if session is None or not session.in_transaction():
            # No repository needed a session, or its transaction was committed: nothing to roll
            # back, and no connection to return (the session releases it at the end of a
            # transaction), so the rollback and close, a greenlet hop each, are skipped.
            self._session = None
            return
        try:
            await super().__aexit__(exc_type, exc, tb)
        finally:
            self._session = None
            await session.close()

    async def commit(self) -> None:
        if self._session is not None:
            await self._session.commit()

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()
