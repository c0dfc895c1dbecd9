"""create_event_service_app: create_service_app for a module that publishes or subscribes.

A module's main.py says what is its own (its routers, lifespan, checks, errors, metrics) and which
event roles it has; the events wiring (broker check, relay or inbox in the lifespan, feed or
dead-letter routes, event metrics) is here, once:

    create_event_service_app(settings, publishes=True, routers=[orders.router], lifespan=...)
    create_event_service_app(settings, subscriptions=subscriptions, routers=[...], lifespan=...)

`lifespan` must open the database (`app.state.session_factory`): the relay and the inbox run inside
it, so they stop before it closes.
"""

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import APIRouter, FastAPI
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service_kit.app import Lifespan, create_service_app
from service_kit.messaging.inbox import Subscriptions
from service_kit.messaging.lifespan import publishing, subscribing
from service_kit.messaging.metrics import EventMetrics
from service_kit.messaging.routes import dead_letter_router, feed_router
from service_kit.messaging.settings import EventSettings, require_broker
from service_kit.readiness import ReadinessCheck
from service_kit.settings import ServiceSettings

# A subscriber's handlers, built on the app's session factory once its database is open.
SubscriptionsFactory = Callable[[async_sessionmaker[AsyncSession]], Subscriptions]


def create_event_service_app(
    settings: ServiceSettings,
    *,
    routers: Sequence[APIRouter],
    lifespan: Lifespan,
    publishes: bool = False,
    subscriptions: SubscriptionsFactory | None = None,
    version: str = "0.1.0",
    readiness_checks: Mapping[str, ReadinessCheck] | None = None,
    domain_errors: Mapping[type[Exception], int] | None = None,
    business_metrics: Sequence[Collector] = (),
) -> FastAPI:
    """The app of create_service_app, plus: `publishes`, the relay of the module's outbox (as
    producer `settings.service_name`) and its feed (GET /api/v1/events); `subscriptions`, the
    inbox's readers and handlers and the dead letters (GET/POST /api/v1/events/dead-letters).
    Either way the event metrics are on /metrics, and a missing or invalid EVENTS_BROKER_URL stops
    the app here (require_broker)."""
    if not isinstance(settings, EventSettings):
        raise TypeError(
            f"{type(settings).__name__} has no event settings: declare it as "
            "`class Settings(EventSettings, ServiceSettings)` (service_kit.messaging.settings)."
        )
    if not publishes and subscriptions is None:
        raise ValueError(
            "create_event_service_app needs publishes=True or subscriptions=...; without events, "
            "use service_kit.app.create_service_app."
        )
    require_broker(settings)
    metrics = EventMetrics()
    producer = settings.service_name

    @asynccontextmanager
    async def events_lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app), AsyncExitStack() as stack:
            app.state.event_metrics = metrics
            if publishes:
                await stack.enter_async_context(publishing(app, producer, settings))
            if subscriptions is not None:
                handlers = subscriptions(app.state.session_factory)
                await stack.enter_async_context(subscribing(app, handlers, settings))
            yield

    event_routers = ([feed_router()] if publishes else []) + ([dead_letter_router()] if subscriptions else [])
    return create_service_app(
        settings,
        routers=[*routers, *event_routers],
        version=version,
        lifespan=events_lifespan,
        readiness_checks=readiness_checks,
        domain_errors=domain_errors,
        business_metrics=(*business_metrics, *metrics.collectors),
    )
