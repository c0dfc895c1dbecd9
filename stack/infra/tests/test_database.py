"""ModuleDatabase: a module's own encrypted PostgreSQL, reachable from its tasks only, whose
generated password reaches the task as a secret and nowhere else."""

import json
from typing import Any

import pulumi
import pytest

from infra import DatabaseSettings, ModuleDatabase, ModuleService, ServiceSettings
from infra.testing import MOCK_PASSWORD, RecordingMocks, fake_platform, module_container, run_program

PLATFORM = fake_platform(["orders"])
# How the engine marks a secret value (pulumi.runtime.rpc's signature key).
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"
DISPOSABLE = DatabaseSettings()


def declare(settings: DatabaseSettings = DISPOSABLE) -> RecordingMocks:
    def program() -> None:
        database = ModuleDatabase("orders", PLATFORM, "sg-orders", settings)
        ModuleService(
            "orders",
            PLATFORM,
            ServiceSettings(listener_priority=100),
            database=database,
        )
        pulumi.export("databaseSecret", database.url_secret_arn)

    return run_program(program, project="orders", stack="test", config={})


def container_of(mocks: RecordingMocks) -> dict[str, Any]:
    container = module_container(
        mocks.named("aws:ecs/taskDefinition:TaskDefinition", "orders").inputs["containerDefinitions"]
    )
    return dict(container)


def secret_value(value: Any) -> Any:
    """The value inside a Pulumi secret as the engine receives it; fails if it is not a secret."""
    assert isinstance(value, dict) and SECRET_SIGNATURE in value, value
    return value["value"]


def test_the_generated_password_goes_into_the_url_secret_and_the_task_reads_that_secret() -> None:
    mocks = declare()

    password = mocks.one("random:index/randomPassword:RandomPassword").inputs
    assert (password["length"], password["special"]) == (32, False)
    instance = mocks.one("aws:rds/instance:Instance").inputs
    assert secret_value(instance["password"]) == MOCK_PASSWORD
    version = mocks.one("aws:secretsmanager/secretVersion:SecretVersion").inputs
    assert secret_value(version["secretString"]) == (
        f"postgresql+asyncpg://orders:{MOCK_PASSWORD}@orders-database.abcdefghij.us-east-1.rds.amazonaws.com"
        ":5432/orders"
    )
    secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:orders-database-url"
    assert {"name": "ORDERS_DATABASE_URL", "valueFrom": secret_arn} in container_of(mocks)["secrets"]
    statements = json.loads(
        mocks.named("aws:iam/rolePolicy:RolePolicy", "orders-execution").inputs["policy"]
    )["Statement"]
    (readable,) = (s for s in statements if s["Sid"] == "ReadSecrets")
    assert readable["Action"] == "secretsmanager:GetSecretValue"
    # The database URL, beside the module's own signing key (infra/identity.py).
    assert secret_arn in readable["Resource"] and len(readable["Resource"]) == 2


def test_the_password_is_in_no_environment_variable_output_or_other_resource() -> None:
    mocks = declare()

    holders = {r.type for r in mocks.resources if MOCK_PASSWORD in json.dumps(r.inputs, default=str)}
    assert holders == {"aws:rds/instance:Instance", "aws:secretsmanager/secretVersion:SecretVersion"}
    assert MOCK_PASSWORD not in json.dumps(mocks.outputs, default=str)


def test_the_database_is_encrypted_private_and_open_only_to_the_module_tasks() -> None:
    mocks = declare()

    instance = mocks.one("aws:rds/instance:Instance").inputs
    assert instance["storageEncrypted"] is True
    assert instance["publiclyAccessible"] is False
    assert instance["dbSubnetGroupName"] == "platform-databases"
    assert instance["vpcSecurityGroupIds"] == ["orders-database-id"]
    (ingress,) = (
        r
        for r in mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == "orders-database-id"
    )
    assert ingress.inputs["referencedSecurityGroupId"] == "sg-orders"
    assert (ingress.inputs["fromPort"], ingress.inputs["toPort"]) == (5432, 5432)
    assert "cidrIpv4" not in ingress.inputs


def test_deletion_protection_keeps_a_final_snapshot_and_backups_follow_the_settings() -> None:
    protected = declare(DatabaseSettings(deletion_protection=True, backup_retention_days=14))
    disposable = declare()

    prod = protected.one("aws:rds/instance:Instance").inputs
    assert (prod["deletionProtection"], prod["backupRetentionPeriod"]) == (True, 14)
    assert (prod["skipFinalSnapshot"], prod["finalSnapshotIdentifier"]) == (False, "orders-test-final")
    test = disposable.one("aws:rds/instance:Instance").inputs
    assert (test["deletionProtection"], test["skipFinalSnapshot"]) == (False, True)


def test_database_settings_refuse_unknown_keys_and_impossible_retention() -> None:
    with pytest.raises(ValueError, match="backupRetentionDays must be 0..35"):
        DatabaseSettings(backup_retention_days=40)
