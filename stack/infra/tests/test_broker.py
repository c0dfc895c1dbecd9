"""EventsBroker: MemoryDB with TLS, in the private subnets, reachable only from the tasks of modules
that publish or subscribe; each of them has its own user, allowed only its manifest's streams, whose
URL, password included, is in a secret only that module's tasks get, as EVENTS_BROKER_URL."""

import json
from typing import Any

import pulumi
import pytest

from infra import ModuleService, ServiceSettings
from infra.broker import BROKER_PORT, BrokerClient, BrokerSettings, EventsBroker, access_string, user_name
from infra.testing import MOCK_PASSWORD, RecordingMocks, fake_platform, module_container, run_program

PLATFORM = fake_platform(["orders", "shipping", "notes"])
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # how the engine marks a secret value


def declare_broker() -> RecordingMocks:
    def program() -> None:
        broker = EventsBroker(
            "vpc-platform",
            ["subnet-private-a", "subnet-private-b"],
            {
                "orders": BrokerClient("sg-orders", publishes=True),
                "shipping": BrokerClient(
                    "sg-shipping", subscribes=("orders.OrderCancelled", "orders.OrderConfirmed")
                ),
                "billing_v2": BrokerClient(
                    "sg-billing", publishes=True, subscribes=("orders.OrderConfirmed",)
                ),
            },
            BrokerSettings(),
        )
        pulumi.export("brokerSecrets", broker.url_secret_arns)

    return run_program(program, project="platform", stack="test", config={})


def declare_service(module: str, broker_secret: str | None) -> RecordingMocks:
    def program() -> None:
        ModuleService(
            module,
            PLATFORM,
            ServiceSettings(listener_priority=100),
            events_broker_url_secret_arn=broker_secret,
        )

    return run_program(program, project=module, stack="test", config={})


def secret_value(value: Any) -> Any:
    assert isinstance(value, dict) and SECRET_SIGNATURE in value, value
    return value["value"]


def test_the_broker_is_memorydb_with_tls_a_password_user_and_the_private_subnets() -> None:
    mocks = declare_broker()

    cluster = mocks.one("aws:memorydb/cluster:Cluster").inputs
    assert (cluster["engine"], cluster["tlsEnabled"], cluster["port"]) == ("redis", True, BROKER_PORT)
    assert cluster["aclName"] == "pantstack-test-events"
    assert mocks.one("aws:memorydb/subnetGroup:SubnetGroup").inputs["subnetIds"] == [
        "subnet-private-a",
        "subnet-private-b",
    ]
    users = [user.inputs for user in mocks.of_type("aws:memorydb/user:User")]
    assert {user["authenticationMode"]["type"] for user in users} == {"password"}
    assert mocks.one("aws:memorydb/acl:Acl").inputs["userNames"] == [
        "ev-test-billing-v2",
        "ev-test-orders",
        "ev-test-shipping",
    ]


def test_each_module_s_user_may_touch_only_its_own_streams_with_only_its_role_s_commands() -> None:
    mocks = declare_broker()

    access = {
        user.inputs["userName"]: user.inputs["accessString"]
        for user in mocks.of_type("aws:memorydb/user:User")
    }
    assert access == {
        # A publisher appends to its own topics only.
        "ev-test-orders": "on ~orders.* -@all +ping +xadd",
        # A subscriber reads, takes over and acknowledges through its group, on what it subscribes to only.
        "ev-test-shipping": (
            "on ~orders.OrderCancelled.v* ~orders.OrderConfirmed.v* -@all +ping "
            "+xgroup|create +xreadgroup +xautoclaim +xack"
        ),
        "ev-test-billing-v2": (
            "on ~billing_v2.* ~orders.OrderConfirmed.v* -@all +ping +xadd "
            "+xgroup|create +xreadgroup +xautoclaim +xack"
        ),
    }
    # Never every key, channel or command, as one shared user had.
    assert not any("~*" in a.split() or "+@all" in a for a in access.values())


