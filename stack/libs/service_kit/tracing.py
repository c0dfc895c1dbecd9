"""Distributed tracing: OpenTelemetry spans for requests, facade calls and SQL, exported over OTLP/HTTP.

Configured only by OpenTelemetry's own variables. With neither `OTEL_EXPORTER_OTLP_ENDPOINT` nor
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set nothing is installed: no provider, no exporter, no
instrumentation, so an untraced service pays nothing. The SDK reads the rest itself
(`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`, `OTEL_TRACES_SAMPLER_ARG`, `OTEL_PROPAGATORS`, ...).

The spans are the kit's own, rather than the contrib instrumentations for ASGI/FastAPI, httpx and
SQLAlchemy: those do their per-request work (route matching a second time, header decoding, URL
parsing per statement, pool counters) whether or not the request is sampled, which cost 15-40 % CPU
per request (docs/benchmarks.md). The provider, samplers, span processors, exporter and limits are the
SDK's; the spans themselves are started by `KitTracer` and recorded by `KitSpan`, encoded by
`encode_spans` and posted over urllib3. Under callgrind that took an orders GET with every trace
kept from +34 % to +9 % instructions over untraced (a POST +6 %); an unsampled GET costs +3 %, a
POST +2 % (docs/benchmarks.md, "Instructions per request"). Every attribute is set only on a span
that records.
"""

import os
import random
import re
import struct
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from time import time_ns
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from opentelemetry import baggage, context, propagate, trace
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.context import Context
from opentelemetry.context.contextvars_context import ContextVarsRuntimeContext
from opentelemetry.propagators.textmap import Getter, TextMapPropagator
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.resources import Attributes as ResourceAttributes
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanLimits, SpanProcessor, TracerProvider, sampling
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, TraceIdRatioBased
from opentelemetry.sdk.util import BoundedList
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    Span,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.trace.span import DEFAULT_TRACE_STATE
from opentelemetry.util.types import Attributes, AttributeValue
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import Scope

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

# Without OTEL_TRACES_SAMPLER: keep one new trace in a hundred and follow the caller's decision for
# the rest, so one trace is whole or absent across services. Not a tenth: under callgrind a recorded
# GET executes ~+9 % instructions, an unsampled one ~+3 % (docs/benchmarks.md, "Instructions per
# request"), so the recorded share adds a tenth of the ~6-point gap at 10 % (+0.6 %, on top of the
# unsampled path's cost, which is already at the 2 % the kit allows tracing at its default) and a
# hundredth at 1 % (+0.06 %). At 100 requests a second 1 % is still a trace a second; a request
# someone wants traced can say so itself (a `traceparent` with its sampled flag set is followed),
# and `make dev` and compose keep every trace.
DEFAULT_SAMPLE_RATIO = 0.01
# Probes and scrapes arrive every few seconds from load balancers, Prometheus and the portal (its
# /ready poll, every 2 s, would be a trace with a root `SELECT 1`); tracing them would bury the
# requests people look for and cost per trace at the backend. OpenTelemetry's contrib
# instrumentations read a comma-separated list of regular expressions from
# OTEL_PYTHON_EXCLUDED_URLS; the kit reads the same variable, searching each request's path.
EXCLUDED_URLS_VARIABLE = "OTEL_PYTHON_EXCLUDED_URLS"
DEFAULT_EXCLUDED_URLS = "^/health$,^/ready$,^/metrics$"
# The instrumentation scope of every span the kit makes.
TRACER_NAME = "service_kit"
# FastAPI starts its own server span, and spans around dependencies, endpoint and serialization,
# as soon as a tracer provider is set; the kit's server span, Prometheus metrics and JSON logs
# already cover what it would add.
FASTAPI_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


class TracingSettings(BaseSettings):
    """OpenTelemetry's standard variables (no module prefix: the SDK and collectors read them too)."""

    # Only the OTEL_* names: by field name too (populate_by_name) a deployment's unrelated
    # SERVICE_NAME, ENDPOINT or SAMPLER variable would switch tracing on or rename the service.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    endpoint: str = Field(default="", validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    traces_endpoint: str = Field(default="", validation_alias="OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    service_name: str = Field(default="", validation_alias="OTEL_SERVICE_NAME")
    sampler: str = Field(default="", validation_alias="OTEL_TRACES_SAMPLER")
    sdk_disabled: bool = Field(default=False, validation_alias="OTEL_SDK_DISABLED")
    # Unset: the probes and /metrics; set to "" to trace every path.
    excluded_urls: str = Field(default=DEFAULT_EXCLUDED_URLS, validation_alias=EXCLUDED_URLS_VARIABLE)

    @property
    def exporting(self) -> bool:
        return bool(self.endpoint or self.traces_endpoint) and not self.sdk_disabled

    @field_validator("excluded_urls")
    @classmethod
    def _valid_patterns(cls, value: str) -> str:
        for pattern in _split_patterns(value):
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(
                    f"{EXCLUDED_URLS_VARIABLE}: {pattern!r} is not a regular expression ({error}); "
                    "give comma-separated regular expressions, e.g. ^/health$,^/ready$"
                ) from None
        return value

    def excluded_paths(self) -> "ExcludedPaths":
        """The paths the excluded-URL expressions find: `^/path$` expressions (the default's) as a
        set of exact paths, a set lookup per request rather than a search (0.03 µs against 0.13);
        any other expressions as one pattern, None if there are none."""
        exact: set[str] = set()
        others: list[str] = []
        for pattern in _split_patterns(self.excluded_urls):
            literal = _EXACT_PATH.fullmatch(pattern)
            if literal is not None:
                exact.add(literal[1])
            else:
                others.append(pattern)
        searched = re.compile("|".join(f"(?:{pattern})" for pattern in others)) if others else None
        return ExcludedPaths(frozenset(exact), searched)


# `^/health$`: one path and nothing else, written without a character a regular expression reads
# specially (`$` also matches before a final newline, which no request path ends with).
_EXACT_PATH = re.compile(r"\^([\w/-]*)\$")


class ExcludedPaths(NamedTuple):
    exact: frozenset[str]
    searched: re.Pattern[str] | None


