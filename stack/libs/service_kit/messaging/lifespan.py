"""The event machinery of an app's lifespan: the producer's relay, the consumer's readers and inbox.

    async with publishing(app, "orders", settings):      # app.state.relay
        ...
    async with subscribing(app, subscriptions, settings):  # app.state.inbox_processor
        ...
"""

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI

from service_kit.messaging.consumer import consume_feed, consume_streams, feed_client
from service_kit.messaging.inbox import InboxProcessor, RetryPolicy, Subscriptions
from service_kit.messaging.metrics import EventMetrics
from service_kit.messaging.relay import Relay, purge_sent
from service_kit.messaging.settings import EventSettings
from service_kit.messaging.transport import RedisStreams
from service_kit.periodic import periodic

PURGE_INTERVAL_SECONDS = 3600.0


@asynccontextmanager
async def _tasks(*coroutines: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task


def _metrics(app: FastAPI) -> EventMetrics | None:
    metrics = getattr(app.state, "event_metrics", None)
    return metrics if isinstance(metrics, EventMetrics) else None


@asynccontextmanager
async def publishing(app: FastAPI, producer: str, settings: EventSettings) -> AsyncIterator[Relay]:
    """Run the relay of `producer`'s outbox (needs `app.state.session_factory`); close it on exit."""
    url = settings.broker_url()
    async with AsyncExitStack() as stack:
        streams = RedisStreams(url) if url else None
        if streams is not None:
            stack.push_async_callback(streams.aclose)
        relay = Relay(
            app.state.session_factory,
            streams.send if streams else None,
            idle_seconds=settings.events_poll_seconds,
            metrics=_metrics(app),
        )
        app.state.relay = relay
        session_factory = app.state.session_factory
        retention = settings.events_outbox_retention_seconds
        await stack.enter_async_context(
            periodic("outbox-purge", PURGE_INTERVAL_SECONDS, lambda: purge_sent(session_factory, retention))
        )
        await stack.enter_async_context(_tasks(relay.run()))
        yield relay


def consumer_name() -> str:
    """This process in its consumer group: stable across restarts on one host, so a restarted
    consumer reads what it had not acknowledged."""
    return os.environ.get("HOSTNAME") or socket.gethostname()


@asynccontextmanager
async def subscribing(
    app: FastAPI, subscriptions: Subscriptions, settings: EventSettings
) -> AsyncIterator[InboxProcessor]:
    """Receive `subscriptions`' topics into the inbox and run their handlers; stop on exit."""
    url = settings.broker_url()
    processor = InboxProcessor(
        app.state.session_factory,
        subscriptions,
        retry=RetryPolicy(
            settings.events_max_attempts,
            settings.events_retry_base_seconds,
            settings.events_retry_max_seconds,
        ),
        idle_seconds=settings.events_poll_seconds,
        metrics=_metrics(app),
    )
    app.state.inbox_processor = processor
    async with AsyncExitStack() as stack:
        readers: list[Coroutine[Any, Any, None]] = []
        if url:
            streams = RedisStreams(url)
            stack.push_async_callback(streams.aclose)
            readers.append(
                consume_streams(
                    streams,
                    group=subscriptions.consumer,
                    consumer=consumer_name(),
                    topics=subscriptions.topics,
                    session_factory=app.state.session_factory,
                    on_stored=processor.nudge,
                )
            )
        else:
            for producer in subscriptions.producers:
                client = feed_client(producer, caller=subscriptions.consumer)
                stack.push_async_callback(client.aclose)
                readers.append(
                    consume_feed(
                        client,
                        producer=producer,
                        topics=subscriptions.topics_of(producer),
                        session_factory=app.state.session_factory,
                        on_stored=processor.nudge,
                        poll_seconds=settings.events_poll_seconds,
                    )
                )
        await stack.enter_async_context(_tasks(processor.run(), *readers))
        yield processor
