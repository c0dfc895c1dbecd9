"""The portal's graph draws event edges (producer to subscriber, dashed, labelled with the event
types) beside facade edges, and a module page's neighbourhood includes the modules it exchanges
events with."""

import shutil
from pathlib import Path

import pytest

from manifest import Manifest, load_all
from portal.graph import EVENT_EDGE, FACADE_EDGE, dot_source, neighbourhood, render_svg
from portal.tests.scratch_repo import write_module


@pytest.fixture
def manifests(tmp_path: Path) -> list[Manifest]:
    write_module(tmp_path, "orders", publishes='["OrderCancelled", "OrderConfirmed"]')
    write_module(
        tmp_path,
        "shipping",
        uses=("orders",),
        subscribes='["orders.OrderCancelled", "orders.OrderConfirmed"]',
    )
    write_module(tmp_path, "billing", subscribes='["orders.OrderConfirmed"]')
    write_module(tmp_path, "reports")
    return load_all(tmp_path)


def test_each_subscription_is_a_dashed_edge_from_producer_to_subscriber_labelled_with_the_types(
    manifests: list[Manifest],
) -> None:
    source = dot_source(manifests, link="{name}.html")

    assert f'"shipping" -> "orders" [{FACADE_EDGE},' in source
    assert (
        f'"orders" -> "shipping" [{EVENT_EDGE}, label="OrderCancelled, OrderConfirmed", '
        'tooltip="shipping handles orders\'s OrderCancelled, OrderConfirmed"];' in source
    )
    assert f'"orders" -> "billing" [{EVENT_EDGE}, label="OrderConfirmed",' in source
    assert "style=dashed" in EVENT_EDGE and "style=dashed" not in FACADE_EDGE


def test_a_module_page_shows_the_modules_it_exchanges_events_with(manifests: list[Manifest]) -> None:
    assert [m.name for m in neighbourhood(manifests, "billing")] == ["billing", "orders"]
    assert [m.name for m in neighbourhood(manifests, "orders")] == ["billing", "orders", "shipping"]
    assert [m.name for m in neighbourhood(manifests, "reports")] == ["reports"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_dot_draws_the_event_edge_dashed(manifests: list[Manifest]) -> None:
    svg = render_svg(dot_source(manifests, link="{name}.html"))

    assert svg.count('class="edge"') == 3
    assert 'stroke-dasharray="5,2"' in svg and "OrderCancelled, OrderConfirmed" in svg
