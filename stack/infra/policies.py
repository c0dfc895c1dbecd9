"""IAM policy documents of a module's ECS task roles, scoped to the module's own resources."""

import json
from collections.abc import Sequence

ECS_TASKS_ASSUME_ROLE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def execution_role_policy(
    *,
    repository_arn: str,
    log_group_arn: str,
    secret_parameter_arns: Sequence[str],
    secrets_manager_arns: Sequence[str] = (),
) -> str:
    """What ECS needs to start the task: pull its image, write its logs, read its secrets."""
    statements: list[dict[str, object]] = [
        {
            "Sid": "PullImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": repository_arn,
        },
        {
            # ECR's login call has no resource-level permissions: "*" is the only valid resource.
            "Sid": "LogInToEcr",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:log-stream:*",
        },
    ]
    if secret_parameter_arns:
        statements.append(
            {
                "Sid": "ReadSecrets",
                "Effect": "Allow",
                "Action": "ssm:GetParameters",
                "Resource": sorted(secret_parameter_arns),
            }
        )
    if secrets_manager_arns:
        statements.append(
            {
                "Sid": "ReadSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": sorted(secrets_manager_arns),
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
