"""make graph: targets fold into module/library edges; a cycle between modules fails, naming it."""

import json
from pathlib import Path

import pytest
from module_graph import find_cycle, fold, main

PEEK = [
    {
        "address": "modules/shipping/backend/api/main.py:../../lib",
        "dependencies": [
            "modules/orders/backend/public/__init__.py:../../public@resolve=shipping",
            "modules/shipping/backend/config.py:../lib",
            "stack/libs/service_kit/app.py@resolve=shipping",
            "3rdparty/python:shipping#fastapi",
        ],
    },
    {
        "address": "modules/orders/backend/service/orders.py:../../lib",
        "dependencies": ["modules/inventory/backend/public/client.py:../../public@resolve=orders"],
    },
]


def test_targets_fold_into_facade_and_library_edges() -> None:
    assert fold(PEEK) == {  # type: ignore[arg-type]
        ("module:shipping", "module:orders"): "facade",
        ("module:shipping", "lib:service_kit"): "uses",
        ("module:orders", "module:inventory"): "facade",
    }


def test_the_graph_is_written_as_mermaid_and_svg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "peek.json").write_text(json.dumps(PEEK))

    assert main([str(tmp_path / "peek.json"), str(tmp_path / "docs")]) == 0

    mermaid = (tmp_path / "docs" / "module-graph.mmd").read_text()
    assert "module_shipping -->|facade| module_orders" in mermaid
    assert (tmp_path / "docs" / "module-graph.svg").read_text().startswith("<svg")


def test_a_cycle_between_modules_fails_and_prints_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cyclic = [
        *PEEK,
        {
            "address": "modules/inventory/backend/service/x.py:../../lib",
            "dependencies": ["modules/shipping/backend/public/client.py:../../public@resolve=inventory"],
        },
    ]
    (tmp_path / "peek.json").write_text(json.dumps(cyclic))

    cycle = find_cycle(fold(cyclic))  # type: ignore[arg-type]
    assert cycle == ["module:inventory", "module:shipping", "module:orders", "module:inventory"]
    assert main([str(tmp_path / "peek.json"), str(tmp_path / "docs")]) == 1
    assert "module dependency cycle: inventory -> shipping -> orders -> inventory" in capsys.readouterr().err
