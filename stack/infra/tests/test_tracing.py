"""Tracing in the task definition: an ADOT collector sidecar sending to X-Ray, the service exporting
to it on loopback, and a task role allowed exactly X-Ray's two write actions."""

import json
from typing import Any

from infra import ModuleService, ServiceSettings
from infra.identity import KEY_RING_CONTAINER
from infra.testing import REGION, RecordingMocks, fake_platform, run_program
from infra.tracing import ADOT_COLLECTOR_IMAGE, COLLECTOR_CONTAINER

PLATFORM = fake_platform(["orders", "inventory"], uses={"orders": ["inventory"]})


def declare() -> RecordingMocks:
    return run_program(
        lambda: ModuleService("orders", PLATFORM, ServiceSettings(listener_priority=100)),
        project="orders",
        stack="test",
        config={},
    )


def containers_of(mocks: RecordingMocks) -> dict[str, dict[str, Any]]:
    definitions = json.loads(
        mocks.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"]
    )
    return {container["name"]: container for container in definitions}


def environment_of(container: dict[str, Any]) -> dict[str, str]:
    return {entry["name"]: entry["value"] for entry in container["environment"]}


def test_the_task_runs_the_adot_collector_beside_the_service() -> None:
    containers = containers_of(declare())

    assert sorted(containers) == sorted(["orders", COLLECTOR_CONTAINER, KEY_RING_CONTAINER])
    collector = containers[COLLECTOR_CONTAINER]
    assert collector["image"] == ADOT_COLLECTOR_IMAGE
    assert collector["image"].startswith("public.ecr.aws/aws-observability/aws-otel-collector:v")
    # Losing the collector loses traces, never the service.
    assert collector["essential"] is False and containers["orders"]["essential"] is True
    assert collector["logConfiguration"]["options"]["awslogs-group"] == "/pantstack/test/orders"


def test_the_collector_receives_otlp_on_loopback_and_exports_only_to_xray_in_the_region() -> None:
    collector = containers_of(declare())[COLLECTOR_CONTAINER]

    config = json.loads(environment_of(collector)["AOT_CONFIG_CONTENT"])
    assert config["receivers"] == {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:4318"}}}}
    assert config["exporters"] == {"awsxray": {"region": REGION}}
    assert config["service"]["pipelines"] == {
        "traces": {"receivers": ["otlp"], "processors": ["batch/traces"], "exporters": ["awsxray"]}
    }


def test_the_service_exports_its_spans_to_the_collector_started_before_it() -> None:
    service = containers_of(declare())["orders"]

    assert environment_of(service)["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    assert {"containerName": COLLECTOR_CONTAINER, "condition": "START"} in service["dependsOn"]
    # The service's own settings are still there beside the tracing endpoint.
    assert environment_of(service)["ORDERS_PORT"] == "8000"


def test_the_task_role_may_put_trace_segments_and_telemetry_records_and_nothing_else() -> None:
    mocks = declare()

    policy = mocks.named("aws:iam/rolePolicy:RolePolicy", "orders-tracing")
    assert policy.inputs["role"] == "orders-task-id"
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "SendTracesToXRay",
            "Effect": "Allow",
            "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            "Resource": "*",
        }
    ]