def test_a_module_without_events_gets_no_user_and_a_too_long_user_name_is_refused() -> None:
    with pytest.raises(ValueError, match="neither publishes nor subscribes"):
        access_string("notes", BrokerClient("sg-notes"))
    assert user_name("a_" * 15, "prod") == "ev-prod-" + "a-" * 15
    with pytest.raises(ValueError, match="longer than MemoryDB's 40 characters"):
        user_name("a" * 30, "staging")


def test_only_the_tasks_of_modules_that_exchange_events_reach_the_broker_on_its_port() -> None:
    mocks = declare_broker()

    rules = [r.inputs for r in mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    assert sorted(r["referencedSecurityGroupId"] for r in rules) == ["sg-billing", "sg-orders", "sg-shipping"]
    assert {(r["fromPort"], r["toPort"], r["ipProtocol"]) for r in rules} == {
        (BROKER_PORT, BROKER_PORT, "tcp")
    }
    assert not any("cidrIpv4" in r for r in rules)


def test_each_password_is_only_in_its_user_and_its_module_s_url_secret() -> None:
    mocks = declare_broker()

    for module, user in (("orders", "ev-test-orders"), ("shipping", "ev-test-shipping")):
        secret = mocks.named("aws:secretsmanager/secret:Secret", f"{module}-events-broker-url").inputs
        assert secret["name"] == f"pantstack/test/{module}/events-broker-url"
        version = mocks.named("aws:secretsmanager/secretVersion:SecretVersion", f"{module}-events-broker-url")
        assert secret_value(version.inputs["secretString"]) == (
            f"rediss://{user}:{MOCK_PASSWORD}@"
            f"clustercfg.events-broker.abcdef.memorydb.us-east-1.amazonaws.com:{BROKER_PORT}/0"
        )
    passwords = mocks.of_type("random:index/randomPassword:RandomPassword")
    assert sorted(p.name for p in passwords) == [
        "billing_v2-events-broker",
        "orders-events-broker",
        "shipping-events-broker",
    ]
    holders = {r.type for r in mocks.resources if MOCK_PASSWORD in json.dumps(r.inputs, default=str)}
    assert holders == {"aws:memorydb/user:User", "aws:secretsmanager/secretVersion:SecretVersion"}
    assert MOCK_PASSWORD not in json.dumps(mocks.outputs, default=str)
    assert sorted(mocks.outputs["brokerSecrets"]) == ["billing_v2", "orders", "shipping"]


def test_a_module_with_events_gets_its_url_secret_and_may_read_only_that_one_more() -> None:
    broker_secret = (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:pantstack/test/orders/events-broker-url"
    )
    with_events, without = declare_service("orders", broker_secret), declare_service("notes", None)

    def secrets(mocks: RecordingMocks, module: str) -> tuple[list[dict[str, str]], list[str]]:
        container = module_container(
            mocks.named("aws:ecs/taskDefinition:TaskDefinition", module).inputs["containerDefinitions"]
        )
        statements = json.loads(
            mocks.named("aws:iam/rolePolicy:RolePolicy", f"{module}-execution").inputs["policy"]
        )["Statement"]
        readable = [
            r for s in statements if s["Action"] == "secretsmanager:GetSecretValue" for r in s["Resource"]
        ]
        return container["secrets"], readable

    container_secrets, readable = secrets(with_events, "orders")
    assert {"name": "EVENTS_BROKER_URL", "valueFrom": broker_secret} in container_secrets
    assert broker_secret in readable
    container_secrets, readable = secrets(without, "notes")
    assert not any(s["name"] == "EVENTS_BROKER_URL" for s in container_secrets)
    assert not any("events-broker" in arn for arn in readable)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"replicas": 6}, "replicas must be 0..5"),
        ({"snapshotRetentionDays": 40}, "snapshotRetentionDays must be 0..35"),
        ({"nodes": 2}, "unknown key(s) ['nodes']"),
    ],
)
def test_bad_broker_settings_are_refused_naming_the_key(given: dict[str, Any], message: str) -> None:
    class Config:
        name = "platform"

        def get_object(self, key: str) -> dict[str, Any]:
            return given

    with pytest.raises(ValueError) as error:
        BrokerSettings.from_config(Config())  # type: ignore[arg-type]
    assert message in str(error.value)
