"""The OTLP receiver: protobuf export requests in, one JSON object per span out."""

import gzip
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from otlp_receiver import read_spans, running_receiver


def _export_request() -> ExportTraceServiceRequest:
    span = Span(
        trace_id=bytes.fromhex("0af7651916cd43dd8448eb211c80319c"),
        span_id=bytes.fromhex("b7ad6b7169203331"),
        parent_span_id=bytes.fromhex("00f067aa0ba902b7"),
        name="POST /api/v1/orders",
        kind=Span.SPAN_KIND_SERVER,
        start_time_unix_nano=1_000,
        end_time_unix_nano=5_000,
        status=Status(code=Status.STATUS_CODE_ERROR, message="boom"),
        attributes=[KeyValue(key="http.status_code", value=AnyValue(int_value=503))],
    )
    resource_spans = ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])
    resource_spans.resource.attributes.append(
        KeyValue(key="service.name", value=AnyValue(string_value="orders"))
    )
    return ExportTraceServiceRequest(resource_spans=[resource_spans])


def _post(endpoint: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(endpoint + "/v1/traces", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_each_exported_span_becomes_one_json_line(tmp_path: Path, encoding: str) -> None:
    output = tmp_path / "traces.jsonl"
    body = _export_request().SerializeToString()
    headers = {"Content-Type": "application/x-protobuf", "Content-Encoding": encoding}

    with running_receiver(output) as endpoint:
        assert _post(endpoint, gzip.compress(body) if encoding == "gzip" else body, headers) == 200

    assert read_spans(output) == [
        {
            "service": "orders",
            "trace_id": "0af7651916cd43dd8448eb211c80319c",
            "span_id": "b7ad6b7169203331",
            "parent_span_id": "00f067aa0ba902b7",
            "name": "POST /api/v1/orders",
            "kind": "server",
            "start_unix_nano": 1000,
            "end_unix_nano": 5000,
            "status": {"code": "error", "message": "boom"},
            "attributes": {"http.status_code": 503},
            "scope": "",
        }
    ]


def test_a_body_that_is_not_otlp_is_refused_and_nothing_written(tmp_path: Path) -> None:
    output = tmp_path / "traces.jsonl"

    with running_receiver(output) as endpoint:
        status = _post(endpoint, b"\xff\xff not protobuf", {"Content-Type": "application/x-protobuf"})

    assert status == 400 and read_spans(output) == []
