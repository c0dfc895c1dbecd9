"""Distributed tracing: OpenTelemetry spans for requests, facade calls and SQL, exported over OTLP/HTTP.

Configured only by OpenTelemetry's own variables. With neither `OTEL_EXPORTER_OTLP_ENDPOINT` nor
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set nothing is installed: no provider, no exporter, no
instrumentation, so an untraced service pays nothing. The SDK reads the rest itself
(`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`, `OTEL_TRACES_SAMPLER_ARG`, ...).
"""

from fastapi import FastAPI
from httpx2 import AsyncClient
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, TraceIdRatioBased
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine

# Without OTEL_TRACES_SAMPLER: keep a tenth of new traces and follow the caller's decision for the
# rest, so one trace is whole or absent across services. docs/benchmarks.md has what each costs.
DEFAULT_SAMPLE_RATIO = 0.1
# Probes and scrapes arrive every few seconds from load balancers and Prometheus; tracing them
# would bury the requests people look for (and cost per trace at the backend).
UNTRACED_ROUTES = "/health$,/ready$,/metrics$"


class TracingSettings(BaseSettings):
    """OpenTelemetry's standard variables (no module prefix: the SDK and collectors read them too)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    endpoint: str = Field(default="", validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    traces_endpoint: str = Field(default="", validation_alias="OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    service_name: str = Field(default="", validation_alias="OTEL_SERVICE_NAME")
    sampler: str = Field(default="", validation_alias="OTEL_TRACES_SAMPLER")
    sdk_disabled: bool = Field(default=False, validation_alias="OTEL_SDK_DISABLED")

    @property
    def exporting(self) -> bool:
        return bool(self.endpoint or self.traces_endpoint) and not self.sdk_disabled


def install_tracing(service_name: str, span_processor: SpanProcessor | None = None) -> TracerProvider | None:
    """The process's tracer provider, created on first use; None when tracing is off.

    One provider per process (OpenTelemetry's global one), so facade clients, created without a
    reference to the app, report into it. Tests pass `span_processor` (an in-memory exporter's).
    """
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    settings = TracingSettings()
    if span_processor is None:
        if not settings.exporting:
            return None
        span_processor = BatchSpanProcessor(OTLPSpanExporter())
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: settings.service_name or service_name}),
        # None: the SDK builds the sampler named by OTEL_TRACES_SAMPLER (and its _ARG).
        sampler=None if settings.sampler else default_sampler(),
    )
    provider.add_span_processor(span_processor)
    trace.set_tracer_provider(provider)
    return provider


def default_sampler() -> Sampler:
    return ParentBased(TraceIdRatioBased(DEFAULT_SAMPLE_RATIO))


def instrument_app(app: FastAPI, service_name: str) -> None:
    """A server span per request, named by route template; call after every middleware is added.

    FastAPI's instrumentation wraps the whole middleware stack, so the span covers the kit's own
    work (body limit, access log, auth, rate limit) and log lines written there carry its ids.
    """
    provider = install_tracing(service_name)
    app.state.tracer_provider = provider
    if provider is None:
        return
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=UNTRACED_ROUTES,
        # One span per ASGI message would triple the spans and say nothing the server span doesn't.
        exclude_spans=["receive", "send"],
    )


def instrument_client(client: AsyncClient) -> None:
    """A client span per facade call; the instrumentation injects W3C traceparent/tracestate."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        HTTPX2ClientInstrumentor.instrument_client(client, tracer_provider=provider)


def instrument_engine(engine: AsyncEngine, provider: TracerProvider | None) -> None:
    """A span per SQL statement with the statement's text; its bound parameters are never recorded.

    SQLAlchemyInstrumentor is a process-wide singleton that attaches to an engine only on its first
    call; EngineTracer is what it attaches, so each app's engine (tests build many) gets its own.
    """
    if provider is None:
        return
    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", tracer_provider=provider)
    # The instrumentation also counts pool connections; /metrics is Prometheus', so that goes nowhere.
    connections = (
        NoOpMeterProvider().get_meter(__name__).create_up_down_counter("db.client.connections.usage")
    )
    EngineTracer(tracer, engine.sync_engine, connections)  # type: ignore[no-untyped-call]  # untyped upstream