def _split_patterns(value: str) -> list[str]:
    return [pattern.strip() for pattern in value.split(",") if pattern.strip()]


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
        # Imported here, as the exporter is (_span_exporter: it brings requests and the protobuf
        # classes, ~4 % of importing orders' app), which an untraced service never needs.
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        _encode_with_the_kit()
        span_processor = BatchSpanProcessor(_span_exporter())
    provider = TracerProvider(
        resource=_HashedOnceResource.of(
            Resource.create({SERVICE_NAME: settings.service_name or service_name})
        ),
        # None: the SDK builds the sampler named by OTEL_TRACES_SAMPLER (and its _ARG).
        sampler=None if settings.sampler else default_sampler(),
    )
    provider.add_span_processor(span_processor)
    trace.set_tracer_provider(provider)
    return provider


def _span_exporter() -> "SpanExporter":
    """The OTLP/HTTP span exporter, posting with the exporter package's urllib3 transport rather
    than its default, requests: ~0.96 M instructions an export against ~3.4 M under callgrind
    (requests merges settings, hooks, cookies and proxies per request), which with every trace
    kept was ~50,000 instructions of an orders GET (docs/benchmarks.md). The same certificate
    variables are read. Unlike requests, urllib3 reads no proxy variables: the collector is the
    task's sidecar on localhost (or `make dev`'s receiver). A credential provider
    (OTEL_PYTHON_EXPORTER_OTLP_HTTP_CREDENTIAL_PROVIDER) gives a requests session, so with one set
    the exporter keeps requests."""
    from opentelemetry.exporter.http.transport._urllib3 import Urllib3HTTPTransport
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk import environment_variables as variables

    def first(*names: str) -> str | None:
        return next((os.environ[name] for name in names if os.environ.get(name)), None)

    if first(
        variables._OTEL_PYTHON_EXPORTER_OTLP_HTTP_CREDENTIAL_PROVIDER,
        variables._OTEL_PYTHON_EXPORTER_OTLP_HTTP_TRACES_CREDENTIAL_PROVIDER,
    ):
        return OTLPSpanExporter()
    certificate = first(
        variables.OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE, variables.OTEL_EXPORTER_OTLP_CERTIFICATE
    )
    client_key = first(
        variables.OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY, variables.OTEL_EXPORTER_OTLP_CLIENT_KEY
    )
    client_certificate = first(
        variables.OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE,
        variables.OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
    )
    cert = (client_certificate, client_key) if client_certificate and client_key else client_certificate
    return OTLPSpanExporter(_transport=Urllib3HTTPTransport(verify=certificate or True, cert=cert))


class _HashedOnceResource(Resource):
    """The SDK's Resource, its hash computed once.

    The OTLP exporter groups each batch's spans by resource, hashing it per span, and
    `Resource.__hash__` is a `json.dumps` of every attribute: ~20 % of encoding a span
    (docs/benchmarks.md). A resource's attributes are immutable, so one hash stands.
    """

    def __init__(self, attributes: ResourceAttributes, schema_url: str | None = None) -> None:
        super().__init__(attributes, schema_url)
        self._hash = super().__hash__()

    @classmethod
    def of(cls, resource: Resource) -> "_HashedOnceResource":
        return cls(resource.attributes, resource.schema_url)

    def __hash__(self) -> int:
        return self._hash


def _encode_with_the_kit() -> None:
    """The OTLP/HTTP exporter encodes each batch with `encode_spans` of this module below: the same
    protobuf message (the tests decode both and compare) for a third of the instructions, ~56,000
    a span against ~174,000 under callgrind (docs/benchmarks.md, "Instructions per request"). The
    exporter's own does its work in Python around protobuf's C classes (upb): a message object per
    span, attribute, value and status, each built from keyword arguments, the attributes read
    through a locked mapping proxy; here a span is one join of byte strings, and what repeats (the
    resource, the scope, attributes such as `db.statement` or `http.route`) is encoded once."""
    from opentelemetry.exporter.otlp.proto.http import trace_exporter

    vars(trace_exporter)["encode_spans"] = encode_spans  # what its export() calls, looked up per batch


class KitDefaultSampler(ParentBased):
    """The kit's default: a caller's decision followed, `ratio` of new traces kept by trace id.

    Its own class so that `KitTracer` knows it can take the same decision without the SDK."""

    def __init__(self, ratio: float) -> None:
        self.ratio_sampler = TraceIdRatioBased(ratio)
        super().__init__(self.ratio_sampler)


def default_sampler() -> Sampler:
    return KitDefaultSampler(DEFAULT_SAMPLE_RATIO)


_TRACE_ID_LIMIT = TraceIdRatioBased.TRACE_ID_LIMIT
# A span's flags, _FLAGS[sampled][trace id random]: built once, not per span. A new trace's id is random
# (the kit draws it, as the SDK's RandomIdGenerator does); a caller's says whether its is.
_FLAGS = [
    [
        TraceFlags((TraceFlags.SAMPLED if sampled else 0) | (TraceFlags.RANDOM_TRACE_ID if random_id else 0))
        for random_id in (False, True)
    ]
    for sampled in (False, True)
]
_RANDOM_TRACE_ID = TraceFlags.RANDOM_TRACE_ID
_new_object = object.__new__
# What W3C Trace Context and Baggage extract from a carrier without their headers: a fresh context.
_NO_CALLER = Context()
_UNSET_STATUS_VALUE = Status(StatusCode.UNSET)
# The enum members the kit's spans use, read once: on Python 3.11 any attribute of an Enum class goes
# through EnumType.__getattr__'s hook, ~0.08 µs (~700 instructions) a read (3.12 dropped the hook).
_SERVER, _CLIENT = SpanKind.SERVER, SpanKind.CLIENT
_OK, _ERROR, _UNSET = StatusCode.OK, StatusCode.ERROR, StatusCode.UNSET
_RECORD_AND_SAMPLE, _DROP = Decision.RECORD_AND_SAMPLE, Decision.DROP
_SCOPE = InstrumentationScope(TRACER_NAME)


