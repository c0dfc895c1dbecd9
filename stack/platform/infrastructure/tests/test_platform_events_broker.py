"""The platform program provisions the events broker only once a manifest publishes, opens it to the
modules that publish or subscribe, and exports each one's own URL secret for its stack."""

import shutil
from pathlib import Path

from infra.testing import RecordingMocks, load_stack_config, run_program_file

PROJECT_DIR = Path(__file__).resolve().parents[1]


def add_module(root: Path, name: str, extra: str = "") -> None:
    (root / "modules" / name / "infrastructure").mkdir(parents=True)
    (root / "modules" / name / "BUILD").write_text("")
    (root / "modules" / name / "module.toml").write_text(
        f'description = "{name}"\nowners = ["@acme/{name}"]\ntype = "http-api"\ndatabase = true\n'
        f'version = "0.1.0"\nuses = []\n{extra}'
    )
    (root / "modules" / name / "infrastructure" / "Pulumi.yaml").write_text(f"name: {name}\n")


def deploy(root: Path) -> RecordingMocks:
    main = root / "stack" / "platform" / "infrastructure" / "__main__.py"
    main.parent.mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "__main__.py", main)
    config = {"platform:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/test"}
    return run_program_file(
        main, project="platform", stack="test", config={**config, **load_stack_config(PROJECT_DIR, "test")}
    )


def test_without_a_publisher_there_is_no_broker_and_its_output_is_empty(tmp_path: Path) -> None:
    add_module(tmp_path, "orders")

    platform = deploy(tmp_path)

    assert platform.of_type("aws:memorydb/cluster:Cluster") == []
    assert platform.outputs["eventsBrokerUrlSecretArns"] == {}


def test_a_publisher_brings_the_broker_open_to_publishers_and_subscribers_only(tmp_path: Path) -> None:
    add_module(tmp_path, "orders", 'publishes = ["OrderConfirmed"]\n')
    add_module(tmp_path, "shipping", 'subscribes = ["orders.OrderConfirmed"]\n')
    add_module(tmp_path, "notes")

    platform = deploy(tmp_path)

    platform.one("aws:memorydb/cluster:Cluster")
    into_broker = {
        r.name
        for r in platform.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.name.endswith("-to-events-broker")
    }
    assert into_broker == {"orders-to-events-broker", "shipping-to-events-broker"}
    secrets = platform.outputs["eventsBrokerUrlSecretArns"]
    assert sorted(secrets) == ["orders", "shipping"]
    for module in ("orders", "shipping"):
        secret = platform.named("aws:secretsmanager/secret:Secret", f"{module}-events-broker-url")
        assert secret.inputs["name"] == f"pantstack/test/{module}/events-broker-url"
        assert secrets[module].endswith(f":{module}-events-broker-url")
    users = {
        u.inputs["userName"]: u.inputs["accessString"] for u in platform.of_type("aws:memorydb/user:User")
    }
    assert users == {
        "ev-test-orders": "on ~orders.* -@all +ping +xadd",
        "ev-test-shipping": (
            "on ~orders.OrderConfirmed.v* -@all +ping +xgroup|create +xreadgroup +xautoclaim +xack"
        ),
    }
