"""Publishing: an event becomes an outbox row in the SAME transaction as the state change.

    async with uow:
        ... the write ...
        await uow.events.publish(OrderConfirmed(key=str(order.id), ...))
        await uow.commit()      # both, or neither

The relay (`service_kit.messaging.relay`) sends committed rows later: a crash after the commit still delivers.
"""

import abc
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.event import Event
from service_kit.messaging.envelope import payload_of
from service_kit.messaging.tables import outbox


class AbstractOutbox(abc.ABC):
    """The port a producer's unit of work exposes as `uow.events`."""

    @abc.abstractmethod
    async def publish(self, event: Event) -> None:
        """Add `event` to the transaction in progress; it is sent only if that transaction commits."""


class SqlAlchemyOutbox(AbstractOutbox):
    """`on_commit` (the relay's wake-up) is called after a transaction that published commits, so
    the relay sends at once instead of at its next poll."""

    def __init__(
        self, session: AsyncSession, producer: str, on_commit: Callable[[], None] | None = None
    ) -> None:
        self.session = session
        self.producer = producer
        self.on_commit = on_commit

    async def publish(self, event: Event) -> None:
        await self.session.execute(
            sa.insert(outbox).values(
                event_id=str(event.event_id),
                topic=type(event).topic(self.producer),
                key=event.key,
                payload=payload_of(event),
                occurred_at=event.occurred_at,
                sent_at=None,
            )
        )
        if self.on_commit is not None and not sa_event.contains(
            self.session.sync_session, "after_commit", self._committed
        ):
            sa_event.listen(self.session.sync_session, "after_commit", self._committed, once=True)

    def _committed(self, _session: object) -> None:
        if self.on_commit is not None:
            self.on_commit()


@dataclass
class FakeOutbox(AbstractOutbox):
    """The double for service-layer unit tests: `published` holds the events in publishing order
    (a module's fake unit of work drops those of a transaction it rolls back)."""

    published: list[Event] = field(default_factory=list)

    async def publish(self, event: Event) -> None:
        self.published.append(event)
