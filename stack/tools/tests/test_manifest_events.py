"""module.toml's optional `publishes` and `subscribes`: the events a module publishes and the other
modules' events it consumes, refused with the file, the problem and the fix when malformed, when a
subscription names no module or an event its producer doesn't publish, or the module itself."""

from pathlib import Path

import pytest

import sync
from manifest import ManifestError, load, load_all


def module(root: Path, name: str, extra: str = "") -> None:
    (root / f"modules/{name}").mkdir(parents=True, exist_ok=True)
    (root / f"modules/{name}/BUILD").write_text(f'pantstack_module("{name}")\n')
    (root / f"modules/{name}/module.toml").write_text(
        f'description = "{name}."\nowners = ["@acme/{name}"]\ntype = "http-api"\n'
        f'database = true\nversion = "0.1.0"\nuses = []\n{extra}'
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    module(tmp_path, "orders", 'publishes = ["OrderCancelled", "OrderConfirmed"]\n')
    module(tmp_path, "shipping", 'subscribes = ["orders.OrderCancelled", "orders.OrderConfirmed"]\n')
    return tmp_path


def test_a_manifest_without_event_keys_publishes_and_subscribes_to_nothing(tmp_path: Path) -> None:
    module(tmp_path, "billing")

    manifest = load(tmp_path, "billing")
    assert (manifest.publishes, manifest.subscribes, manifest.event_sources) == ((), (), ())


def test_publishes_and_subscribes_are_read_as_given(repo: Path) -> None:
    orders, shipping = load_all(repo)

    assert orders.publishes == ("OrderCancelled", "OrderConfirmed")
    assert shipping.subscribes == ("orders.OrderCancelled", "orders.OrderConfirmed")
    assert shipping.event_sources == ("orders",)
    assert shipping.uses == ()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('publishes = "OrderConfirmed"\n', "`publishes` must be a list of strings"),
        ('publishes = ["orderConfirmed"]\n', "'orderConfirmed' is not an event class name in PascalCase"),
        ('publishes = ["Order.Confirmed"]\n', "is not an event class name in PascalCase"),
        ('publishes = ["B", "A"]\n', "`publishes` must be sorted, without repeats"),
        ('subscribes = ["OrderConfirmed"]\n', "'OrderConfirmed' is not \"<module>.<EventType>\""),
        ('subscribes = ["orders.OrderConfirmed.v1"]\n', 'is not "<module>.<EventType>"'),
        ('subscribes = ["orders.A", "orders.A"]\n', "`subscribes` must be sorted, without repeats"),
    ],
)
def test_a_malformed_event_key_is_refused_naming_the_file_and_the_fix(
    tmp_path: Path, extra: str, message: str
) -> None:
    module(tmp_path, "billing", extra)

    with pytest.raises(ManifestError, match="modules/billing/module.toml") as error:
        load(tmp_path, "billing")
    assert message in str(error.value)


def test_a_subscription_to_a_module_that_does_not_exist_is_refused(repo: Path) -> None:
    module(repo, "billing", 'subscribes = ["payments.PaymentTaken"]\n')

    with pytest.raises(ManifestError, match=r'names "payments.PaymentTaken", but "payments" is not a module'):
        load_all(repo)


def test_a_subscription_to_an_event_the_producer_does_not_publish_names_both_fixes(repo: Path) -> None:
    module(repo, "billing", 'subscribes = ["orders.OrderShipped"]\n')

    with pytest.raises(ManifestError) as error:
        load_all(repo)
    assert (
        'modules/billing/module.toml: `subscribes` names "orders.OrderShipped", but '
        "modules/orders/module.toml does not publish OrderShipped "
        "(it publishes: OrderCancelled, OrderConfirmed)" in str(error.value)
    )
    assert 'add "OrderShipped" to publishes there' in str(error.value)


def test_a_module_may_not_subscribe_to_its_own_events(tmp_path: Path) -> None:
    module(tmp_path, "orders", 'publishes = ["OrderConfirmed"]\nsubscribes = ["orders.OrderConfirmed"]\n')

    with pytest.raises(ManifestError, match=r"an event of the module itself"):
        load_all(tmp_path)


def test_a_subscriber_is_a_consumer_of_the_producers_facade_in_pants_without_uses(repo: Path) -> None:
    """The registry row carries the modules a module subscribes to, so pantstack_module builds the
    producer's facade in the subscriber's resolve and lets it depend on it (pants-plugins/macros.py)."""
    (repo / "pyproject.toml").write_text('known-first-party = ["common"]\n')
    assert sync.main(["--root", str(repo)]) == 0
    registry = (repo / sync.REGISTRY).read_text()
    assert '    ("shipping", (), True, "http-api", "0.1.0", ("orders",), ()),\n' in registry

    prelude: dict[str, object] = {}
    exec(registry, prelude)  # the generated registry and the macros are Pants preludes
    exec((Path(__file__).resolve().parents[3] / "pants-plugins/macros.py").read_text(), prelude)
    module_consumers = prelude["module_consumers"]
    assert callable(module_consumers)
    assert module_consumers("orders") == ("shipping",)
    assert module_consumers("shipping") == ()


def test_each_publisher_gets_one_snapshot_check_and_one_writer_and_nothing_per_pair(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('known-first-party = ["common"]\n')
    module(repo, "billing", 'subscribes = ["orders.OrderConfirmed"]\n')
    assert sync.main(["--root", str(repo)]) == 0
    registry = (repo / sync.REGISTRY).read_text()
    assert '("orders", (), True, "http-api", "0.1.0", (), ("OrderCancelled", "OrderConfirmed")),' in registry

    targets: list[tuple[str, dict[str, object]]] = []
    prelude: dict[str, object] = {
        "python_tests": lambda **fields: targets.append(("python_tests", fields)),
        "pex_binary": lambda **fields: targets.append(("pex_binary", fields)),
    }
    exec(registry, prelude)
    exec((Path(__file__).resolve().parents[3] / "pants-plugins/macros.py").read_text(), prelude)
    module_event_contracts = prelude["module_event_contracts"]
    assert callable(module_event_contracts)
    module_event_contracts()

    events = "modules/orders/backend/public/events.py:../../public@resolve=orders"
    assert [(kind, fields["name"], fields["resolve"]) for kind, fields in targets] == [
        ("python_tests", "orders", "orders"),
        ("pex_binary", "write_orders", "orders"),
    ]
    assert targets[0][1]["dependencies"] == [
        events,
        "modules/orders/events.json:events_contract",
        "modules/orders/module.toml:events_contract",
    ]
    assert targets[0][1]["extra_env_vars"] == ["EVENTS_CONTRACT_MODULE=orders"]
    assert targets[1][1]["dependencies"] == [events]
