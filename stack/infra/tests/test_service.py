"""ModuleService: a private Fargate service on port 8000 behind the platform's HTTPS listener."""

import dataclasses
import json
from typing import Any

import pytest

from infra import ModuleService, PlatformOutputs, ServiceSettings
from infra.testing import ACCOUNT_ID, END_USER_JWT_ISSUER, REGION, RecordingMocks, fake_platform, run_program
from infra.tracing import XRAY_WRITE_ACTIONS

PLATFORM = fake_platform(["orders", "inventory"], uses={"orders": ["inventory"]})
SETTINGS = ServiceSettings(listener_priority=100, desired_count=2, min_count=1, max_count=4)


PUBLIC = ("/api/v1/orders",)


def declare(
    settings: ServiceSettings = SETTINGS,
    *,
    module: str = "orders",
    public_routes: tuple[str, ...] = (),
    platform: PlatformOutputs = PLATFORM,
    stack: str = "test",
) -> RecordingMocks:
    return run_program(
        lambda: ModuleService(module, platform, settings, public_routes=public_routes),
        project=module,
        stack=stack,
        config={},
    )


def container_of(mocks: RecordingMocks, name: str = "orders") -> dict[str, Any]:
    """The task definition's container `name` (the module's; the tracing collector runs beside it)."""
    containers = json.loads(mocks.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    (container,) = (container for container in containers if container["name"] == name)
    return dict(container)


def statements_of(policy: str) -> list[dict[str, Any]]:
    return list(json.loads(policy)["Statement"])


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_the_container_the_target_group_and_the_service_all_use_port_8000() -> None:
    mocks = declare(public_routes=PUBLIC)

    container = container_of(mocks)
    assert container["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert {"name": "ORDERS_PORT", "value": "8000"} in container["environment"]
    assert {"name": "ORDERS_HOST", "value": "0.0.0.0"} in container["environment"]
    assert mocks.one("aws:lb/targetGroup:TargetGroup").inputs["port"] == 8000
    (load_balancer,) = mocks.one("aws:ecs/service:Service").inputs["loadBalancers"]
    assert load_balancer["containerPort"] == 8000
    assert load_balancer["containerName"] == container["name"] == "orders"


def test_the_load_balancer_checks_health_on_slash_health() -> None:
    health_check = declare(public_routes=PUBLIC).one("aws:lb/targetGroup:TargetGroup").inputs["healthCheck"]

    assert health_check["path"] == "/health"
    assert health_check["matcher"] == "200"


def test_the_service_runs_on_fargate_in_private_subnets_without_a_public_ip() -> None:
    service = declare().one("aws:ecs/service:Service").inputs

    assert service["launchType"] == "FARGATE"
    assert service["cluster"] == PLATFORM.cluster_arn
    assert service["networkConfiguration"]["subnets"] == PLATFORM.private_subnet_ids
    assert service["networkConfiguration"]["assignPublicIp"] is False


def test_a_public_route_is_forwarded_only_after_the_load_balancer_validated_an_end_user_jwt() -> None:
    rule = declare(public_routes=PUBLIC).one("aws:lb/listenerRule:ListenerRule").inputs

    assert rule["listenerArn"] == PLATFORM.alb_listener_arn
    assert rule["priority"] == 100
    (condition,) = rule["conditions"]
    assert condition["pathPattern"]["values"] == ["/api/v1/orders", "/api/v1/orders/*"]
    validate, forward = sorted(rule["actions"], key=lambda action: action["order"])
    assert validate["type"] == "jwt-validation"
    assert validate["jwtValidation"] == {
        "issuer": END_USER_JWT_ISSUER,
        "jwksEndpoint": f"{END_USER_JWT_ISSUER}.well-known/jwks.json",
    }
    assert forward["type"] == "forward"
    assert forward["targetGroupArn"].endswith(":orders")


def test_without_public_routes_nothing_is_on_the_internet_facing_listener() -> None:
    mocks = declare()

    assert mocks.of_type("aws:lb/listenerRule:ListenerRule") == []
    assert mocks.of_type("aws:lb/targetGroup:TargetGroup") == []
    assert mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") == []
    service = mocks.one("aws:ecs/service:Service").inputs
    assert service.get("loadBalancers", []) == []
    assert container_of(mocks)["healthCheck"]["command"][-2:] == ["-m", "service_kit.healthcheck"]


def test_a_public_route_without_an_end_user_issuer_is_refused() -> None:
    anonymous = dataclasses.replace(PLATFORM, end_user_jwt_issuer="", end_user_jwks_url="")

    with pytest.raises(ValueError, match="has public_routes, but the platform has no end-user JWT issuer"):
        declare(public_routes=PUBLIC, platform=anonymous)


def test_reads_need_a_token_unless_the_stack_opts_the_service_out() -> None:
    def protect_reads(settings: ServiceSettings) -> str:
        environment = {e["name"]: e["value"] for e in container_of(declare(settings))["environment"]}
        return str(environment["ORDERS_AUTH_PROTECT_READS"])

    assert protect_reads(SETTINGS) == "true"
    assert protect_reads(ServiceSettings(listener_priority=100, anonymous_reads=True)) == "false"


def test_the_load_balancer_reaches_a_public_service_on_its_port_only() -> None:
    mocks = declare(public_routes=PUBLIC)

    (ingress,) = mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert ingress.inputs["securityGroupId"] == "sg-orders"
    assert ingress.inputs["referencedSecurityGroupId"] == PLATFORM.alb_security_group_id
    assert (ingress.inputs["fromPort"], ingress.inputs["toPort"]) == (8000, 8000)
    assert "cidrIpv4" not in ingress.inputs
    alb_egress = mocks.named(
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "orders-alb-to-service"
    )
    assert alb_egress.inputs["referencedSecurityGroupId"] == "sg-orders"
    assert (alb_egress.inputs["fromPort"], alb_egress.inputs["toPort"]) == (8000, 8000)


def test_role_policies_name_their_actions_and_resources() -> None:
    mocks = declare(ServiceSettings(listener_priority=100, secrets={"ORDERS_DATABASE_URL": "/p/db"}))

    policies = mocks.of_type("aws:iam/rolePolicy:RolePolicy")
    assert policies, "the execution role needs a policy"
    for policy in policies:
        for statement in statements_of(policy.inputs["policy"]):
            actions = as_list(statement["Action"])
            assert all("*" not in action for action in actions), statement
            # ECR's login call and X-Ray's writes are the actions AWS offers no resource-level
            # permission for.
            if actions not in (["ecr:GetAuthorizationToken"], sorted(XRAY_WRITE_ACTIONS)):
                assert "*" not in as_list(statement["Resource"]), statement
    for role in mocks.of_type("aws:iam/role:Role"):
        (trust,) = statements_of(role.inputs["assumeRolePolicy"])
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}


def test_the_task_role_of_the_app_has_only_its_sidecars_permissions_by_default() -> None:
    mocks = declare()

    roles = sorted(
        (policy.inputs["role"], policy.name) for policy in mocks.of_type("aws:iam/rolePolicy:RolePolicy")
    )
    assert roles == [
        ("orders-execution-id", "orders-execution"),
        ("orders-task-id", "orders-key-ring"),
        ("orders-task-id", "orders-tracing"),
    ]


def test_secrets_come_from_ssm_and_the_execution_role_may_read_only_those() -> None:
    parameter = "/pantstack/test/orders/database-url"
    mocks = declare(ServiceSettings(listener_priority=100, secrets={"ORDERS_DATABASE_URL": parameter}))

    arn = f"arn:aws:ssm:{REGION}:{ACCOUNT_ID}:parameter{parameter}"
    assert container_of(mocks)["secrets"] == [
        {"name": "ORDERS_DATABASE_URL", "valueFrom": arn},
        {"name": "ORDERS_SIGNING_KEY", "valueFrom": PLATFORM.signing_key_secret_arns["orders"]},  # type: ignore[index]
    ]
    statements = statements_of(
        mocks.named("aws:iam/rolePolicy:RolePolicy", "orders-execution").inputs["policy"]
    )
    assert {"Sid": "ReadSecrets", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": [arn]} in (
        statements
    )


def test_without_secrets_the_execution_role_reads_no_parameters() -> None:
    statements = statements_of(
        declare().named("aws:iam/rolePolicy:RolePolicy", "orders-execution").inputs["policy"]
    )

    assert all(not action.startswith("ssm:") for s in statements for action in as_list(s["Action"]))


def test_the_image_defaults_to_the_module_repository_tagged_module_dash_version() -> None:
    container = container_of(declare(ServiceSettings(listener_priority=100, version="1.4.2")))

    repository = f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/pantstack/orders"
    assert container["image"] == f"{repository}:orders-1.4.2"


def test_an_image_from_config_is_used_as_given() -> None:
    container = container_of(declare(ServiceSettings(listener_priority=100, image="registry.example/o:1")))

    assert container["image"] == "registry.example/o:1"


def test_count_sizes_and_scaling_bounds_come_from_the_settings() -> None:
    settings = ServiceSettings(
        listener_priority=100, cpu=1024, memory=2048, desired_count=3, min_count=2, max_count=6
    )
    mocks = declare(settings)

    assert mocks.one("aws:ecs/service:Service").inputs["desiredCount"] == 3
    task = mocks.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert (task["cpu"], task["memory"]) == ("1024", "2048")
    target = mocks.one("aws:appautoscaling/target:Target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 6)
    assert target["resourceId"] == "service/platform/orders"
    policy = mocks.one("aws:appautoscaling/policy:Policy").inputs
    assert policy["targetTrackingScalingPolicyConfiguration"]["targetValue"] == 60


def test_logs_go_to_the_module_log_group_kept_as_long_as_the_platform_says() -> None:
    mocks = declare()

    log_group = mocks.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert log_group == {"name": "/pantstack/test/orders", "retentionInDays": 30}
    options = container_of(mocks)["logConfiguration"]["options"]
    assert options["awslogs-group"] == "/pantstack/test/orders"
    assert options["awslogs-region"] == REGION


def test_a_module_without_a_platform_repository_is_refused_with_what_to_do() -> None:
    with pytest.raises(
        ValueError, match=r"platform stack has no .* for 'billing'.*deploy the platform first"
    ):
        declare(module="billing")


def test_the_service_registers_under_its_module_name_in_the_platform_namespace() -> None:
    mocks = declare()

    discovery = mocks.one("aws:servicediscovery/service:Service").inputs
    assert discovery["name"] == "orders"
    assert discovery["dnsConfig"]["namespaceId"] == PLATFORM.service_namespace_id
    assert discovery["dnsConfig"]["dnsRecords"] == [{"type": "A", "ttl": 10}]
    service = mocks.one("aws:ecs/service:Service").inputs
    assert service["serviceRegistries"] == {
        "registryArn": f"arn:aws:servicediscovery:{REGION}:{ACCOUNT_ID}:orders"
    }
    assert service["networkConfiguration"]["securityGroups"] == ["sg-orders"]


def test_each_used_facade_url_names_the_producer_private_address_and_nothing_else() -> None:
    environment = {e["name"]: e["value"] for e in container_of(declare())["environment"]}

    assert environment["INVENTORY_URL"] == "http://inventory.test.pantstack.internal:8000"
    assert not {name for name in environment if name.endswith("_URL")} - {"INVENTORY_URL"}


@pytest.mark.parametrize("stack", ["test", "prod"])
def test_the_task_tells_the_service_its_environment_so_local_defaults_are_off(stack: str) -> None:
    environment = {e["name"]: e["value"] for e in container_of(declare(stack=stack))["environment"]}

    assert environment["PANTSTACK_ENVIRONMENT"] == stack


def test_a_stack_named_after_no_environment_the_service_knows_is_refused() -> None:
    with pytest.raises(ValueError, match="stack 'staging': a service knows the environments test, prod"):
        declare(stack="staging")