def _valid_ids(trace_id: int, span_id: int) -> tuple[int, int]:
    """Redrawn where zero, the invalid id (one draw in 2**64)."""
    while not trace_id:
        trace_id = random.getrandbits(128)
    while not span_id:
        span_id = random.getrandbits(64)
    return trace_id, span_id


_LOW_64 = 2**64 - 1
_getrandbits = random.getrandbits  # the SDK's RandomIdGenerator's source of ids, too
_new_context = tuple.__new__


# The context key OpenTelemetry keeps the current span under (its name is private; this is the
# only key of a context made by the public set_span_in_context).
(_SPAN_KEY,) = trace.set_span_in_context(trace.INVALID_SPAN, Context())


def _context_variable() -> "ContextVar[Context] | None":
    """The ContextVar OpenTelemetry keeps the current context in under its default runtime context
    (OTEL_PYTHON_CONTEXT=contextvars_context); None under any other. Its `get`, `set` and `reset`
    are what `context.get_current`, `attach` and `detach` do there, through two Python calls each,
    which the kit's spans make every request (the attribute names are private; the tests check
    both ways agree)."""
    runtime = getattr(context, "_RUNTIME_CONTEXT", None)
    variable = getattr(runtime, "_current_context", None)
    return (
        variable if type(runtime) is ContextVarsRuntimeContext and isinstance(variable, ContextVar) else None
    )


_CURRENT_CONTEXT = _context_variable()
_current_context: Callable[[], Context] = (
    context.get_current if _CURRENT_CONTEXT is None else _CURRENT_CONTEXT.get
)
# Attach and detach for the kit's spans, whose contexts are entered and left in one coroutine.
_attach: Callable[[Context], Any] = context.attach if _CURRENT_CONTEXT is None else _CURRENT_CONTEXT.set
_detach: Callable[[Any], None] = context.detach if _CURRENT_CONTEXT is None else _CURRENT_CONTEXT.reset


def current_span() -> Span | None:
    """The current span, or None: `trace.get_current_span()` without its ABC isinstance check
    (~0.5 µs, three times a request: the log line, each statement's listener). Only
    `set_span_in_context` sets the key, always to a Span."""
    return _current_context().get(_SPAN_KEY)  # type: ignore[return-value]


def current_hex_ids() -> tuple[str, str] | None:
    """The current span's trace and span ids in the hex tracing backends show, if they are valid
    (what a log line carries). For the kit's own spans, their SpanContext read at once rather
    than through a method and four properties; `to_bytes(n).hex()` rather than a format spec,
    0.18 µs for both against 0.54 (and 0.21 with the byte order given)."""
    span = _current_context().get(_SPAN_KEY)
    if span is None:
        return None
    span_context = span._context if type(span) in _KIT_SPAN_TYPES else span.get_span_context()  # type: ignore[attr-defined]
    if not span_context[5]:  # is_valid; by index: a SpanContext is a tuple, but not exactly one, so
        return None  # unpacking it goes through an iterator
    return span_context[0].to_bytes(16).hex(), span_context[1].to_bytes(8).hex()  # big-endian


def _parent_based_bound(sampler: Sampler) -> int | None:
    """For a sampler that follows a caller's flag and decides new traces by trace id alone (the
    kit's default, or OTEL_TRACES_SAMPLER's parentbased_always_on / _off), the bound a new trace
    id's low 64 bits must be under to be kept; None for any other sampler."""
    if isinstance(sampler, KitDefaultSampler):
        return sampler.ratio_sampler.bound
    if sampler is sampling.DEFAULT_ON:
        return _TRACE_ID_LIMIT + 1
    if sampler is sampling.DEFAULT_OFF:
        return 0
    return None


