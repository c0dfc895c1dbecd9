"""The live portal's recent requests: the latest traces of `make dev`'s span file
(.data/traces.jsonl), each span placed on its trace's time axis, ready to draw as a waterfall.

Only the file's tail is read (the receiver appends to it for as long as `make dev` runs), and a
line that is not a span as the receiver writes it (a line half-written at that moment) is skipped.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trace_waterfall import Span, in_tree_order, span_label

RECENT_TRACES = 10
TAIL_BYTES = 2 * 1024 * 1024
_TEXT_FIELDS = ("trace_id", "span_id", "parent_span_id", "service", "name", "kind")


def recent_traces(
    path: Path, limit: int = RECENT_TRACES, tail_bytes: int = TAIL_BYTES
) -> list[dict[str, Any]]:
    """The `limit` requests (traces whose root is a server span) that started last, newest first,
    from the last `tail_bytes` of `path` (none before the first span is written)."""
    spans = [span for span in _tail(path, tail_bytes) if _is_span(span)]
    # A request's trace starts with a server span; a root SQL span is a readiness check's `SELECT 1`
    # (/ready itself is not traced), which the portal's own polling makes every few seconds.
    roots = sorted(
        (s for s in spans if s["parent_span_id"] == "" and s["kind"] == "server"),
        key=lambda s: s["start_unix_nano"],
        reverse=True,
    )
    traces, seen = [], set()
    for root in roots:
        if root["trace_id"] in seen:
            continue
        seen.add(root["trace_id"])
        traces.append(_trace(root, [s for s in spans if s["trace_id"] == root["trace_id"]]))
        if len(traces) == limit:
            break
    return traces


def _trace(root: Span, trace: list[Span]) -> dict[str, Any]:
    start = min(s["start_unix_nano"] for s in trace)
    total = max(s["end_unix_nano"] for s in trace) - start
    return {
        "trace_id": root["trace_id"],
        "service": root["service"],
        "name": root["name"],
        "started": datetime.fromtimestamp(start / 1e9, UTC).isoformat(timespec="milliseconds"),
        "duration_ms": round(total / 1e6, 2),
        "error": any(s["status"]["code"] == "error" for s in trace),
        "spans": [
            {
                "service": span["service"],
                "kind": span["kind"],
                "label": span_label(span),
                "depth": depth,
                "offset_ms": round((span["start_unix_nano"] - start) / 1e6, 2),
                "duration_ms": round((span["end_unix_nano"] - span["start_unix_nano"]) / 1e6, 2),
                "error": span["status"]["code"] == "error",
            }
            for span, depth in in_tree_order(trace)
        ],
    }


def _tail(path: Path, tail_bytes: int) -> list[Any]:
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            file.seek(max(0, size - tail_bytes))
            lines = file.read().splitlines()
    except FileNotFoundError:
        return []
    if size > tail_bytes:
        lines = lines[1:]  # begins mid-line
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except (ValueError, UnicodeDecodeError):
            continue
    return parsed


def _is_span(span: Any) -> bool:
    if not isinstance(span, dict) or not all(isinstance(span.get(f), str) for f in _TEXT_FIELDS):
        return False
    start, end, status = span.get("start_unix_nano"), span.get("end_unix_nano"), span.get("status")
    return (
        isinstance(start, int)
        and isinstance(end, int)
        and 0 < start <= end
        and isinstance(status, dict)
        and isinstance(status.get("code"), str)
        and isinstance(span.get("attributes"), dict)
    )
