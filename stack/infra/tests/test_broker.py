"""EventsBroker: MemoryDB with TLS and a password user, in the private subnets, reachable only from
the tasks of modules that publish or subscribe; its URL, password included, only in a secret that
only those modules' tasks get, as EVENTS_BROKER_URL."""

import json
from typing import Any

import pulumi
import pytest

from infra import ModuleService, ServiceSettings
from infra.broker import BROKER_PORT, BrokerSettings, EventsBroker
from infra.testing import MOCK_PASSWORD, RecordingMocks, fake_platform, module_container, run_program

PLATFORM = fake_platform(["orders", "shipping", "notes"])
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # how the engine marks a secret value


def declare_broker() -> RecordingMocks:
    def program() -> None:
        broker = EventsBroker(
            "vpc-platform",
            ["subnet-private-a", "subnet-private-b"],
            {"orders": "sg-orders", "shipping": "sg-shipping"},
            BrokerSettings(),
        )
        pulumi.export("brokerSecret", broker.url_secret_arn)

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
    user = mocks.one("aws:memorydb/user:User").inputs
    assert user["authenticationMode"]["type"] == "password"
    assert "-@admin" in user["accessString"] and "-@dangerous" in user["accessString"]
    assert mocks.one("aws:memorydb/acl:Acl").inputs["userNames"] == [user["userName"]]


def test_only_the_tasks_of_modules_that_exchange_events_reach_the_broker_on_its_port() -> None:
    mocks = declare_broker()

    rules = [r.inputs for r in mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    assert sorted(r["referencedSecurityGroupId"] for r in rules) == ["sg-orders", "sg-shipping"]
    assert {(r["fromPort"], r["toPort"], r["ipProtocol"]) for r in rules} == {
        (BROKER_PORT, BROKER_PORT, "tcp")
    }
    assert not any("cidrIpv4" in r for r in rules)


def test_the_password_is_only_in_the_user_and_the_url_secret() -> None:
    mocks = declare_broker()

    url = secret_value(mocks.one("aws:secretsmanager/secretVersion:SecretVersion").inputs["secretString"])
    assert url == (
        f"rediss://pantstack-events-test:{MOCK_PASSWORD}@"
        f"clustercfg.events-broker.abcdef.memorydb.us-east-1.amazonaws.com:{BROKER_PORT}/0"
    )
    holders = {r.type for r in mocks.resources if MOCK_PASSWORD in json.dumps(r.inputs, default=str)}
    assert holders == {"aws:memorydb/user:User", "aws:secretsmanager/secretVersion:SecretVersion"}
    assert MOCK_PASSWORD not in json.dumps(mocks.outputs, default=str)


def test_a_module_with_events_gets_the_url_secret_and_may_read_only_that_one_more() -> None:
    broker_secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pantstack/test/events-broker-url"
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
