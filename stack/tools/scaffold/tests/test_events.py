"""FEATURES=events and SUBSCRIBES=: a module that publishes and/or subscribes, every input checked
before anything is written, and update-module still rendering modules recorded before events."""

from pathlib import Path

import pytest

import boundaries
import sync
from scaffold.cli import main
from scaffold.create import module_context, new_module, render_module
from scaffold.errors import ScaffoldError
from scaffold.removal import remove_module
from scaffold.tests.scratch_repo import snapshot

ORDERS_EVENTS = """from uuid import UUID

from service_kit.event import Event


class OrderConfirmed(Event):
    order_id: UUID
"""


@pytest.fixture
def publisher(repo: Path) -> Path:
    """The scratch repo's orders publishes OrderConfirmed (manifest and facade)."""
    manifest = repo / "modules/orders/module.toml"
    manifest.write_text(manifest.read_text() + 'publishes = ["OrderConfirmed"]\n')
    (repo / "modules/orders/backend/public/events.py").write_text(ORDERS_EVENTS)
    sync.write(repo)
    return repo


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--features", "events"], "FEATURES=events needs database (the outbox is a table"),
        (
            ["--features", "database", "--subscribes", "orders"],
            "SUBSCRIBES: 'orders' is not <module>.<EventType>",
        ),
        (["--features", "database", "--subscribes", "orders.order_confirmed"], "is not <module>.<EventType>"),
        (["--features", "database", "--subscribes", "ghost.OrderConfirmed"], "SUBSCRIBES: no module 'ghost'"),
        (
            ["--features", "database", "--subscribes", "orders.OrderShipped"],
            "SUBSCRIBES: orders does not publish OrderShipped (modules/orders/module.toml publishes: "
            "OrderConfirmed)",
        ),
        (["--subscribes", "orders.OrderConfirmed"], "SUBSCRIBES needs database (the inbox is a table"),
    ],
)
@pytest.mark.parametrize("command", ["new", "validate"])
def test_bad_event_inputs_exit_2_on_one_line_naming_the_fix_and_write_nothing(
    publisher: Path, argv: list[str], message: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(publisher)
    extra = ["--new"] if command == "validate" else []

    assert main(["--root", str(publisher), command, *extra, *argv, "--", "payments"]) == 2

    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1, error
    assert snapshot(publisher) == before


def test_a_module_with_events_publishes_and_subscribes_and_remove_restores_the_tree(publisher: Path) -> None:
    before = snapshot(publisher)

    new_module(
        publisher, "payments", "http-api", {"database", "events"}, subscribes=("orders.OrderConfirmed",)
    )

    module = publisher / "modules/payments"
    manifest = (module / "module.toml").read_text()
    assert 'publishes = ["ItemCreated"]\nsubscribes = ["orders.OrderConfirmed"]\n' in manifest
    assert "class ItemCreated(Event):" in (module / "backend/public/events.py").read_text()
    service = (module / "backend/service/items.py").read_text()
    # Published in the transaction that stores the item, before its commit.
    assert service.index("uow.events.publish(ItemCreated(") < service.index("await uow.commit()")
    assert "if not await uow.inbox.claim(event):" in service
    versions = sorted(p.name for p in (module / "backend/repository/migrations/versions").glob("v*.py"))
    assert versions == [
        "v0001_create_items.py",
        "v0002_create_event_outbox.py",
        "v0003_create_event_inbox.py",
    ]
    inbox_migration = (
        module / "backend/repository/migrations/versions/v0003_create_event_inbox.py"
    ).read_text()
    assert 'revision, down_revision = "0003", "0002"' in inbox_migration
    subscriptions = (module / "backend/subscriptions.py").read_text()
    assert "from orders.backend.public.events import OrderConfirmed" in subscriptions
    assert "subscribed.on(OrderConfirmed, on_order_confirmed)" in subscriptions
    main_py = (module / "backend/api/main.py").read_text()
    assert "create_event_service_app(" in main_py and "publishes=True," in main_py
    assert "subscriptions=subscriptions," in main_py
    assert "class Settings(EventSettings, ServiceSettings):" in (module / "backend/config.py").read_text()
    registry = (publisher / "pants-plugins/module_registry.py").read_text()
    assert '("payments", (), True, "http-api", "0.1.0", ("orders",), ("ItemCreated",)),' in registry
    assert boundaries.main(["--root", str(publisher)]) == 0

    remove_module(publisher, "payments")

    assert snapshot(publisher) == before


def test_a_publisher_alone_has_no_inbox_and_a_subscriber_alone_no_outbox(publisher: Path) -> None:
    new_module(publisher, "payments", "http-api", {"database", "events"})
    new_module(publisher, "billing", "http-api", {"database"}, subscribes=("orders.OrderConfirmed",))

    payments, billing = publisher / "modules/payments", publisher / "modules/billing"
    assert not (payments / "backend/subscriptions.py").exists()
    assert not (payments / "backend/tests/integration/test_subscriptions.py").exists()
    assert (payments / "backend/tests/integration/test_item_events.py").exists()
    assert not (billing / "backend/public/events.py").exists()
    assert (billing / "backend/repository/migrations/versions/v0002_create_event_inbox.py").exists()
    assert "publishes=True" not in (billing / "backend/api/main.py").read_text()
    assert "publishes" not in (billing / "module.toml").read_text()


def test_a_worker_s_event_tables_come_after_its_jobs(publisher: Path) -> None:
    new_module(publisher, "payments", "worker", {"events"}, subscribes=("orders.OrderConfirmed",))

    versions = publisher / "modules/payments/backend/repository/migrations/versions"
    assert sorted(p.name for p in versions.glob("v*.py")) == [
        "v0001_create_items.py",
        "v0002_create_jobs.py",
        "v0003_create_event_outbox.py",
        "v0004_create_event_inbox.py",
    ]
    main_py = (publisher / "modules/payments/backend/api/main.py").read_text()
    assert "consume(queue, stop" in main_py and "subscriptions=subscriptions," in main_py


def test_without_events_nothing_of_events_is_rendered(repo: Path) -> None:
    new_module(repo, "payments", "http-api", {"database"})

    module = repo / "modules/payments"
    texts = "".join(p.read_text() for p in module.rglob("*.py")) + (module / "module.toml").read_text()
    assert "event" not in texts.lower().replace("prevent", "")
    assert not (module / "backend/subscriptions.py").exists()


def test_a_context_recorded_before_events_still_renders(repo: Path) -> None:
    context = module_context(
        repo,
        "payments",
        module_type="http-api",
        database=True,
        uses=(),
        owners=("@acme/payments",),
        description="Payments.",
        listener_priority=101,
    )
    for key in ("events", "subscribes"):
        del context[key]
    for key in ("publishes", "subscribes"):
        del context["manifest"][key]

    rendered = render_module("http-api", context)

    assert "backend/public/events.py" not in rendered
    assert "publishes" not in rendered["module.toml"]


def test_subscribing_twice_to_one_event_is_one_subscription(publisher: Path) -> None:
    new_module(
        publisher,
        "payments",
        "http-api",
        {"database"},
        subscribes=("orders.OrderConfirmed", "orders.OrderConfirmed"),
    )

    assert (
        'subscribes = ["orders.OrderConfirmed"]' in (publisher / "modules/payments/module.toml").read_text()
    )


def test_new_module_rechecks_the_features_itself(publisher: Path) -> None:
    before = snapshot(publisher)

    with pytest.raises(ScaffoldError, match="FEATURES=events needs database"):
        new_module(publisher, "payments", "http-api", {"events"})

    assert snapshot(publisher) == before
