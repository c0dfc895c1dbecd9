"""The live portal's recent requests: the latest traces of a span file, on their own time axes."""

import json
from pathlib import Path
from typing import Any

from portal.recent_traces import recent_traces


def span(trace: str, span_id: str, parent: str, start_ms: int, end_ms: int, **fields: Any) -> dict[str, Any]:
    return {
        "trace_id": trace,
        "span_id": span_id,
        "parent_span_id": parent,
        "service": fields.pop("service", "orders"),
        "kind": fields.pop("kind", "server"),
        "name": fields.pop("name", "GET /api/v1/orders"),
        "start_unix_nano": 1_700_000_000_000_000_000 + start_ms * 1_000_000,
        "end_unix_nano": 1_700_000_000_000_000_000 + end_ms * 1_000_000,
        "status": {"code": fields.pop("status", "unset"), "message": ""},
        "attributes": fields,
        "scope": "",
    }


def write(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def test_the_newest_trace_comes_first_with_each_span_placed_under_its_parent(tmp_path: Path) -> None:
    spans = write(
        tmp_path / "traces.jsonl",
        [
            span("old", "o1", "", 0, 5),
            span(
                "new",
                "c",
                "a",
                102,
                108,
                kind="client",
                name="POST",
                status="error",
                **{"http.url": "http://127.0.0.1:8001/api/v1/reservations"},
            ),
            span("new", "a", "", 100, 110, name="POST /api/v1/orders"),
            span("new", "d", "c", 103, 107, service="inventory", name="POST /api/v1/reservations"),
        ],
    )

    traces = recent_traces(spans)

    assert [t["trace_id"] for t in traces] == ["new", "old"]
    newest = traces[0]
    assert (newest["service"], newest["name"], newest["duration_ms"], newest["error"]) == (
        "orders",
        "POST /api/v1/orders",
        10.0,
        True,
    )
    assert newest["started"] == "2023-11-14T22:13:20.100+00:00"
    assert [
        (s["depth"], s["label"], s["offset_ms"], s["duration_ms"], s["error"]) for s in newest["spans"]
    ] == [
        (0, "POST /api/v1/orders", 0.0, 10.0, False),
        (1, "POST http://127.0.0.1:8001/api/v1/reservations", 2.0, 6.0, True),
        (2, "POST /api/v1/reservations", 3.0, 4.0, False),
    ]


def test_only_the_latest_traces_are_kept(tmp_path: Path) -> None:
    spans = write(tmp_path / "traces.jsonl", [span(f"t{i}", f"s{i}", "", i, i + 1) for i in range(15)])

    assert [t["trace_id"] for t in recent_traces(spans, limit=3)] == ["t14", "t13", "t12"]


def test_a_half_written_or_foreign_line_is_skipped(tmp_path: Path) -> None:
    spans = write(
        tmp_path / "traces.jsonl",
        [
            span("t1", "a", "", 0, 1),
            '{"trace_id": "t2", "span_id": "b", "parent_span',
            {"trace_id": "t3", "span_id": "c", "parent_span_id": ""},
            [1, 2, 3],
            {**span("t4", "d", "", 0, 1), "start_unix_nano": "soon"},
        ],
    )

    assert [t["trace_id"] for t in recent_traces(spans)] == ["t1"]


def test_no_span_file_yet_means_no_traces(tmp_path: Path) -> None:
    assert recent_traces(tmp_path / "traces.jsonl") == []


def test_only_the_files_tail_is_read(tmp_path: Path) -> None:
    lines = [span(f"t{i}", f"s{i}", "", i, i + 1) for i in range(100, 200)]
    path = write(tmp_path / "traces.jsonl", lines)
    line_bytes = len(json.dumps(lines[-1])) + 1

    # The tail starts inside a line, which is dropped: three whole lines remain.
    traces = recent_traces(path, tail_bytes=line_bytes * 3 + 5)

    assert [t["trace_id"] for t in traces] == ["t199", "t198", "t197"]


def test_a_root_span_that_is_no_request_is_left_out(tmp_path: Path) -> None:
    """A readiness check's SQL, outside any request span, would crowd out the requests."""
    spans = write(
        tmp_path / "traces.jsonl",
        [
            span("request", "a", "", 0, 5),
            span(
                "probe",
                "b",
                "",
                10,
                11,
                kind="client",
                name="SELECT .data/orders.db",
                **{"db.statement": "SELECT 1"},
            ),
        ],
    )

    assert [t["trace_id"] for t in recent_traces(spans)] == ["request"]
