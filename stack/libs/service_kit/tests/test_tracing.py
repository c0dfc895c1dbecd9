"""Tracing: server spans by route template around the kit's middleware, client spans with W3C
propagation, SQL spans without parameters, trace ids in log lines, and nothing at all when off."""

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk import resources
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler
from opentelemetry.trace import SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util._once import Once
from sqlalchemy import text

from common.database import SqliteReader, create_engine
from service_kit.logs import configure_logging
from service_kit.readiness import database_check
from service_kit.tests.demo_app import DemoClient, demo_app
from service_kit.tracing import ExcludedPaths, TracingSettings, install_tracing, instrument_engine


def _reset_global_tracer_provider() -> None:
    # OpenTelemetry lets a process set its provider once; its own test utilities reset it this way.
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """Tracing on (every new trace sampled, a caller's decision followed), spans collected in memory."""
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")
    _reset_global_tracer_provider()
    exporter = InMemorySpanExporter()
    install_tracing("demo", SimpleSpanProcessor(exporter))
    yield exporter
    _reset_global_tracer_provider()


@pytest.fixture
def tracing_off() -> Iterator[None]:
    _reset_global_tracer_provider()
    yield
    _reset_global_tracer_provider()


def _server_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER]


def test_a_request_gets_a_server_span_named_by_its_route_template(spans: InMemorySpanExporter) -> None:
    TestClient(demo_app()).get("/api/v1/items/a-17")

    (span,) = _server_spans(spans)
    assert span.name == "GET /api/v1/items/{item_id}"
    assert span.attributes is not None and span.attributes["http.route"] == "/api/v1/items/{item_id}"
    assert span.resource.attributes["service.name"] == "demo"


def test_the_server_span_covers_the_kits_auth_and_body_limit(spans: InMemorySpanExporter) -> None:
    client = TestClient(demo_app())

    unauthenticated = client.post("/api/v1/items/a")
    too_large = client.post(
        "/api/v1/items/b", content=b"x" * 2_000_000, headers={"Authorization": "Bearer x"}
    )

    assert (unauthenticated.status_code, too_large.status_code) == (401, 413)
    statuses = [span.attributes["http.status_code"] for span in _server_spans(spans)]  # type: ignore[index]
    assert statuses == [401, 413]


def test_probes_and_metrics_scrapes_are_not_traced(spans: InMemorySpanExporter) -> None:
    client = TestClient(demo_app())

    for path in ("/health", "/ready", "/metrics"):
        assert client.get(path).status_code == 200

    assert _server_spans(spans) == []


@pytest.mark.anyio
async def test_a_readiness_poll_makes_no_trace_not_even_its_database_query(
    spans: InMemorySpanExporter,
) -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    app = demo_app(readiness_checks={"database": database_check(lambda app: engine)})
    instrument_engine(engine, app.state.tracer_provider)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://demo") as client:
        assert (await client.get("/ready")).status_code == 200
        assert (await client.get("/api/v1/items/a")).status_code == 200
    await engine.dispose()

    assert [span.name for span in spans.get_finished_spans()] == ["GET /api/v1/items/{item_id}"]


