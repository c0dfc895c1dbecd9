"""ModuleMigration: each deploy's one-off ECS task that migrates a module's database before its service
rolls out, so the schema is at head before the first new replica starts.

The replicas still take the advisory lock around their own upgrade (common.database), which then
finds nothing to apply; the one-off task makes a failing migration stop the deploy instead of
crash-looping the new replicas, and keeps the migration's log apart from the service's.

The task runs from the deployer with `aws ecs run-task` in a pulumi-command `local.Command`: Pulumi
runs a command only when `pulumi up` creates or replaces it, never during `pulumi preview`, and it is
replaced (so run) whenever the migration task definition changes, which every new image or setting
does. `aws ecs wait tasks-stopped` gives up after 10 minutes, failing the deploy. The deployer needs
the AWS CLI and ecs:RunTask, ecs:DescribeTasks and iam:PassRole on the module's two roles.
"""

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_command as command

from infra.platform_outputs import PlatformOutputs

# What the image's entry point (the module's PEX, service_kit.server.service_main) migrates with.
MIGRATE_ARGUMENTS = ["--migrate"]

# Start the task, wait until it stopped, and fail the deploy unless its container exited 0.
RUN_TASK_SCRIPT = """set -euo pipefail
network="awsvpcConfiguration={subnets=[$SUBNETS],securityGroups=[$SECURITY_GROUP],assignPublicIp=DISABLED}"
task=$(aws ecs run-task --cluster "$CLUSTER" --task-definition "$TASK_DEFINITION" --launch-type FARGATE \\
  --started-by pantstack-migrate --count 1 --network-configuration "$network" \\
  --query 'tasks[0].taskArn' --output text)
if [ -z "$task" ] || [ "$task" = None ]; then
  echo "ECS did not start the migration task $TASK_DEFINITION; the service was not updated" >&2
  exit 1
fi
aws ecs wait tasks-stopped --cluster "$CLUSTER" --tasks "$task"
code=$(aws ecs describe-tasks --cluster "$CLUSTER" --tasks "$task" \\
  --query 'tasks[0].containers[0].exitCode' --output text)
if [ "$code" != 0 ]; then
  echo "migration task $task exited with $code; its log is in $LOG_GROUP (streams $LOG_PREFIX/...)." \\
    "The service was not updated" >&2
  exit 1
fi
echo "migrated by $task"
"""


def migration_container(service_container: Mapping[str, Any]) -> dict[str, Any]:
    """The service's container as a one-off: same image, environment and secrets, running the PEX
    with --migrate; no port and no health check (it exits), its own log stream prefix."""
    container = {
        key: value for key, value in service_container.items() if key not in ("portMappings", "healthCheck")
    }
    log_options = dict(service_container["logConfiguration"]["options"])
    log_options["awslogs-stream-prefix"] = f"{service_container['name']}-migrate"
    # It serves no request and calls no peer, so it holds no signing key and trusts no key ring.
    prefix = str(service_container["name"]).upper().replace("-", "_")
    environment = sorted(
        [*container.get("environment", []), {"name": f"{prefix}_AUTH_ENABLED", "value": "false"}],
        key=lambda e: e["name"],
    )
    return {
        **container,
        "environment": environment,
        "command": MIGRATE_ARGUMENTS,
        "logConfiguration": {**service_container["logConfiguration"], "options": log_options},
    }


class ModuleMigration(pulumi.ComponentResource):
    """The migration task definition and the command that runs it once; the service depends on
    `run`, so ECS rolls the new task definition out only after the migration exited 0."""

    run: command.local.Command

    def __init__(
        self,
        module: str,
        platform: PlatformOutputs,
        *,
        service_container: pulumi.Output[dict[str, Any]],
        cpu: str,
        memory: str,
        execution_role_arn: pulumi.Input[str],
        task_role_arn: pulumi.Input[str],
        security_group_id: pulumi.Input[str],
        database: pulumi.Resource,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`service_container`: the service's container definition; `cpu`, `memory` and the roles
        are its task definition's. `database`: the module's ModuleDatabase, which must be up (and its
        URL secret written) before the task can connect."""
        super().__init__("pantstack:infra:ModuleMigration", module, None, opts)
        env = pulumi.get_stack()
        container = service_container.apply(migration_container)
        task_definition = aws.ecs.TaskDefinition(
            f"{module}-migrate",
            family=f"{module}-{env}-migrate",
            cpu=cpu,
            memory=memory,
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            execution_role_arn=execution_role_arn,
            task_role_arn=task_role_arn,
            container_definitions=container.apply(lambda c: json.dumps([c])),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.run = command.local.Command(
            f"{module}-migrate",
            create=RUN_TASK_SCRIPT,
            interpreter=["/bin/bash", "-c"],
            environment={
                "CLUSTER": platform.cluster_arn,
                "TASK_DEFINITION": task_definition.arn,
                "SUBNETS": pulumi.Output.from_input(platform.private_subnet_ids).apply(
                    lambda ids: ",".join(str(i) for i in ids)
                ),
                "SECURITY_GROUP": security_group_id,
                "LOG_GROUP": container.apply(lambda c: c["logConfiguration"]["options"]["awslogs-group"]),
                "LOG_PREFIX": f"{module}-migrate",
            },
            # A new revision (new image, environment or secrets) is a new migration run.
            triggers=[task_definition.arn],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[database]),
        )
        self.register_outputs({})
