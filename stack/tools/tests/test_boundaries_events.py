"""The boundary check holds `publishes` and `subscribes` to the code both ways: publishes to the Event
subclasses in backend/public/events.py, subscribes to the event classes a module imports from another
module's backend/public/events; a subscriber needs no `uses`. Each mismatch names file:line, rule, fix."""

from pathlib import Path

import pytest

from boundaries import main

EVENTS = (
    "from service_kit.event import Event\n"
    "\n"
    "\n"
    "class OrderConfirmed(Event):\n"
    "    total_cents: int\n"
    "\n"
    "\n"
    "class OrderCancelled(Event):\n"
    '    event_type = "OrderCancelled"\n'
)
SUBSCRIPTIONS = "from orders.backend.public.events import OrderCancelled, OrderConfirmed\n"


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def manifest(extra: str = "") -> str:
    return (
        'description = "A module."\nowners = ["@acme/team"]\ntype = "http-api"\ndatabase = true\n'
        f'version = "0.1.0"\nuses = []\n{extra}'
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """orders publishes two events; shipping subscribes to both, without using orders' facade."""
    write(tmp_path, "modules/orders/BUILD", 'pantstack_module("orders")\n')
    write(
        tmp_path, "modules/orders/module.toml", manifest('publishes = ["OrderCancelled", "OrderConfirmed"]\n')
    )
    write(tmp_path, "modules/orders/backend/public/__init__.py", '__all__ = ["OrdersClient"]\n')
    write(tmp_path, "modules/orders/backend/public/events.py", EVENTS)
    write(tmp_path, "modules/shipping/BUILD", 'pantstack_module("shipping")\n')
    write(
        tmp_path,
        "modules/shipping/module.toml",
        manifest('subscribes = ["orders.OrderCancelled", "orders.OrderConfirmed"]\n'),
    )
    write(tmp_path, "modules/shipping/backend/subscriptions.py", SUBSCRIPTIONS)
    return tmp_path


def errors_of(repo: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["--root", str(repo)]) == 1
    return capsys.readouterr().err


def test_declared_events_and_subscriptions_that_match_the_code_pass(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "modules/shipping/backend/tests/test_handlers.py", SUBSCRIPTIONS)

    assert main(["--root", str(repo)]) == 0
    assert "every module's events match its publishes and subscribes" in capsys.readouterr().out


def test_an_event_class_missing_from_publishes_is_named_with_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo,
        "modules/orders/backend/public/events.py",
        EVENTS + "\n\nclass OrderPaid(OrderConfirmed):\n    pass\n",
    )

    error = errors_of(repo, capsys)
    assert "modules/orders/backend/public/events.py:12: defines event OrderPaid" in error
    assert "modules/orders/module.toml does not list OrderPaid" in error
    assert 'fix:  add "OrderPaid" to publishes in modules/orders/module.toml, then run `make sync`' in error


def test_a_published_type_without_its_class_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        repo,
        "modules/orders/module.toml",
        manifest('publishes = ["OrderCancelled", "OrderConfirmed", "OrderPaid"]\n'),
    )

    error = errors_of(repo, capsys)
    assert 'modules/orders/module.toml:1: declares publishes "OrderPaid"' in error
    assert "fix:  define `class OrderPaid(Event)` in modules/orders/backend/public/events.py" in error


def test_an_overridden_event_type_is_what_publishes_lists(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo, "modules/orders/backend/public/events.py", EVENTS.replace('"OrderCancelled"', '"OrderVoided"')
    )

    error = errors_of(repo, capsys)
    assert "defines event OrderVoided" in error
    assert 'declares publishes "OrderCancelled"' in error


def test_publishes_without_an_events_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "modules/orders/BUILD", 'pantstack_module("orders")\n')
    write(tmp_path, "modules/orders/module.toml", manifest('publishes = ["OrderConfirmed"]\n'))

    assert 'declares publishes "OrderConfirmed"' in errors_of(tmp_path, capsys)


def test_importing_an_event_not_subscribed_to_names_the_manifest_line_to_add(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "modules/shipping/module.toml", manifest('subscribes = ["orders.OrderConfirmed"]\n'))

    error = errors_of(repo, capsys)
    assert (
        "modules/shipping/backend/subscriptions.py:1: imports "
        "`from orders.backend.public.events import OrderCancelled`" in error
    )
    assert "shipping does not subscribe to orders.OrderCancelled" in error
    assert 'fix:  add "orders.OrderCancelled" to subscribes in modules/shipping/module.toml' in error


def test_a_subscription_nothing_imports_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        repo,
        "modules/shipping/backend/subscriptions.py",
        "from orders.backend.public.events import OrderConfirmed\n",
    )
    # A test's import registers no handler: it does not make the subscription real.
    write(repo, "modules/shipping/backend/tests/test_handlers.py", SUBSCRIPTIONS)

    error = errors_of(repo, capsys)
    assert 'modules/shipping/module.toml:1: declares subscribes "orders.OrderCancelled"' in error
    assert "fix:  register a handler for it in modules/shipping/backend/subscriptions.py" in error


def test_events_are_imported_only_where_handlers_are_registered(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo,
        "modules/shipping/backend/service/shipments.py",
        "from orders.backend.public.events import OrderConfirmed\n",
    )

    error = errors_of(repo, capsys)
    assert "modules/shipping/backend/service/shipments.py:1: imports" in error
    assert "only where it registers their handlers (backend/subscriptions.py or package)" in error


def test_a_subscriptions_package_may_import_events(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "modules/shipping/backend/subscriptions.py").unlink()
    write(repo, "modules/shipping/backend/subscriptions/orders.py", SUBSCRIPTIONS)

    assert main(["--root", str(repo)]) == 0


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("import orders.backend.public.events\n", "imports each event class of orders by name"),
        ("from orders.backend.public import events\n", "imports each event class of orders by name"),
        ("from orders.backend.public.events import Event\n", "`Event` is not an event of orders"),
    ],
)
def test_an_events_import_that_is_not_an_event_class_is_explained(
    repo: Path, code: str, rule: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "modules/shipping/backend/subscriptions.py", SUBSCRIPTIONS + code)

    error = errors_of(repo, capsys)
    assert rule in error
    assert (
        "fix:  import the events you handle: "
        "`from orders.backend.public.events import OrderCancelled, OrderConfirmed`" in error
    )


def test_subscribing_does_not_grant_the_facade(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        repo,
        "modules/shipping/backend/service/shipments.py",
        "from orders.backend.public import OrdersClient\n",
    )

    error = errors_of(repo, capsys)
    assert "shipping does not declare orders" in error
    assert 'add "orders" to uses in modules/shipping/module.toml' in error


def test_an_events_import_does_not_count_as_a_use(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        repo,
        "modules/shipping/module.toml",
        manifest('subscribes = ["orders.OrderCancelled", "orders.OrderConfirmed"]\n').replace(
            "uses = []", 'uses = ["orders"]'
        ),
    )

    assert 'declares uses "orders"' in errors_of(repo, capsys)


def test_a_facade_may_not_import_another_modules_events(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "modules/shipping/backend/public/events.py", SUBSCRIPTIONS)

    assert "a facade may not import another module" in errors_of(repo, capsys)


def test_a_snapshot_of_events_without_publishes_is_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "modules/orders/BUILD", 'pantstack_module("orders")\n')
    write(tmp_path, "modules/orders/module.toml", manifest())
    write(tmp_path, "modules/orders/events.json", "{}\n")

    error = errors_of(tmp_path, capsys)
    assert "modules/orders/events.json:1: is a snapshot of events" in error
    assert "fix:  delete modules/orders/events.json" in error