def test_paths_matching_otel_python_excluded_urls_are_the_untraced_ones(
    spans: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OpenTelemetry's convention: comma-separated regular expressions, replacing the default list.
    monkeypatch.setenv("OTEL_PYTHON_EXCLUDED_URLS", "items/skip, ^/metrics$")
    client = TestClient(demo_app())

    for path in ("/api/v1/items/skip-1", "/metrics", "/api/v1/items/kept", "/health"):
        assert client.get(path).status_code == 200

    assert [span.attributes["http.target"] for span in _server_spans(spans)] == [  # type: ignore[index]
        "/api/v1/items/kept",
        "/health",
    ]


def test_exact_excluded_paths_are_a_set_and_only_the_other_expressions_are_searched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_EXCLUDED_URLS", "^/health$, ^/a.b$, items/skip, ^/metrics$")

    exact, searched = TracingSettings().excluded_paths()

    assert exact == {"/health", "/metrics"}
    # `.` is any character, so ^/a.b$ is searched as written, and finds /a-b too.
    assert searched is not None and searched.search("/a-b") and searched.search("/x/items/skip")
    assert not searched.search("/health/x")
    monkeypatch.delenv("OTEL_PYTHON_EXCLUDED_URLS")
    assert TracingSettings().excluded_paths() == ExcludedPaths(
        frozenset({"/health", "/ready", "/metrics"}), None
    )


def test_an_empty_otel_python_excluded_urls_traces_every_path(
    spans: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_EXCLUDED_URLS", "")

    TestClient(demo_app()).get("/health")

    assert [span.name for span in _server_spans(spans)] == ["GET /health"]


def test_an_excluded_url_that_is_no_regular_expression_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_EXCLUDED_URLS", "^/health$,(unclosed")

    with pytest.raises(ValueError, match=r"OTEL_PYTHON_EXCLUDED_URLS: '\(unclosed' is not a regular"):
        TracingSettings()


def test_request_metrics_keep_working_when_traced(spans: InMemorySpanExporter) -> None:
    client = TestClient(demo_app())
    client.get("/api/v1/items/a")

    metrics = client.get("/metrics").text

    assert 'http_request_duration_seconds_count{method="GET",route="/api/v1/items/{item_id}"} 1.0' in metrics


def test_access_log_lines_carry_the_trace_and_span_of_their_request(
    spans: InMemorySpanExporter, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("demo")

    TestClient(demo_app()).get("/api/v1/items/a", headers={"X-Request-ID": "traced-1"})

    (span,) = _server_spans(spans)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (access,) = (line for line in lines if line["logger"] == "service_kit.access")
    assert access["request_id"] == "traced-1"
    assert access["trace_id"] == trace.format_trace_id(span.context.trace_id)
    assert access["span_id"] == trace.format_span_id(span.context.span_id)


@pytest.mark.anyio
async def test_a_facade_call_is_a_client_span_that_sends_its_context_as_traceparent(
    spans: InMemorySpanExporter,
) -> None:
    sent: list[httpx2.Request] = []

    def callee(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return httpx2.Response(200, json={"request_id": "r"})

    downstream = DemoClient("http://down", caller="up", transport=httpx2.MockTransport(callee))
    upstream_app = demo_app(downstream=downstream)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=upstream_app), base_url="http://up"
    ) as http:
        assert (await http.get("/api/v1/items/a/via-downstream")).status_code == 200
    await downstream.aclose()

    (server,) = _server_spans(spans)
    (client_span,) = (span for span in spans.get_finished_spans() if span.kind == SpanKind.CLIENT)
    assert server.name == "GET /api/v1/items/{item_id}/via-downstream"
    assert client_span.parent is not None and client_span.parent.span_id == server.context.span_id
    # W3C trace context: the callee continues this trace as a child of the client span.
    context = client_span.context
    trace_id, span_id = trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)
    expected = f"00-{trace_id}-{span_id}-{context.trace_flags:02x}"
    assert sent[0].headers["traceparent"] == expected


@pytest.mark.anyio
async def test_a_log_line_written_inside_a_facade_call_carries_that_calls_span(
    spans: InMemorySpanExporter, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("demo")
    answers = iter([httpx2.Response(503), httpx2.Response(200, json={})])
    client = DemoClient("http://down", caller="up", transport=httpx2.MockTransport(lambda _: next(answers)))
    client.backoff_seconds = 0

    with trace.get_tracer("test").start_as_current_span("request"):
        await client._request("GET", "/api/v1/items/a")
    await client.aclose()

    (call,) = (span for span in spans.get_finished_spans() if span.kind == SpanKind.CLIENT)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (retry,) = (line for line in lines if line["logger"] == "service_kit.client")
    assert retry["level"] == "WARNING" and "demo answered 503 for GET /api/v1/items/a" in retry["message"]
    assert retry["span_id"] == trace.format_span_id(call.context.span_id)
    assert call.attributes is not None and call.attributes["http.status_code"] == 200


def test_a_request_continues_the_trace_of_its_callers_traceparent(spans: InMemorySpanExporter) -> None:
    caller_trace, caller_span = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"

    TestClient(demo_app()).get(
        "/api/v1/items/a", headers={"traceparent": f"00-{caller_trace}-{caller_span}-01"}
    )

    (server,) = _server_spans(spans)
    assert trace.format_trace_id(server.context.trace_id) == caller_trace
    assert server.parent is not None and trace.format_span_id(server.parent.span_id) == caller_span


@pytest.mark.anyio
async def test_an_unsampled_request_records_nothing_and_tells_its_callees_not_to_sample(
    spans: InMemorySpanExporter,
) -> None:
    sent: list[httpx2.Request] = []

    def callee(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return httpx2.Response(200, json={"request_id": "r"})

    downstream = DemoClient("http://down", caller="up", transport=httpx2.MockTransport(callee))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=demo_app(downstream=downstream)), base_url="http://up"
    ) as http:
        # The caller decided not to sample (flags 00): parent-based sampling follows it.
        unsampled = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"}
        response = await http.get("/api/v1/items/a/via-downstream", headers=unsampled)
    await downstream.aclose()

    assert response.status_code == 200
    assert spans.get_finished_spans() == ()
    assert sent[0].headers["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert sent[0].headers["traceparent"].endswith("-00")


def test_a_crash_is_a_server_span_with_an_error_status(spans: InMemorySpanExporter) -> None:
    app = demo_app()

    @app.get("/api/v1/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    assert TestClient(app, raise_server_exceptions=False).get("/api/v1/crash").status_code == 500

    (server,) = _server_spans(spans)
    assert server.name == "GET /api/v1/crash" and server.status.status_code == StatusCode.ERROR
    assert server.attributes is not None and server.attributes["http.status_code"] == 500


@pytest.mark.anyio
async def test_a_failed_facade_call_is_a_client_span_with_an_error_status(
    spans: InMemorySpanExporter,
) -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    client = DemoClient("http://down", caller="up", retries=0, transport=httpx2.MockTransport(refuse))
    with pytest.raises(Exception, match="demo unreachable"):
        await client._request("GET", "/api/v1/items/a")
    await client.aclose()

    (span,) = spans.get_finished_spans()
    assert span.kind == SpanKind.CLIENT and span.status.status_code == StatusCode.ERROR


@pytest.mark.anyio
async def test_sql_statements_are_spans_without_their_parameters(spans: InMemorySpanExporter) -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    instrument_engine(engine, install_tracing("demo"))
    with trace.get_tracer("test").start_as_current_span("request") as request:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT :card_number"), {"card_number": "4111-1111-1111-1111"})
    await engine.dispose()

    (span,) = (span for span in spans.get_finished_spans() if "SELECT" in span.name)
    assert span.attributes is not None and span.attributes["db.statement"] == "SELECT ?"
    assert span.parent is not None and span.parent.span_id == request.get_span_context().span_id
    assert "4111" not in json.dumps(dict(span.attributes))


@pytest.mark.anyio
async def test_an_engine_instrumented_twice_makes_one_span_a_statement(spans: InMemorySpanExporter) -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    instrument_engine(engine, install_tracing("demo"))
    instrument_engine(engine, install_tracing("demo"))
    with trace.get_tracer("test").start_as_current_span("request"):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await connection.execute(text("SELECT 2, 3"))
    await engine.dispose()

    statements = [
        str(span.attributes["db.statement"]) for span in spans.get_finished_spans() if span.attributes
    ]
    assert [statement for statement in statements if statement.startswith("SELECT")] == [
        "SELECT 1",
        "SELECT 2, 3",
    ]


@pytest.mark.anyio
async def test_a_failed_statement_is_a_span_with_an_error_status_naming_no_values(
    spans: InMemorySpanExporter,
) -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    instrument_engine(engine, install_tracing("demo"))
    with trace.get_tracer("test").start_as_current_span("request"):
        async with engine.connect() as connection:
            with pytest.raises(Exception, match="no such table"):
                await connection.execute(text("SELECT * FROM cards WHERE number = :n"), {"n": "4111"})
    await engine.dispose()

    (span,) = (span for span in spans.get_finished_spans() if "SELECT" in span.name)
    assert span.status.status_code == StatusCode.ERROR
    assert "4111" not in json.dumps([dict(span.attributes or {}), span.status.description])


@pytest.mark.anyio
async def test_sqlite_reader_selects_are_spans_without_their_parameters(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cards.db'}"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE cards (number TEXT)"))
    await engine.dispose()
    reader = SqliteReader(url)
    instrument_engine(reader.engine, install_tracing("demo"))
    with trace.get_tracer("test").start_as_current_span("request") as request:
        rows = await reader.rows(text("SELECT number FROM cards WHERE number = :n"), {"n": "4111"})
    reader.close()

    assert rows == []
    (span,) = (span for span in spans.get_finished_spans() if "SELECT" in span.name)
    assert span.attributes is not None
    assert span.attributes["db.statement"] == "SELECT number FROM cards WHERE number = ?"
    assert span.parent is not None and span.parent.span_id == request.get_span_context().span_id
    assert "4111" not in json.dumps(dict(span.attributes))


@pytest.mark.anyio
async def test_statements_outside_a_recorded_span_make_no_spans(spans: InMemorySpanExporter) -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    instrument_engine(engine, install_tracing("demo"))
    unsampled = trace.NonRecordingSpan(
        trace.SpanContext(random.getrandbits(128), random.getrandbits(64), is_remote=True)
    )
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # startup, periodic jobs: no request at all
        with trace.use_span(unsampled):
            await connection.execute(text("SELECT 2"))
    await engine.dispose()

    assert spans.get_finished_spans() == ()


def test_without_a_configured_sampler_a_hundredth_of_new_traces_are_kept_and_callers_decide_the_rest(
    tracing_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    ids = random.Random(19)

    provider = install_tracing("demo")

    assert isinstance(provider, TracerProvider)
    sampler = provider.sampler
    kept = sum(
        sampler.should_sample(None, ids.getrandbits(128), "GET /x").decision == Decision.RECORD_AND_SAMPLE
        for _ in range(20_000)
    )
    assert 140 <= kept <= 260  # a hundredth of 20,000, give or take the spread of random ids
    sampled_caller = trace.NonRecordingSpan(
        trace.SpanContext(ids.getrandbits(128), 1, is_remote=True, trace_flags=trace.TraceFlags(1))
    )
    caller_context = trace.set_span_in_context(sampled_caller)
    for _ in range(20):
        result = sampler.should_sample(caller_context, ids.getrandbits(128), "GET /x")
        assert result.decision == Decision.RECORD_AND_SAMPLE
    provider.shutdown()


def test_without_an_endpoint_nothing_is_installed_and_logs_carry_no_trace(
    tracing_off: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    configure_logging("demo")

    app = demo_app()
    TestClient(app).get("/api/v1/items/a")

    assert app.state.tracer_provider is None
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)
    access = [json.loads(line) for line in capsys.readouterr().out.splitlines()][-1]
    assert access["logger"] == "service_kit.access" and "trace_id" not in access


def test_an_untraced_service_never_imports_the_otlp_exporter() -> None:
    # A fresh interpreter: this one has imported everything already. The exporter brings requests
    # and the protobuf classes into every start otherwise.
    program = (
        "import sys; from service_kit.tests.demo_app import demo_app; demo_app(); "
        "print([m for m in sys.modules if m.startswith('opentelemetry.exporter')])"
    )
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    environment["PYTHONPATH"] = os.pathsep.join(sys.path)

    run = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True, check=True
    )

    assert run.stdout.strip() == "[]"


def test_only_the_otel_variables_configure_tracing_not_same_named_plain_ones(
    tracing_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A deployment's own ENDPOINT or SERVICE_NAME means something else; it must not switch tracing on.
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("TRACES_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("SERVICE_NAME", "someone-else")

    assert install_tracing("demo") is None
    assert TracingSettings().service_name == ""


class _CountingPropagator(TraceContextTextMapPropagator):
    def __init__(self) -> None:
        self.extractions = 0

    def extract(self, *args: Any, **kwargs: Any) -> Context:
        self.extractions += 1
        return super().extract(*args, **kwargs)


@pytest.fixture
def counting_propagator() -> Iterator[_CountingPropagator]:
    previous = propagate.get_global_textmap()
    propagator = _CountingPropagator()
    propagate.set_global_textmap(propagator)
    yield propagator
    propagate.set_global_textmap(previous)


def test_a_request_without_trace_headers_skips_the_propagators(
    spans: InMemorySpanExporter, counting_propagator: _CountingPropagator
) -> None:
    client = TestClient(demo_app())

    client.get("/api/v1/items/a")
    assert counting_propagator.extractions == 0
    caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    client.get("/api/v1/items/b", headers={"traceparent": caller})

    assert counting_propagator.extractions == 1
    first, second = _server_spans(spans)
    assert first.parent is None
    assert second.parent is not None and trace.format_span_id(second.parent.span_id) == "b7ad6b7169203331"


@pytest.mark.parametrize("request_id_first", [True, False])
def test_one_walk_of_the_headers_finds_both_the_request_id_and_the_callers_trace(
    spans: InMemorySpanExporter, request_id_first: bool
) -> None:
    caller = ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    ids = [("X-Request-ID", "req-first"), ("X-Request-ID", "req-second")]
    headers = [*ids, caller] if request_id_first else [caller, *ids]

    response = TestClient(demo_app()).get("/api/v1/items/a", headers=headers)

    assert response.headers["X-Request-ID"] == "req-first"  # the first of two, as untraced
    (server,) = _server_spans(spans)
    assert server.parent is not None and trace.format_span_id(server.parent.span_id) == "b7ad6b7169203331"


def test_a_propagator_reading_other_headers_is_always_consulted(
    spans: InMemorySpanExporter, counting_propagator: _CountingPropagator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Jaeger's, say, reads uberctx-* baggage beyond the fields it names: the kit cannot tell which
    # headers matter, so it leaves the decision to the propagator.
    monkeypatch.setattr(_CountingPropagator, "fields", property(lambda self: {"uber-trace-id"}))

    TestClient(demo_app()).get("/api/v1/items/a")

    assert counting_propagator.extractions == 1


def test_the_resource_is_hashed_once_not_per_exported_span(
    tracing_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The OTLP encoder groups spans by resource: Resource.__hash__ is a json.dumps of its attributes.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    provider = install_tracing("demo")
    assert provider is not None
    dumps: list[object] = []

    def counting_dumps(value: object, **kwargs: Any) -> str:
        dumps.append(value)
        return "{}"

    monkeypatch.setattr(resources, "dumps", counting_dumps)

    for _ in range(3):
        hash(provider.resource)

    assert dumps == []
    assert provider.resource.attributes["service.name"] == "demo"
    provider.shutdown()


def test_spans_encode_to_otlp_that_opentelemetry_proto_decodes(
    tracing_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    exporter = InMemorySpanExporter()
    provider = install_tracing("demo", SimpleSpanProcessor(exporter))
    assert provider is not None
    with provider.get_tracer("test").start_as_current_span("GET /x", attributes={"http.status_code": 200}):
        pass

    request = ExportTraceServiceRequest.FromString(
        encode_spans(exporter.get_finished_spans()).SerializeToString()
    )

    (resource_spans,) = request.resource_spans
    names = {kv.key: kv.value.string_value for kv in resource_spans.resource.attributes}
    assert names["service.name"] == "demo"
    (span,) = resource_spans.scope_spans[0].spans
    assert span.name == "GET /x" and span.attributes[0].value.int_value == 200


def _varied_spans() -> tuple[ReadableSpan, ...]:
    """Spans of every shape the kit records, and of shapes only other code would: events, links,
    a trace state, a remote parent, non-string and array attributes, an error with a message."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=resources.Resource.create({"service.name": "demo"}, schema_url="https://example.com/1")
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    kit, other = provider.get_tracer("service_kit"), provider.get_tracer(
        "other", "1.2", "https://example.com/2"
    )
    remote = trace.SpanContext(
        0x0AF7651916CD43DD8448EB211C80319C,
        0xB7AD6B7169203331,
        is_remote=True,
        trace_flags=trace.TraceFlags(1),
        trace_state=trace.TraceState([("vendor", "x1"), ("other", "y")]),
    )
    server = kit.start_span(
        "GET /api/v1/orders/{order_id}",
        context=trace.set_span_in_context(trace.NonRecordingSpan(remote)),
        kind=SpanKind.SERVER,
        attributes={"http.method": "GET", "http.status_code": 200, "http.route": "/api/v1/orders/{order_id}"},
    )
    with trace.use_span(server, end_on_exit=True):
        statement = kit.start_span(
            "SELECT orders.db",
            kind=SpanKind.CLIENT,
            attributes={"db.system": "sqlite", "db.statement": "SELECT id FROM orders WHERE id = ?"},
        )
        statement.set_status(trace.Status(StatusCode.ERROR, "OperationalError"))
        statement.end()
        inner = other.start_span(
            "work",
            links=[trace.Link(remote, {"link.kind": "follows"})],
            attributes={
                "flag": True,
                "off": False,
                "ratio": 0.25,
                "negative": -3,
                "large": 2**62,
                "tags": ["a", "b"],
                "numbers": [1, 2],
                "unicode": "zürich ✓",
            },
        )
        inner.add_event("retry", {"attempt": 2})
        inner.set_status(StatusCode.OK)
        inner.end()
    producer = other.start_span("publish", kind=SpanKind.PRODUCER)
    producer.end()
    return exporter.get_finished_spans()


def test_the_kits_otlp_encoding_decodes_to_what_the_exporters_own_makes() -> None:
    from service_kit.tracing import encode_spans as kit_encode_spans

    spans = _varied_spans()
    # Twice: the second time from the kit's caches of the resource, the scopes and string attributes.
    for _ in range(2):
        ours = ExportTraceServiceRequest.FromString(kit_encode_spans(spans).SerializePartialToString())
        theirs = ExportTraceServiceRequest.FromString(encode_spans(spans).SerializePartialToString())
        assert ours == theirs
    assert len(ours.resource_spans[0].scope_spans) == 2 and ours.resource_spans[0].schema_url


def test_the_otlp_exporter_the_kit_installs_encodes_with_the_kits_encoder(
    tracing_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry.exporter.otlp.proto.http import trace_exporter

    from service_kit import tracing

    monkeypatch.setattr(
        trace_exporter, "encode_spans", vars(trace_exporter)["encode_spans"]
    )  # restored after
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    provider = install_tracing("demo")
    assert provider is not None
    posted: list[bytes] = []

    def post(data: bytes) -> _Exported:
        posted.append(data)
        return _Exported()

    exporter = trace_exporter.OTLPSpanExporter()
    monkeypatch.setattr(exporter._client, "export", post)

    spans = _varied_spans()
    exporter.export(spans)

    assert vars(trace_exporter)["encode_spans"] is tracing.encode_spans
    assert posted == [tracing.encode_spans(spans).SerializePartialToString()]
    provider.shutdown()


class _Exported:
    success, error, status_code = True, None, 200


@pytest.fixture
def default_sampler_at_half(tracing_off: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TracerProvider]:
    """The kit's default sampler, keeping half of the new traces so both decisions are frequent."""
    from service_kit import tracing

    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    monkeypatch.setattr(tracing, "DEFAULT_SAMPLE_RATIO", 0.5)
    provider = install_tracing("demo", SimpleSpanProcessor(InMemorySpanExporter()))
    assert provider is not None
    yield provider
    provider.shutdown()


def test_the_kits_own_decision_on_a_new_trace_is_the_sdk_samplers_on_the_same_trace_id(
    default_sampler_at_half: TracerProvider,
) -> None:
    from service_kit.tracing import kit_tracer

    tracer = kit_tracer()
    assert tracer is not None
    sdk_dropped = default_sampler_at_half.get_tracer("sdk").start_span("GET", context=Context())
    while sdk_dropped.is_recording():  # one the SDK drops, to compare flags with
        sdk_dropped = default_sampler_at_half.get_tracer("sdk").start_span("GET", context=Context())

    spans = [tracer.start_span("GET /x", SpanKind.SERVER, Context()) for _ in range(2_000)]

    for span in spans:
        context = span.get_span_context()
        sdk_decision = default_sampler_at_half.sampler.should_sample(
            None, context.trace_id, "GET /x"
        ).decision
        sdk_sampled = sdk_decision == Decision.RECORD_AND_SAMPLE
        assert span.is_recording() == sdk_sampled == context.trace_flags.sampled
        # Built as a bare tuple; equal to what SpanContext's own constructor makes of its fields.
        assert tuple(context) == tuple(
            trace.SpanContext(
                context.trace_id, context.span_id, False, context.trace_flags, context.trace_state
            )
        )
        if not span.is_recording():
            assert context.trace_flags == sdk_dropped.get_span_context().trace_flags
            assert context.is_valid and not context.is_remote
    kept = sum(span.is_recording() for span in spans)
    assert 850 <= kept <= 1150
    assert len({span.get_span_context().trace_id for span in spans}) == len(spans)


def test_the_kits_own_decision_follows_the_callers_flag_as_the_sdk_does(
    default_sampler_at_half: TracerProvider,
) -> None:
    from service_kit.tracing import kit_tracer

    tracer = kit_tracer()
    assert tracer is not None
    propagator = TraceContextTextMapPropagator()
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    for flags, recorded in (("00", False), ("01", True)):
        caller = propagator.extract(
            {"traceparent": f"00-{trace_id}-b7ad6b7169203331-{flags}", "tracestate": "vendor=a1"}
        )
        ours = tracer.start_span("GET /x", SpanKind.SERVER, caller)
        sdks = default_sampler_at_half.get_tracer("sdk").start_span("GET /x", context=caller)

        for span in (ours, sdks):
            context = span.get_span_context()
            assert span.is_recording() is recorded
            assert trace.format_trace_id(context.trace_id) == trace_id
            assert context.span_id != 0xB7AD6B7169203331 and not context.is_remote
        assert ours.get_span_context().trace_flags == sdks.get_span_context().trace_flags
        assert ours.get_span_context().trace_state == sdks.get_span_context().trace_state


def _varied_kit_spans(monkeypatch: pytest.MonkeyPatch) -> tuple[ReadableSpan, ...]:
    """KitSpans of every shape: the kit's own, and what other code may add to the current span
    (attributes past the count limit, arrays, events, links, an exception, statuses)."""
    from service_kit.tracing import KitTracer

    monkeypatch.setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "5")
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=resources.Resource.create({"service.name": "demo"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = KitTracer(provider)
    remote = trace.SpanContext(
        0x0AF7651916CD43DD8448EB211C80319C,
        0xB7AD6B7169203331,
        is_remote=True,
        trace_flags=trace.TraceFlags(1),
        trace_state=trace.TraceState([("vendor", "x1")]),
    )
    server = tracer.start_span(
        "GET", SpanKind.SERVER, trace.set_span_in_context(trace.NonRecordingSpan(remote))
    )
    with trace.use_span(server):
        shared = {"db.system": "sqlite", "db.statement": "SELECT id FROM orders WHERE id = ?"}
        for failure in (None, "OperationalError"):
            statement = tracer.start_span("SELECT orders.db", SpanKind.CLIENT, attributes=shared)
            if failure:
                statement.set_status(trace.Status(StatusCode.ERROR, failure))
            statement.end()
        server.set_attribute("flag", True)  # someone else's: validated, limited
        server.set_attributes({"tags": ["a", "b"], "ratio": 0.25, "negative": -3, "unicode": "zürich ✓"})
        server.set_attribute("one too many", 1)
        server.set_attribute("two too many", 2)
        server.add_event("retry", {"attempt": 2})
        server.add_link(remote, {"link.kind": "follows"})
        server.record_exception(ValueError("bad input"))
        server.set_status(StatusCode.OK)
        server.set_status(StatusCode.ERROR, "ignored once OK")
        server.update_name("GET /api/v1/orders/{order_id}")
    server.end()
    server.set_attribute("after the end", 1)
    server.update_name("renamed after the end")
    return exporter.get_finished_spans()


def test_kit_spans_encode_as_the_exporter_encodes_them_and_keep_the_sdks_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from service_kit.tracing import encode_spans as kit_encode_spans

    spans = _varied_kit_spans(monkeypatch)

    for _ in range(2):  # the second time from the kit's caches
        ours = ExportTraceServiceRequest.FromString(kit_encode_spans(spans).SerializePartialToString())
        theirs = ExportTraceServiceRequest.FromString(encode_spans(spans).SerializePartialToString())
        assert ours == theirs
    first, failed, server = spans
    assert first.status.status_code == StatusCode.UNSET and failed.status.description == "OperationalError"
    assert server.name == "GET /api/v1/orders/{order_id}" and server.status.status_code == StatusCode.OK
    assert server.attributes is not None and len(server.attributes) == 5
    assert server.dropped_attributes == 2 and "after the end" not in server.attributes
    assert [event.name for event in server.events] == ["retry", "exception"]
    assert server.parent is not None and server.parent.is_remote
    assert server.links[0].context == server.parent
    assert server.context.trace_id == server.parent.trace_id
    assert server.context.trace_state.get("vendor") == "x1"
    assert first.parent is not None and first.parent.span_id == server.context.span_id


def test_the_kits_traceparent_and_tracestate_are_what_the_default_propagators_write() -> None:
    from opentelemetry import baggage

    from service_kit.tracing import _inject

    for flags, state, carried in (
        (0, None, None),
        (1, trace.TraceState([("vendor", "x1"), ("other", "y")]), None),
        (3, None, "tenant"),  # baggage: handed to the propagators themselves
    ):
        span_context = trace.SpanContext(
            random.getrandbits(128), random.getrandbits(64), False, trace.TraceFlags(flags), state
        )
        call_context = trace.set_span_in_context(trace.NonRecordingSpan(span_context))
        if carried:
            call_context = baggage.set_baggage(carried, "acme", call_context)
        ours: dict[str, str] = {}
        theirs: dict[str, str] = {}
        _inject(ours, span_context, call_context)
        propagate.inject(theirs, context=call_context)
        assert ours == theirs and "traceparent" in ours


def test_a_samplers_own_attributes_are_validated_as_the_sdk_validates_them() -> None:
    from opentelemetry.sdk.trace.sampling import SamplingResult

    from service_kit.tracing import KitTracer
    from service_kit.tracing import encode_spans as kit_encode_spans

    class TaggingSampler(Sampler):
        def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
            return SamplingResult(Decision.RECORD_AND_SAMPLE, {"sampler.tags": ["a", "b"]})

        def get_description(self) -> str:
            return "TaggingSampler"

    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=TaggingSampler())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    KitTracer(provider).start_span("GET /x", SpanKind.SERVER, Context()).end()

    (span,) = exporter.get_finished_spans()
    assert dict(span.attributes or {}) == {"sampler.tags": ("a", "b")}  # a list kept as the SDK keeps it
    request = ExportTraceServiceRequest.FromString(kit_encode_spans([span]).SerializePartialToString())
    assert request == ExportTraceServiceRequest.FromString(encode_spans([span]).SerializePartialToString())


def test_the_kits_exporter_posts_with_urllib3_and_reads_the_certificate_variables(
    tracing_off: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from opentelemetry.exporter.http.transport._urllib3 import Urllib3HTTPTransport

    from service_kit.tracing import _span_exporter

    ca, certificate, key = (tmp_path / name for name in ("ca.pem", "client.pem", "client.key"))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", str(ca))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", str(certificate))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_CLIENT_KEY", str(key))

    transport = _span_exporter()._client._transport  # type: ignore[attr-defined]

    assert isinstance(transport, Urllib3HTTPTransport)
    pool = transport._pool.connection_pool_kw
    assert (pool["ca_certs"], pool["cert_file"], pool["key_file"]) == (str(ca), str(certificate), str(key))
    assert pool["cert_reqs"] == "CERT_REQUIRED"


def test_a_credential_provider_leaves_the_exporter_its_own_requests_session(
    tracing_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service_kit.tracing import _span_exporter

    # The exporter's own loading of the provider's session, which finds no such entry point here.
    monkeypatch.setenv("OTEL_PYTHON_EXPORTER_OTLP_HTTP_CREDENTIAL_PROVIDER", "no-such-provider")
    with pytest.raises(RuntimeError, match="no-such-provider"):
        _span_exporter()


def test_the_kit_reads_and_sets_opentelemetrys_own_current_context(spans: InMemorySpanExporter) -> None:
    from opentelemetry import context

    from service_kit import tracing

    assert tracing._CURRENT_CONTEXT is not None  # the default runtime context's variable
    assert tracing.current_span() is None and tracing.current_hex_ids() is None
    kit = tracing.kit_tracer()
    assert kit is not None
    kit_span = kit.start_span("GET", SpanKind.SERVER, Context())
    others = (
        trace.get_tracer("test").start_span("request"),
        kit_span,
        trace.NonRecordingSpan(kit_span.get_span_context()),
    )
    for span in others:
        with trace.use_span(span, end_on_exit=True):
            assert tracing.current_span() is span is trace.get_current_span()
            ids = span.get_span_context()
            assert tracing.current_hex_ids() == (
                trace.format_trace_id(ids.trace_id),
                trace.format_span_id(ids.span_id),
            )
    token = context.attach(trace.set_span_in_context(trace.INVALID_SPAN))
    assert tracing.current_span() is trace.INVALID_SPAN and tracing.current_hex_ids() is None
    context.detach(token)
    # The server span middleware sets the same variable that OpenTelemetry reads.
    app = demo_app()
    seen: list[object] = []

    @app.get("/seen")
    def _seen() -> dict[str, str]:
        seen.append(trace.get_current_span())
        return {}

    with TestClient(app) as client:
        assert client.get("/seen").status_code == 200
    (server,) = (span for span in _server_spans(spans) if span.name == "GET /seen")
    assert [span.get_span_context() for span in seen] == [server.get_span_context()]  # type: ignore[attr-defined]


def test_spans_go_straight_to_one_batch_processor_as_its_on_end_would_send_them() -> None:
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import SamplingResult

    from service_kit.tracing import KitTracer

    class RecordOnlyForSome(Sampler):
        def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
            name = args[2]  # (parent_context, trace_id, name, ...)
            return SamplingResult(
                Decision.RECORD_ONLY if name == "recorded only" else Decision.RECORD_AND_SAMPLE
            )

        def get_description(self) -> str:
            return "RecordOnlyForSome"

    batched = InMemorySpanExporter()
    provider = TracerProvider(sampler=RecordOnlyForSome())
    provider.add_span_processor(BatchSpanProcessor(batched))
    tracer = KitTracer(provider)
    for name in ("first", "recorded only"):
        tracer.start_span(name, SpanKind.SERVER, Context()).end()
    added_later = InMemorySpanExporter()  # the processors change: each span ends into all of them
    provider.add_span_processor(SimpleSpanProcessor(added_later))
    tracer.start_span("second", SpanKind.SERVER, Context()).end()
    provider.force_flush()

    assert [span.name for span in batched.get_finished_spans()] == ["first", "second"]
    assert [span.name for span in added_later.get_finished_spans()] == ["second"]
    provider.shutdown()
