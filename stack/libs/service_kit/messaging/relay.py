"""The relay: moves committed outbox rows to the transport and marks them sent, in the producer's lifespan.

A crash between the commit and the send leaves the rows unsent: the next relay (after a restart)
sends them. A crash between the send and the marking sends them again; consumers dedupe by event id.
With no broker (the embedded feed) "sending" is stamping `relay_position`, the order the feed serves.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service_kit.messaging.envelope import Envelope
from service_kit.messaging.metrics import EventMetrics
from service_kit.messaging.tables import outbox
from service_kit.periodic import wait_for_nudge

logger = logging.getLogger(__name__)

Send = Callable[[Sequence[Envelope]], Awaitable[None]]
BATCH_SIZE = 200


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Relay:
    """`send` None: the embedded feed. `nudge()` (the outbox calls it after a publishing commit)
    wakes the relay at once; otherwise it polls every `idle_seconds` (rows another replica wrote)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        send: Send | None,
        *,
        idle_seconds: float = 1.0,
        retry_seconds: float = 1.0,
        metrics: EventMetrics | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.send = send
        self.idle_seconds = idle_seconds
        self.retry_seconds = retry_seconds
        self.metrics = metrics
        self._wake = asyncio.Event()

    def nudge(self) -> None:
        self._wake.set()

    async def relay_once(self) -> int:
        """Send one batch of unsent rows, oldest first; how many were sent."""
        async with self.session_factory() as session:
            query = (
                sa.select(outbox)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.position)
                .limit(BATCH_SIZE)
            )
            if session.get_bind().dialect.name == "postgresql":
                # Replicas' relays share the work instead of sending the same rows.
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if not rows:
                return 0
            now = _utc_now()
            if self.send is None:
                await self._stamp_positions(session, [row.position for row in rows], now)
            else:
                await self.send([_envelope(row, row.position) for row in rows])
                await session.execute(
                    sa.update(outbox)
                    .where(outbox.c.position.in_([row.position for row in rows]))
                    .values(sent_at=now)
                )
            await session.commit()
        if self.metrics is not None:
            self.metrics.relayed.inc(len(rows))
        return len(rows)

    async def _stamp_positions(self, session: AsyncSession, positions: list[int], now: datetime) -> None:
        last = (await session.execute(sa.select(sa.func.max(outbox.c.relay_position)))).scalar()
        for offset, position in enumerate(positions, start=1):
            await session.execute(
                sa.update(outbox)
                .where(outbox.c.position == position)
                .values(sent_at=now, relay_position=(last or 0) + offset)
            )

    async def run(self) -> None:
        """Relay until cancelled: drain, then wait for a nudge or `idle_seconds`; failures are retried."""
        while True:
            try:
                while await self.relay_once():
                    pass
            except IntegrityError:
                continue  # another replica's relay stamped the same feed positions first: read again
            except Exception:
                logger.exception("event relay failed; retrying in %gs", self.retry_seconds)
                await asyncio.sleep(self.retry_seconds)
                continue
            await wait_for_nudge(self._wake, self.idle_seconds)


def _envelope(row: sa.Row[object], position: int) -> Envelope:
    return Envelope(
        event_id=UUID(row.event_id),
        topic=row.topic,
        key=row.key,
        position=position,
        payload=json.loads(row.payload),
    )


async def read_feed(
    session_factory: async_sessionmaker[AsyncSession], *, after: int, topics: Sequence[str], limit: int
) -> list[Envelope]:
    """The embedded feed: relayed rows of `topics` past `after`, in relay order."""
    async with session_factory() as session:
        rows = (
            await session.execute(
                sa.select(outbox)
                .where(outbox.c.relay_position > after, outbox.c.topic.in_(list(topics)))
                .order_by(outbox.c.relay_position)
                .limit(limit)
            )
        ).all()
    return [_envelope(row, row.relay_position) for row in rows]


async def purge_sent(session_factory: async_sessionmaker[AsyncSession], retention_seconds: float) -> int:
    """Delete rows sent longer ago than `retention_seconds` (the feed serves them until then)."""
    async with session_factory() as session:
        result = await session.execute(
            sa.delete(outbox).where(outbox.c.sent_at < _utc_now() - timedelta(seconds=retention_seconds))
        )
        await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
