"""The inventory Pulumi program, run offline on its real test and prod stack config."""

from pathlib import Path

import pytest

from infra.testing import RecordingMocks, deploy_module_program, module_container, service_sizes

PROJECT_DIR = Path(__file__).resolve().parents[1]
MODULE = "inventory"
# As modules/inventory/module.toml says; the platform wires these from the manifests.
USES = ()


@pytest.fixture(scope="module")
def deployed() -> dict[str, RecordingMocks]:
    return {env: deploy_module_program(PROJECT_DIR, MODULE, env, USES) for env in ("test", "prod")}


@pytest.mark.parametrize("env", ["test", "prod"])
def test_the_program_reads_the_platform_stack_of_its_own_env(
    deployed: dict[str, RecordingMocks], env: str
) -> None:
    (reference,) = deployed[env].of_type("pulumi:pulumi:StackReference")

    assert reference.name == f"organization/platform/{env}"


@pytest.mark.parametrize("env", ["test", "prod"])
def test_nothing_is_public_and_peers_reach_the_service_on_port_8000(
    deployed: dict[str, RecordingMocks], env: str
) -> None:
    # No public_routes in its module.toml: stock and reservations serve orders, never end users.
    mocks = deployed[env]

    assert mocks.of_type("aws:lb/listenerRule:ListenerRule") == []
    assert mocks.of_type("aws:lb/targetGroup:TargetGroup") == []
    task = mocks.named("aws:ecs/taskDefinition:TaskDefinition", MODULE).inputs
    container = module_container(task["containerDefinitions"])
    assert container["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert {"name": "INVENTORY_AUTH_PROTECT_READS", "value": "true"} in container["environment"]
    assert mocks.one("aws:servicediscovery/service:Service").inputs["name"] == "inventory"
    assert mocks.outputs["serviceName"] == "inventory"
    assert mocks.outputs["image"].endswith("/pantstack/inventory:inventory-latest")


def test_test_and_prod_differ_in_count_size_and_scaling(deployed: dict[str, RecordingMocks]) -> None:
    assert service_sizes(deployed["test"]) == {"desired": 1, "cpu": "256", "memory": "512", "bounds": (1, 2)}
    assert service_sizes(deployed["prod"]) == {
        "desired": 3,
        "cpu": "1024",
        "memory": "2048",
        "bounds": (2, 10),
    }


def test_both_envs_read_the_url_of_their_own_database_from_its_secret(
    deployed: dict[str, RecordingMocks]
) -> None:
    def secret_names(env: str) -> set[str]:
        task = deployed[env].named("aws:ecs/taskDefinition:TaskDefinition", MODULE).inputs
        container = module_container(task["containerDefinitions"])
        return {secret["name"] for secret in container["secrets"]}

    assert secret_names("prod") == secret_names("test") == {"INVENTORY_DATABASE_URL", "INVENTORY_SIGNING_KEY"}


def test_prod_protects_and_backs_up_its_database_and_test_is_small_and_disposable(
    deployed: dict[str, RecordingMocks],
) -> None:
    prod, test = (deployed[env].one("aws:rds/instance:Instance").inputs for env in ("prod", "test"))

    assert prod["storageEncrypted"] is test["storageEncrypted"] is True
    assert (prod["deletionProtection"], prod["backupRetentionPeriod"], prod["multiAz"]) == (True, 14, True)
    assert (test["deletionProtection"], test["instanceClass"], test["skipFinalSnapshot"]) == (
        False,
        "db.t4g.micro",
        True,
    )
