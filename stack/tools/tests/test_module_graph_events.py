"""docs/module-graph.{mmd,svg} draw each subscription as a dashed edge from producer to subscriber,
labelled with its event types, beside the solid facade edges."""

from pathlib import Path

from manifest import Manifest, event_edges, load_all
from module_graph import mermaid, svg


def module(root: Path, name: str, extra: str = "") -> None:
    (root / f"modules/{name}").mkdir(parents=True, exist_ok=True)
    (root / f"modules/{name}/BUILD").write_text(f'pantstack_module("{name}")\n')
    (root / f"modules/{name}/module.toml").write_text(
        f'description = "{name}."\nowners = ["@acme/{name}"]\ntype = "http-api"\n'
        f'database = true\nversion = "0.1.0"\n{extra}'
    )


def scratch(root: Path) -> list[Manifest]:
    module(root, "orders", 'uses = []\npublishes = ["OrderCancelled", "OrderConfirmed"]\n')
    module(
        root,
        "shipping",
        'uses = ["orders"]\nsubscribes = ["orders.OrderCancelled", "orders.OrderConfirmed"]\n',
    )
    module(root, "billing", 'uses = []\nsubscribes = ["orders.OrderConfirmed"]\n')
    return load_all(root)


def test_an_event_edge_per_producer_and_subscriber_with_its_types(tmp_path: Path) -> None:
    assert event_edges(scratch(tmp_path)) == [
        ("orders", "billing", ("OrderConfirmed",)),
        ("orders", "shipping", ("OrderCancelled", "OrderConfirmed")),
    ]


def test_mermaid_draws_event_edges_dashed_and_facade_edges_solid(tmp_path: Path) -> None:
    edges = {line.strip() for line in mermaid(scratch(tmp_path)).splitlines() if "->" in line}

    assert edges == {
        "m_shipping -->|uses| m_orders",
        'm_orders -.->|"OrderCancelled, OrderConfirmed"| m_shipping',
        'm_orders -.->|"OrderConfirmed"| m_billing',
    }


def test_the_svg_draws_event_edges_dashed_and_labelled(tmp_path: Path) -> None:
    picture = svg(scratch(tmp_path))

    assert picture.count("<line ") == 3
    assert picture.count('stroke-dasharray="6 4"') == 2
    assert ">OrderCancelled, OrderConfirmed</text>" in picture and ">OrderConfirmed</text>" in picture
