"""Tracing in a deployed task: an AWS Distro for OpenTelemetry collector beside the module's container.

The service exports OTLP/HTTP to the collector on the task's loopback (awsvpc tasks share it); the
collector batches the spans and sends them to AWS X-Ray, which accepts W3C trace ids as they are.
The sampling decision is the service's (service_kit.tracing), so the collector samples nothing and
needs no X-Ray sampling rules.
"""

import json
from typing import Any

# Pinned like every other image: a new collector is a reviewed change, not a surprise at deploy.
ADOT_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"
COLLECTOR_CONTAINER = "otel-collector"
OTLP_HTTP_PORT = 4318
# What the collector uses of the task's memory (it reserves, the task's total is the limit).
COLLECTOR_MEMORY_RESERVATION_MIB = 64
# X-Ray's write actions accept no resource-level scoping: "*" is the only valid resource.
XRAY_WRITE_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")


def collector_config(region: str) -> str:
    """The collector's configuration: OTLP/HTTP on loopback in, batched, X-Ray out, nothing else."""
    config = {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{OTLP_HTTP_PORT}"}}}},
        "processors": {"batch/traces": {"timeout": "1s", "send_batch_size": 50}},
        "exporters": {"awsxray": {"region": region}},
        "service": {
            "pipelines": {
                "traces": {"receivers": ["otlp"], "processors": ["batch/traces"], "exporters": ["awsxray"]}
            }
        },
    }
    # YAML is a superset of JSON, so the collector reads this as its YAML configuration.
    return json.dumps(config, sort_keys=True)


def with_collector(service: dict[str, Any], *, log_group: str, region: str) -> list[dict[str, Any]]:
    """The task's containers: the service, pointed at the collector, and the collector itself."""
    module = str(service["name"])
    environment = {entry["name"]: entry["value"] for entry in service.get("environment", [])}
    environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{OTLP_HTTP_PORT}"
    traced = {
        **service,
        "environment": [{"name": name, "value": value} for name, value in sorted(environment.items())],
        # Started first, so the service's first spans have somewhere to go.
        "dependsOn": [{"containerName": COLLECTOR_CONTAINER, "condition": "START"}],
    }
    collector = {
        "name": COLLECTOR_CONTAINER,
        "image": ADOT_COLLECTOR_IMAGE,
        # A stopped collector costs traces, not requests: it must not take the service down with it.
        "essential": False,
        "memoryReservation": COLLECTOR_MEMORY_RESERVATION_MIB,
        # AOT_CONFIG_CONTENT: ADOT's way to take its configuration inline instead of from a file.
        "environment": [{"name": "AOT_CONFIG_CONTENT", "value": collector_config(region)}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": f"{module}-{COLLECTOR_CONTAINER}",
            },
        },
    }
    return [traced, collector]


def tracing_task_role_policy() -> str:
    """What the collector, running with the task role, needs to send segments to X-Ray, and no more."""
    statement = {
        "Sid": "SendTracesToXRay",
        "Effect": "Allow",
        "Action": sorted(XRAY_WRITE_ACTIONS),
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