class KitTracer:
    """Starts the kit's spans (server, facade client, SQL): the sampler's decision, then a `KitSpan`
    for a span that records and a `NonRecordingSpan` for one that doesn't.

    Not the SDK's `Tracer.start_span` and `Span`: those cost ~40,000 instructions for a span that
    is dropped (sampler result objects, the SDK's own span metrics, trace flags built per span) and
    ~185,000 for one that records (attributes validated under a lock one by one, a bounded
    mapping, event and link lists, the metrics again): with two spans a GET, +6 % and +32 % of an
    orders GET under callgrind (docs/benchmarks.md, "Instructions per request"). The provider, its
    sampler, span processors, resource and limits are the SDK's, and a `KitSpan` is a
    `ReadableSpan` that the SDK's processors and exporters take as they take their own.

    The decision of `KitDefaultSampler` (and of parentbased_always_on / _off) is taken here
    without calling it: a caller's sampled flag followed, or for a new trace its id's low 64 bits
    against the ratio's bound, as `TraceIdRatioBased` does; any other sampler (OTEL_TRACES_SAMPLER)
    is asked, as the SDK asks it.
    """

    def __init__(self, provider: TracerProvider) -> None:
        self.sampler = provider.sampler
        self.span_processor: SpanProcessor = provider.get_tracer(TRACER_NAME).span_processor  # type: ignore[attr-defined]
        self.resource = provider.resource
        self.limits = SpanLimits()
        self._bound = _parent_based_bound(self.sampler)
        self._processors_seen: object = None
        self._direct: Callable[[ReadableSpan], None] | None = None

    def _batch_emit(self) -> Callable[[ReadableSpan], None] | None:
        """When the provider's span processors are one BatchSpanProcessor (install_tracing's), its
        queue's `emit`, to call for a sampled span's end instead of the processors' `on_end`: the
        same work (its `on_start` does nothing; its `on_end` checks the sampled flag, then emits)
        without six Python calls a span (the multi-processor's loop, the flag read through four
        properties). None otherwise. Read again whenever the provider's processors change."""
        processors = getattr(self.span_processor, "_span_processors", None)
        if processors is not self._processors_seen:
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            self._processors_seen = processors
            only = processors[0] if isinstance(processors, tuple) and len(processors) == 1 else None
            queue = getattr(only, "_batch_processor", None) if type(only) is BatchSpanProcessor else None
            self._direct = getattr(queue, "emit", None)
        return self._direct

    def start_span(
        self,
        name: str,
        kind: SpanKind,
        parent: Context | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> Span:
        caller: SpanContext | None = None
        if parent is None:
            current = _current_context().get(_SPAN_KEY)
            caller = None if current is None else current.get_span_context()  # type: ignore[attr-defined]
        elif parent is not _NO_CALLER:  # (a request from outside: a new trace)
            caller = trace.get_current_span(parent).get_span_context()
        # A SpanContext's fields by index, not by its properties (a Python call each).
        if caller is not None and caller[5]:  # is_valid
            trace_id, span_id, random_id = caller[0], _getrandbits(64), bool(caller[3] & _RANDOM_TRACE_ID)
        else:
            caller, ids, random_id = None, _getrandbits(192), True
            trace_id, span_id = ids >> 64, ids & _LOW_64
        if not span_id or not trace_id:
            trace_id, span_id = _valid_ids(trace_id, span_id)
        bound = self._bound
        if bound is not None:
            if caller is None:
                recording = sampled = trace_id & _TRACE_ID_LIMIT < bound
                trace_state = DEFAULT_TRACE_STATE
            else:
                recording = sampled = bool(caller[3] & TraceFlags.SAMPLED)
                trace_state = caller[4]
        else:
            result = self.sampler.should_sample(parent, trace_id, name, kind, attributes)
            sampled = result.decision is _RECORD_AND_SAMPLE
            recording = result.decision is not _DROP
            trace_state = result.trace_state or DEFAULT_TRACE_STATE
            sampler_attributes = result.attributes
        # SpanContext(trace_id, span_id, False, flags, trace_state) for ids known to be valid: the
        # tuple SpanContext.__new__ builds, without its range checks and defaults (a third of its
        # cost; the tests compare the two).
        context: SpanContext = _new_context(
            SpanContext, (trace_id, span_id, False, _FLAGS[sampled][random_id], trace_state, True)
        )
        if not recording:
            unsampled = _new_object(NonRecordingSpan)  # its __init__, without the call
            unsampled._context = context
            return unsampled
        if bound is None:
            # As the SDK's span: the sampler's attributes (the span's own, given back, for the
            # SDK's samplers) replace the span's, validated, since any sampler may add its own.
            span = KitSpan(name, context, caller, kind, {}, self)
            if sampler_attributes:
                span.set_attributes(sampler_attributes)
        else:
            span = KitSpan(name, context, caller, kind, attributes or {}, self)
        emit = self._batch_emit()
        if emit is None:
            # Typed for the SDK's Span; the SDK's processors read only what ReadableSpan has.
            self.span_processor.on_start(span, parent_context=parent)  # type: ignore[arg-type]
            span._on_end = self.span_processor.on_end
        elif sampled:
            span._on_end = emit
        else:
            span._on_end = _not_exported  # recorded, not sampled: what BatchSpanProcessor drops
        return span


def _not_exported(span: ReadableSpan) -> None:
    pass


class KitSpan(ReadableSpan, Span):
    """A span that records: plain attributes, the time it started and ended, its status, and the
    events and links someone adds; handed to the provider's span processors when it ends.

    The kit sets only attributes it has built itself (strings and ints), into a plain dict. Anyone
    else's `set_attribute` goes through the SDK's `BoundedAttributes`, with its validation and the
    limits of OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT and OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT.
    Not thread-safe, like the request it covers: it is used by one task (or greenlet) at a time.
    """

    # What most spans keep as it starts, read from the class until a span sets its own.
    _events: Sequence[Event] = ()
    _links: Sequence[Link] = ()
    _status = _UNSET_STATUS_VALUE
    _instrumentation_info = None
    _instrumentation_scope = _SCOPE
    _end_time: int | None = None
    _on_end: Callable[[ReadableSpan], None]  # set by the tracer: the span processors' end

    def __init__(
        self,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        kind: SpanKind,
        attributes: dict[str, Any],
        tracer: KitTracer,
    ) -> None:
        # Not ReadableSpan.__init__: the same fields without its Resource default built per span.
        self._name = name
        self._context = context
        self._parent = parent
        self._kind = kind
        self._attributes: dict[str, Any] | BoundedAttributes = attributes
        self._resource = tracer.resource
        self._tracer = tracer
        self._start_time = time_ns()

    def get_span_context(self) -> SpanContext:
        return self._context  # type: ignore[return-value]  # set in __init__, never None

    def is_recording(self) -> bool:
        return self._end_time is None

    def end(self, end_time: int | None = None) -> None:
        if self._end_time is not None:
            return
        self._end_time = time_ns() if end_time is None else end_time
        self._on_end(self)

    def update_name(self, name: str) -> None:
        if self._end_time is None:
            self._name = name

    def set_kit_attributes(self, attributes: dict[str, Any]) -> None:
        """Attributes the kit has built (valid types, short keys), without validating them again."""
        if self._end_time is None:
            if isinstance(self._attributes, dict):
                self._attributes.update(attributes)
            else:
                self.set_attributes(attributes)

    def _bounded_attributes(self) -> BoundedAttributes:
        if isinstance(self._attributes, dict):
            limits = self._tracer.limits
            self._attributes = BoundedAttributes(
                limits.max_span_attributes,
                self._attributes,
                immutable=False,
                max_value_len=limits.max_span_attribute_length,
            )
        return self._attributes

    def set_attributes(self, attributes: Mapping[str, AttributeValue]) -> None:
        if self._end_time is None:
            bounded = self._bounded_attributes()
            for key, value in attributes.items():
                bounded[key] = value

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        if self._end_time is None:
            self._bounded_attributes()[key] = value

    def add_event(self, name: str, attributes: Attributes = None, timestamp: int | None = None) -> None:
        if self._end_time is not None:
            return
        limits = self._tracer.limits
        if not isinstance(self._events, BoundedList):
            self._events = BoundedList(limits.max_events)
        bounded = BoundedAttributes(
            limits.max_event_attributes, attributes, max_value_len=limits.max_attribute_length
        )
        self._events.append(Event(name, bounded, time_ns() if timestamp is None else timestamp))

    def add_link(self, context: SpanContext, attributes: Attributes = None) -> None:
        if self._end_time is not None or not context.is_valid:
            return
        limits = self._tracer.limits
        if not isinstance(self._links, BoundedList):
            self._links = BoundedList(limits.max_links)
        bounded = BoundedAttributes(
            limits.max_link_attributes, attributes, max_value_len=limits.max_attribute_length
        )
        self._links.append(Link(context, bounded))

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        """As the SDK's span: once OK, final; UNSET ignored; a description only with a StatusCode."""
        if self._end_time is not None or self._status.status_code is _OK:
            return
        if isinstance(status, Status):
            if status.status_code is not _UNSET:
                self._status = status
        elif status is not _UNSET:
            self._status = Status(status, description)

    def record_exception(
        self,
        exception: BaseException,
        attributes: Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        """The SDK's `exception` event (type, message, stack trace). The kit records none itself:
        a message can quote a peer or a bound value, so its spans carry the type only."""
        exception_type = type(exception)
        module, qualname = exception_type.__module__, exception_type.__qualname__
        event_attributes: dict[str, AttributeValue] = {
            "exception.type": f"{module}.{qualname}" if module and module != "builtins" else qualname,
            "exception.message": str(exception),
            "exception.stacktrace": "".join(traceback.format_exception(exception)),
            "exception.escaped": str(escaped),
        }
        event_attributes.update(attributes or {})
        self.add_event("exception", event_attributes, timestamp)


# The span types whose SpanContext current_hex_ids reads from `_context` directly.
_KIT_SPAN_TYPES = frozenset({NonRecordingSpan, KitSpan})


def kit_tracer() -> KitTracer | None:
    """The tracer of the kit's spans; None while tracing is off, so callers skip all span work."""
    provider = trace.get_tracer_provider()
    return KitTracer(provider) if isinstance(provider, TracerProvider) else None


def server_spans(app: FastAPI, service_name: str) -> "ServerSpans | None":
    """What the kit's outermost middleware (service_kit.middleware) needs to give every request a
    server span named by its route template; None when tracing is off."""
    provider = install_tracing(service_name)
    app.state.tracer_provider = provider
    if provider is None:
        return None
    return ServerSpans(KitTracer(provider), TracingSettings().excluded_paths())


class _ScopeHeaders(Getter[list[tuple[bytes, bytes]]]):
    """Reads `traceparent`, `tracestate` and `baggage` straight from the ASGI scope's header list."""

    def get(self, carrier: list[tuple[bytes, bytes]], key: str) -> list[str] | None:
        name = key.encode("latin-1")
        values = [value.decode("latin-1") for header, value in carrier if header == name]
        return values or None

    def keys(self, carrier: list[tuple[bytes, bytes]]) -> list[str]:
        return [header.decode("latin-1") for header, _ in carrier]


_SCOPE_HEADERS = _ScopeHeaders()
_W3C_HEADERS = frozenset({"traceparent", "tracestate", "baggage"})


def _w3c_headers(textmap: TextMapPropagator) -> frozenset[bytes] | None:
    """The header names the propagators read, when they are W3C's (OTEL_PROPAGATORS' default),
    which read exactly the fields they name; None for others (Jaeger's also reads uberctx-*)."""
    fields = set(textmap.fields)
    return frozenset(field.encode("latin-1") for field in fields) if fields <= _W3C_HEADERS else None


class ServerSpans:
    """A SERVER span per HTTP request, continuing the caller's W3C trace context: started and ended
    by the kit's outermost middleware, around the whole middleware stack (Starlette's error
    middleware included), so it covers the kit's own work (body limit, access log, auth, rate
    limit) and log lines written there, the 500 handler's too, carry its ids.

    Not a middleware of its own: the access-log middleware already walks the request's headers
    (for X-Request-ID) and notes the response's status, so a traced request has one ASGI layer and
    one walk of its headers fewer (in-process under callgrind, 1-6 k instructions of an unsampled
    GET's ~20-25 k over untraced, by hash seed; the servers' seed-pooled counts moved within their
    spread, docs/benchmarks.md).

    Named `METHOD /route/{template}` once routing has matched (Starlette leaves the route in the
    scope), so it needs no routing of its own; an unmatched request keeps the bare method. A path
    `excluded` finds gets no span and no trace context, so nothing it does (a readiness check's
    query, say) is traced either.
    """

    def __init__(self, tracer: KitTracer, excluded: ExcludedPaths | None = None) -> None:
        self.tracer = tracer
        self.excluded_exact = excluded.exact if excluded is not None else frozenset()
        self.excluded_searched = excluded.searched if excluded is not None else None
        self._textmap: TextMapPropagator | None = None
        self._caller_headers: frozenset[bytes] | None = None

    def caller_headers(self) -> frozenset[bytes] | None:
        """The header names a caller's trace context comes in, when the propagators are W3C's
        (OTEL_PROPAGATORS' default): a request with none of them (every request from outside)
        skips the propagators, 0.3 µs instead of 12 (docs/benchmarks.md). None for others, which
        get every request."""
        textmap = propagate.get_global_textmap()
        if textmap is not self._textmap:  # the propagators are set once; read their headers once
            self._textmap, self._caller_headers = textmap, _w3c_headers(textmap)
        return self._caller_headers

    def start(self, scope: Scope, from_caller: bool) -> tuple[Span, object] | None:
        """The request's span, made current, with the token `end` takes to restore the context;
        None for an excluded path."""
        path = scope["path"]
        if path in self.excluded_exact or (
            self.excluded_searched is not None and self.excluded_searched.search(path)
        ):
            return None
        parent = propagate.extract(scope["headers"], getter=_SCOPE_HEADERS) if from_caller else _NO_CALLER
        span = self.tracer.start_span(scope["method"], _SERVER, parent)
        # A request from outside: the span's context is a new one with the span alone in it, which
        # is what set_span_in_context makes of the empty one, without its copy of it.
        return span, _attach(
            Context({_SPAN_KEY: span}) if parent is _NO_CALLER else trace.set_span_in_context(span, parent)
        )

    @staticmethod
    def end(
        started: tuple[Span, object], scope: Scope, status: int, failure: type[BaseException] | None
    ) -> None:
        """The span given the request's outcome and ended, and its context left. An unsampled
        request's span (a NonRecordingSpan; not isinstance, whose ABC check is ~0.5 µs) measured
        and recorded nothing, and is not ended: its context only went downstream (so callees drop
        the trace too) and into log lines."""
        span, token = started
        if type(span) is KitSpan:
            attributes: dict[str, Any] = {
                "http.method": scope["method"],
                "http.target": scope["path"],
                "http.status_code": status,
            }
            route = getattr(scope.get("route"), "path", None)
            if route is not None:
                attributes["http.route"] = route
                span.update_name(f"{scope['method']} {route}")
            span.set_kit_attributes(attributes)
            if failure is not None or status >= 500:
                span.set_status(Status(_ERROR, None if failure is None else failure.__name__))
            span.end()
        _detach(token)


# The context key of W3C baggage, found as _SPAN_KEY is.
(_BAGGAGE_KEY,) = baggage.set_baggage("key", "value", Context())
# The global propagators, and whether they are OTEL_PROPAGATORS' default, "tracecontext,baggage".
_injecting: tuple[TextMapPropagator | None, bool] = (None, False)


def _is_w3c_default(textmap: TextMapPropagator) -> bool:
    members = getattr(textmap, "_propagators", None)  # a CompositePropagator's; None if it changes
    return isinstance(members, list) and [type(member) for member in members] == [
        TraceContextTextMapPropagator,
        W3CBaggagePropagator,
    ]


def _inject(headers: dict[str, str], span_context: SpanContext, call_context: Context) -> None:
    """`propagate.inject(headers, context=call_context)`; under the default propagators, the
    `traceparent` and `tracestate` they write, written here (0.5 µs against 2.3)."""
    global _injecting
    textmap = propagate.get_global_textmap()
    if textmap is not _injecting[0]:
        _injecting = (textmap, _is_w3c_default(textmap))
    trace_id, span_id, _, flags, trace_state, valid = span_context  # the tuple, not its properties
    if not _injecting[1] or _BAGGAGE_KEY in call_context or not valid:
        propagate.inject(headers, context=call_context)
        return
    headers["traceparent"] = f"00-{trace_id:032x}-{span_id:016x}-{flags:02x}"
    if trace_state:
        headers["tracestate"] = trace_state.to_header()


@contextmanager
def client_span(
    tracer: KitTracer | None, method: str, base_url: object, path: str, headers: dict[str, str]
) -> Iterator[Span]:
    """The CLIENT span of one facade call, current for the whole call (retries and their log lines
    included); its context goes into `headers` as W3C `traceparent`/`tracestate`.

    The caller reports the outcome with `set_status_code`; an exception marks the span failed with
    the exception's type only (its message may quote the callee).
    """
    if tracer is None:
        yield trace.INVALID_SPAN
        return
    # start_span and attach rather than start_as_current_span: the same span and context without
    # its two generator-based context managers (~40 % of an unsampled call's tracing cost).
    span = tracer.start_span(method, _CLIENT)
    # What set_span_in_context makes of it, without its calls: the current context with the span in it.
    call_context = Context({**_current_context(), _SPAN_KEY: span})
    token = _attach(call_context)
    try:
        _inject(headers, span.get_span_context(), call_context)
        if type(span) is KitSpan:
            url = f"{str(base_url).rstrip('/')}{path}"
            span.set_kit_attributes({"http.method": method, "http.url": url})
        yield span
    except Exception as exc:
        span.set_status(Status(_ERROR, type(exc).__name__))
        raise
    finally:
        if type(span) is KitSpan:  # a NonRecordingSpan's end() does nothing
            span.end()
        _detach(token)


def set_status_code(span: Span, status_code: int) -> None:
    if type(span) is KitSpan:
        span.set_kit_attributes({"http.status_code": status_code})


def instrument_engine(engine: AsyncEngine | Engine, provider: TracerProvider | None) -> None:
    """A CLIENT span per SQL statement inside a recording span, with the statement's text (its
    placeholders, never the values bound to them); for the async engine of the unit of work and
    the plain one of a `SqliteReader` alike.

    The engine's dialect executes every statement through its `do_execute`, `do_executemany` or
    `do_execute_no_params` (the `Dialect` interface's methods); the kit wraps those three on the
    dialect instance. Outside a recording span the wrapper calls the dialect's own method at once;
    inside one it calls it within the statement's span. Not SQLAlchemy's connection events: any
    connection event makes every new Connection build a joined event dispatcher that looks up each
    of its events by raising and catching an AttributeError, ~0.24 M instructions a GET sampled or
    not; and not the dialect's `do_execute*` events either: their dispatch (the listener list's
    iteration, then the listener) cost ~10 k instructions a statement, +0.7 % of an unsampled POST
    of five statements (docs/benchmarks.md).
    """
    if provider is None:
        return
    dialect = (engine.sync_engine if isinstance(engine, AsyncEngine) else engine).dialect
    if getattr(dialect, "_kit_traced", False):
        return  # instrumented already: one span per statement, not two
    tracer = KitTracer(provider)
    database = engine.url.database or ""
    engine_attributes = {"db.system": engine.dialect.name, "db.name": database}

    # A statement's span name and attributes, made once per distinct statement (an app runs a few
    # dozen). The attribute dicts are shared by that statement's spans: nothing changes a SQL
    # span's attributes in place (a KitSpan copies them into BoundedAttributes on any set).
    described: dict[str, tuple[str, dict[str, Any]]] = {}

    def statement_span(statement: str) -> Span:
        description = described.get(statement)
        if description is None:
            operation = statement.split(None, 1)[0] if statement.strip() else engine.dialect.name
            name = f"{operation} {database}" if database else operation
            attributes = {**engine_attributes, "db.operation": operation, "db.statement": statement}
            description = _remember(described, statement, (name, attributes))
        name, attributes = description
        return tracer.start_span(name, _CLIENT, attributes=attributes)

    def traced(execute: Callable[..., None]) -> Callable[..., None]:
        """`execute` (one of the dialect's own methods), inside the statement's span when a recording
        span is current."""

        def execute_in_span(cursor: DBAPICursor, statement: str, *rest: Any) -> None:
            current = _current_context().get(_SPAN_KEY)  # current_span(), without the call
            if current is None or type(current) is NonRecordingSpan or not current.is_recording():  # type: ignore[attr-defined]
                return execute(cursor, statement, *rest)  # unsampled, or no request (startup, jobs)
            span = statement_span(statement)
            try:
                execute(cursor, statement, *rest)
            except Exception as failure:
                # The type only: a driver's message can quote the bound values.
                span.set_status(Status(_ERROR, type(failure).__name__))
                raise
            finally:
                span.end()
            return None

        return execute_in_span

    for method in ("do_execute", "do_executemany", "do_execute_no_params"):
        setattr(dialect, method, traced(getattr(dialect, method)))
    dialect._kit_traced = True  # type: ignore[attr-defined]


# OTLP protobuf, encoded by hand: opentelemetry-proto's trace.proto field numbers and wire types
# (tag = field << 3 | wire type: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
_DOUBLE = struct.Struct("<d").pack
_ONE_BYTE = [bytes((n,)) for n in range(128)]
# SpanKind's value (INTERNAL 0 ... CONSUMER 4) to Span.kind (field 6) with its proto enum (1 ... 5).
_KIND_FIELD = [bytes((0x30, value + 1)) for value in range(5)]
# Span.flags (field 16, fixed32): SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK, with _IS_REMOTE_MASK.
_LOCAL_PARENT_FLAGS = b"\x85\x01" + struct.pack("<I", 0x100)
_REMOTE_PARENT_FLAGS = b"\x85\x01" + struct.pack("<I", 0x300)
_UNSET_STATUS = b"\x7a\x00"  # the exporter always sends a status, UNSET without a message too
_UNSET_STATUS_LOCAL_PARENT = _UNSET_STATUS + _LOCAL_PARENT_FLAGS
_UNSET_STATUS_REMOTE_PARENT = _UNSET_STATUS + _REMOTE_PARENT_FLAGS
# Span.trace_id (field 1) and span_id (2), big-endian bytes; parent_span_id (4); the start and end
# times (7 and 8, fixed64): one struct call each rather than a to_bytes per id.
_IDS = struct.Struct(">2sQQ2sQ").pack
_PARENT_ID = struct.Struct(">2sQ").pack
_TIMES = struct.Struct("<BQBQ").pack
_INT64 = (-(2**63), 2**63 - 1)
# String attributes repeat (db.statement, http.route, http.method, db.system): encoded once each,
# up to this many. Not the paths and URLs, which name one order or item each.
_MAX_CACHED_ATTRIBUTES = 4096
_PER_REQUEST_KEYS = frozenset({"http.target", "http.url"})
_Value = TypeVar("_Value")
_encoded_attributes: dict[tuple[str, object], bytes] = {}
_encoded_keys: dict[str, bytes] = {}
_encoded_names: dict[str, bytes] = {}
_encoded_int_attributes: dict[tuple[str, int], bytes] = {}
_encoded_resources: dict[Resource, bytes] = {}
_encoded_scopes: dict[object, bytes] = {}


class _Encoded:
    """What the exporter expects of `encode_spans`: a message it serializes."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def SerializePartialToString(self) -> bytes:  # (protobuf's name)
        return self._data

    SerializeToString = SerializePartialToString


def _varint(value: int) -> bytes:
    if value < 128:
        return _ONE_BYTE[value]
    if value < 16384:  # a span's length, mostly
        return bytes(((value & 0x7F) | 0x80, value >> 7))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _length_delimited(tag: bytes, data: bytes) -> bytes:
    return tag + _varint(len(data)) + data


def encode_spans(spans: Sequence[ReadableSpan]) -> _Encoded:
    """An ExportTraceServiceRequest of `spans`, grouped by resource and scope as the exporter's
    own `encode_spans` groups them."""
    groups: dict[Resource, dict[object, list[bytes]]] = {}
    resource: object = None
    scope: object = None
    encoded_spans: list[bytes] = []
    for span in spans:
        # A batch's spans nearly always share one resource and one scope: looked up only when
        # they change (each lookup hashes them, the scope in Python).
        if span._resource is not resource or (span._instrumentation_scope or None) is not scope:
            resource, scope = span._resource, span._instrumentation_scope or None
            encoded_spans = groups.setdefault(resource, {}).setdefault(scope, [])
        encoded_spans.append(_encode_span(span))
    request = []
    for resource, scopes in groups.items():
        resource_spans = [_encoded_resource(resource)]
        for scope, scope_encoded_spans in scopes.items():
            scope_spans = [_encoded_scope(scope), *scope_encoded_spans]
            if scope is not None and scope.schema_url:  # type: ignore[attr-defined]
                scope_spans.append(_length_delimited(b"\x1a", scope.schema_url.encode()))  # type: ignore[attr-defined]
            resource_spans.append(_length_delimited(b"\x12", b"".join(scope_spans)))
        if resource.schema_url:
            resource_spans.append(_length_delimited(b"\x1a", resource.schema_url.encode()))
        request.append(_length_delimited(b"\x0a", b"".join(resource_spans)))
    return _Encoded(b"".join(request))


def _encoded_resource(resource: Resource) -> bytes:
    """ResourceSpans.resource (field 1); the resource is the provider's one, encoded once."""
    encoded = _encoded_resources.get(resource)
    if encoded is None:
        from opentelemetry.exporter.otlp.proto.common._internal import _encode_resource

        encoded = _length_delimited(b"\x0a", _encode_resource(resource).SerializeToString())
        _encoded_resources[resource] = encoded
    return encoded


def _encoded_scope(scope: Any) -> bytes:
    """ScopeSpans.scope (field 1), once per instrumentation scope."""
    encoded = _encoded_scopes.get(scope)
    if encoded is None:
        from opentelemetry.exporter.otlp.proto.common._internal import _encode_instrumentation_scope

        encoded = _length_delimited(b"\x0a", _encode_instrumentation_scope(scope).SerializeToString())
        _encoded_scopes[scope] = encoded
    return encoded


def _encode_span(span: ReadableSpan) -> bytes:
    """ScopeSpans.spans (field 2): one Span.

    Reads the fields ReadableSpan always has (`_name`, `_parent`, `_attributes`, `_events`, ...)
    rather than its properties, and a SpanContext's tuple rather than its properties: each property
    is a Python call, and `attributes`, `events` and `links` copy into proxies and tuples per span.
    Cached: each name's encoding, each string attribute's (looked up by the `(key, value)` item
    itself), each key's, and the UNSET status's."""
    trace_id, span_id, _, _, trace_state, _ = span._context  # type: ignore[misc]
    parent = span._parent
    if parent is None:
        parts = [_IDS(b"\x0a\x10", trace_id >> 64, trace_id & _LOW_64, b"\x12\x08", span_id)]
    else:
        parent_id, parent_remote = parent[1], parent[2]
        parts = [
            _IDS(b"\x0a\x10", trace_id >> 64, trace_id & _LOW_64, b"\x12\x08", span_id),
            _PARENT_ID(b"\x22\x08", parent_id),
        ]
    if trace_state is not DEFAULT_TRACE_STATE and trace_state:
        encoded_state = ",".join(f"{key}={value}" for key, value in trace_state.items())
        parts.insert(1, _length_delimited(b"\x1a", encoded_state.encode()))
    name = span._name
    parts += (
        _encoded_names.get(name)
        or _remember(_encoded_names, name, _length_delimited(b"\x2a", name.encode())),
        _KIND_FIELD[span._kind._value_],
        _TIMES(0x39, span._start_time, 0x41, span._end_time),
    )
    attributes = span._attributes
    if attributes:
        items: Iterable[tuple[str, Any]]
        # A KitSpan's dict checked first, not isinstance: BoundedAttributes is an ABC.
        if type(attributes) is dict:  # noqa: E721
            items, dropped = attributes.items(), 0
        elif isinstance(attributes, BoundedAttributes):
            items, dropped = attributes._dict.items(), attributes.dropped
        else:
            items, dropped = attributes.items(), 0
        cached = _encoded_attributes
        for item in items:
            encoded = cached.get(item)
            parts.append(_encoded_attribute(*item) if encoded is None else encoded)
        if dropped:
            parts += (b"\x50", _varint(dropped))
    events, links = span._events, span._links
    if events or links:  # the kit records neither; the exporter's encoding, then
        from opentelemetry.exporter.otlp.proto.common._internal.trace_encoder import (
            _encode_events,
            _encode_links,
        )

        for event in _encode_events(span.events) or ():
            parts.append(_length_delimited(b"\x5a", event.SerializeToString()))
        for link in _encode_links(span.links) or ():
            parts.append(_length_delimited(b"\x6a", link.SerializeToString()))
        dropped_events, dropped_links = getattr(events, "dropped", 0), getattr(links, "dropped", 0)
        if dropped_events:
            parts += (b"\x60", _varint(dropped_events))
        if dropped_links:
            parts += (b"\x70", _varint(dropped_links))
    status = span._status
    remote = parent is not None and parent_remote
    if status is _UNSET_STATUS_VALUE:
        parts.append(_UNSET_STATUS_REMOTE_PARENT if remote else _UNSET_STATUS_LOCAL_PARENT)
    else:
        parts += (_encoded_status(status), _REMOTE_PARENT_FLAGS if remote else _LOCAL_PARENT_FLAGS)
    data = b"".join(parts)
    return b"\x12" + _varint(len(data)) + data


def _encoded_status(status: Status) -> bytes:
    """Span.status (field 15): Status.message (2) and Status.code (3)."""
    code, message = status.status_code.value, status.description
    if not code and not message:
        return _UNSET_STATUS
    body = (_length_delimited(b"\x12", message.encode()) if message else b"") + (
        b"\x18" + _varint(code) if code else b""
    )
    return _length_delimited(b"\x7a", body)


def _remember(cache: dict[Any, Any], key: object, value: _Value) -> _Value:
    """`cache[key] = value`, in a cache of at most _MAX_CACHED_ATTRIBUTES entries (emptied when
    full: what repeats is back at once), returning value."""
    if len(cache) >= _MAX_CACHED_ATTRIBUTES:
        cache.clear()
    cache[key] = value
    return value


def _encoded_attribute(key: str, value: object) -> bytes:
    """Span.attributes (field 9): one KeyValue, remembered if its value is a string that repeats,
    or an int (a status code); ints apart, since `("k", True) == ("k", 1)`."""
    if type(value) is int:  # noqa: E721 - exactly int: bool is one too
        encoded = _encoded_int_attributes.get((key, value))
        return encoded or _remember(_encoded_int_attributes, (key, value), _encode_attribute(key, value))
    encoded = _encode_attribute(key, value)
    if isinstance(value, str) and key not in _PER_REQUEST_KEYS:
        _remember(_encoded_attributes, (key, value), encoded)
    return encoded


def _encode_attribute(key: str, value: object) -> bytes:
    """KeyValue: key (1) and an AnyValue (2): string 1, bool 2, int 3, double 4; the rest (arrays,
    bytes, maps, ints beyond int64) by the exporter's encoding."""
    if isinstance(value, str):
        any_value = _length_delimited(b"\x0a", value.encode())
    elif isinstance(value, bool):
        any_value = b"\x10\x01" if value else b"\x10\x00"
    elif isinstance(value, int) and _INT64[0] <= value <= _INT64[1]:
        any_value = b"\x18" + _varint(value & 0xFFFFFFFFFFFFFFFF)
    elif isinstance(value, float):
        any_value = b"\x21" + _DOUBLE(value)
    else:
        from opentelemetry.exporter.otlp.proto.common._internal import _encode_value

        any_value = _encode_value(value).SerializeToString()
    key_field = _encoded_keys.get(key) or _remember(
        _encoded_keys, key, _length_delimited(b"\x0a", key.encode())
    )
    return _length_delimited(b"\x4a", key_field + _length_delimited(b"\x12", any_value))
