"""ModuleMigration: each deploy migrates a module's database in a one-off ECS task, and the service
rolls out only after that task exited 0."""

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import DatabaseSettings, ModuleDatabase, ModuleService, ServiceSettings
from infra.migration import RUN_TASK_SCRIPT
from infra.testing import RecordingMocks, fake_platform, module_container, run_program

PLATFORM = fake_platform(["orders"])
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
COMMAND = "command:local:Command"


def declare(*, database: bool = True) -> RecordingMocks:
    def program() -> None:
        owned = ModuleDatabase("orders", PLATFORM, "sg-orders", DatabaseSettings()) if database else None
        ModuleService("orders", PLATFORM, ServiceSettings(listener_priority=100), database=owned)

    return run_program(program, project="orders", stack="test", config={})


def container(mocks: RecordingMocks, task_definition: str) -> dict[str, Any]:
    return module_container(mocks.named(TASK_DEFINITION, task_definition).inputs["containerDefinitions"])


def test_the_service_rolls_out_only_after_the_migration_ran_on_a_database_that_is_up() -> None:
    mocks = declare()

    service = mocks.one("aws:ecs/service:Service")
    assert (COMMAND, "orders-migrate") in service.waits_for
    run = mocks.named(COMMAND, "orders-migrate")
    assert ("aws:rds/instance:Instance", "orders-database") in run.waits_for
    assert ("aws:secretsmanager/secretVersion:SecretVersion", "orders-database-url") in run.waits_for


def test_the_migration_task_is_the_service_container_running_migrate_without_a_port() -> None:
    mocks = declare()

    service, migration = container(mocks, "orders"), container(mocks, "orders-migrate")
    assert migration["command"] == ["--migrate"]
    assert migration["image"] == service["image"]
    # It serves nothing and calls no peer: no signing key, no key ring, auth off; the rest as the service.
    environment = {e["name"]: e["value"] for e in migration["environment"]}
    assert environment.pop("ORDERS_AUTH_ENABLED") == "false"
    service_environment = {e["name"]: e["value"] for e in service["environment"]}
    assert service_environment.pop("SERVICE_JWKS_FILE") == "/identity/jwks.json"
    service_environment.pop("OTEL_EXPORTER_OTLP_ENDPOINT")
    assert environment == service_environment
    assert [s["name"] for s in migration["secrets"]] == ["ORDERS_DATABASE_URL"]
    assert "mountPoints" not in migration
    assert "portMappings" not in migration and "healthCheck" not in migration
    assert migration["logConfiguration"]["options"]["awslogs-stream-prefix"] == "orders-migrate"
    task = mocks.named(TASK_DEFINITION, "orders-migrate").inputs
    assert task["family"] == "orders-test-migrate"
    assert task["executionRoleArn"] == mocks.named(TASK_DEFINITION, "orders").inputs["executionRoleArn"]


def test_the_command_runs_that_task_in_the_private_subnets_and_reruns_with_each_new_revision() -> None:
    mocks = declare()

    run = mocks.named(COMMAND, "orders-migrate").inputs
    migrate_task_arn = "arn:aws:ecs:us-east-1:123456789012:orders-migrate"
    assert run["create"] == RUN_TASK_SCRIPT
    assert run["environment"]["TASK_DEFINITION"] == migrate_task_arn
    assert run["environment"]["CLUSTER"] == PLATFORM.cluster_arn
    assert run["environment"]["SUBNETS"] == "subnet-private-a,subnet-private-b"
    assert run["environment"]["SECURITY_GROUP"] == "sg-orders"
    assert run["triggers"] == [migrate_task_arn]
    assert "update" not in run and "delete" not in run


def test_a_module_without_a_database_has_no_migration_task() -> None:
    mocks = declare(database=False)

    assert mocks.of_type(COMMAND) == []
    assert [task.name for task in mocks.of_type(TASK_DEFINITION)] == ["orders"]


# The script itself, against a fake `aws` on PATH that logs its calls and plays ECS.
FAKE_AWS = """#!/bin/sh
echo "$*" >> "$AWS_CALLS"
case "$2" in
  run-task) echo "$FAKE_TASK" ;;
  describe-tasks) echo "$FAKE_EXIT_CODE" ;;
esac
"""


def run_script(
    tmp_path: Path, *, task: str = "arn:aws:ecs:task/1", exit_code: str = "0"
) -> tuple[int, str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(FAKE_AWS)
    (bin_dir / "aws").chmod(0o755)
    calls = tmp_path / "calls"
    calls.touch()
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "AWS_CALLS": str(calls),
        "FAKE_TASK": task,
        "FAKE_EXIT_CODE": exit_code,
        "CLUSTER": "cluster-arn",
        "TASK_DEFINITION": "orders-test-migrate:7",
        "SUBNETS": "subnet-a,subnet-b",
        "SECURITY_GROUP": "sg-orders",
        "LOG_GROUP": "/pantstack/test/orders",
        "LOG_PREFIX": "orders-migrate",
    }
    done = subprocess.run(["/bin/bash", "-c", RUN_TASK_SCRIPT], env=env, capture_output=True, text=True)
    return done.returncode, done.stderr, calls.read_text()


def test_the_script_starts_the_task_waits_for_it_and_succeeds_on_exit_code_0(tmp_path: Path) -> None:
    status, stderr, calls = run_script(tmp_path)

    assert status == 0, stderr
    run_task, wait, describe = calls.splitlines()
    assert run_task.startswith("ecs run-task --cluster cluster-arn --task-definition orders-test-migrate:7")
    assert "subnets=[subnet-a,subnet-b],securityGroups=[sg-orders],assignPublicIp=DISABLED" in run_task
    assert wait == "ecs wait tasks-stopped --cluster cluster-arn --tasks arn:aws:ecs:task/1"
    assert describe.startswith("ecs describe-tasks --cluster cluster-arn --tasks arn:aws:ecs:task/1")


@pytest.mark.parametrize("exit_code", ["1", "None"])
def test_a_migration_that_did_not_exit_0_fails_the_deploy_pointing_at_its_log(
    tmp_path: Path, exit_code: str
) -> None:
    status, stderr, _ = run_script(tmp_path, exit_code=exit_code)

    assert status == 1
    assert f"exited with {exit_code}" in stderr and "/pantstack/test/orders" in stderr


def test_a_task_ecs_did_not_start_fails_the_deploy_without_waiting(tmp_path: Path) -> None:
    status, stderr, calls = run_script(tmp_path, task="None")

    assert status == 1 and "ECS did not start the migration task" in stderr
    assert len(calls.splitlines()) == 1
