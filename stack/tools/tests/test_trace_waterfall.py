"""The trace waterfall: spans indented under their parents, on one time axis, from a span file."""

import json
from pathlib import Path
from typing import Any

import pytest

from trace_waterfall import main


def span(
    span_id: str, parent: str, service: str, kind: str, name: str, start_ms: int, end_ms: int, **extra: Any
) -> dict[str, Any]:
    return {
        "trace_id": "t1",
        "span_id": span_id,
        "parent_span_id": parent,
        "service": service,
        "kind": kind,
        "name": name,
        "start_unix_nano": start_ms * 1_000_000,
        "end_unix_nano": end_ms * 1_000_000,
        "status": {"code": extra.pop("status", "unset"), "message": ""},
        "attributes": extra,
        "scope": "",
    }


@pytest.fixture
def span_file(tmp_path: Path) -> Path:
    spans = [
        span(
            "c",
            "a",
            "orders",
            "client",
            "POST",
            2,
            8,
            status="error",
            **{"http.url": "http://inv/api/v1/reservations"},
        ),
        span("a", "", "orders", "server", "POST /api/v1/orders", 0, 10),
        span("d", "c", "inventory", "server", "POST /api/v1/reservations", 3, 7),
        span(
            "b",
            "a",
            "orders",
            "client",
            "INSERT",
            1,
            2,
            **{"db.statement": "INSERT INTO orders (id) VALUES (?)"},
        ),
        {**span("x", "", "inventory", "server", "PUT /api/v1/products/{sku}", 0, 1), "trace_id": "t0"},
    ]
    path = tmp_path / "traces.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in spans))
    return path


def test_the_last_placed_order_is_drawn_parent_first_with_children_indented(
    span_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(span_file)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "trace t1: 4 spans, 10.0 ms"
    labels = [line.split("|")[2][1:] for line in lines[2:]]
    assert labels == [
        "orders server: POST /api/v1/orders",
        "  orders client: INSERT INTO orders (id) VALUES (?)",
        "  orders client: POST http://inv/api/v1/reservations  ERROR",
        "    inventory server: POST /api/v1/reservations",
    ]
    # The root spans the whole axis; inventory's span starts 3 of 10 ms in, i.e. 12 of 40 columns.
    assert lines[2].split("|")[1] == "█" * 40
    assert lines[5].split("|")[1] == " " * 12 + "█" * 16 + " " * 12


def test_the_trace_in_the_architecture_doc_is_what_the_script_renders_from_its_span_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    traces = Path(__file__).resolve().parents[3] / "docs" / "traces"

    assert main([str(traces / "placed-order.jsonl")]) == 0
    assert capsys.readouterr().out == (traces / "placed-order.txt").read_text()


def test_a_file_without_a_placed_order_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "traces.jsonl"
    empty.write_text("")

    assert main([str(empty)]) == 1
    assert "place an order while `make dev` runs" in capsys.readouterr().err
