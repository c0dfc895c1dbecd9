"""The platform program, run offline on its real test and prod stack config."""

import shutil
from pathlib import Path

import pulumi
import pytest

from infra.testing import (
    ACCOUNT_ID,
    REGION,
    RecordingMocks,
    fake_platform,
    load_stack_config,
    run_program_file,
)

PROJECT_DIR = Path(__file__).resolve().parents[1]
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/test"


def add_module(root: Path, name: str, *uses: str, infrastructure: bool = True) -> None:
    listed = ", ".join(f'"{used}"' for used in uses)
    (root / "modules" / name).mkdir(parents=True, exist_ok=True)
    (root / "modules" / name / "BUILD").write_text("")
    (root / "modules" / name / "module.toml").write_text(
        f'description = "{name}"\nowners = ["@acme/{name}"]\ntype = "http-api"\ndatabase = true\n'
        f'version = "0.1.0"\nuses = [{listed}]\n'
    )
    if infrastructure:
        (root / "modules" / name / "infrastructure").mkdir(exist_ok=True)
        (root / "modules" / name / "infrastructure" / "Pulumi.yaml").write_text(f"name: {name}\n")


def copy_program(root: Path) -> Path:
    main = root / "stack" / "platform" / "infrastructure" / "__main__.py"
    main.parent.mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "__main__.py", main)
    return main


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The program in a repo where shipping uses orders, and billing has no Pulumi project."""
    root = tmp_path_factory.mktemp("repo")
    add_module(root, "orders")
    add_module(root, "shipping", "orders")
    add_module(root, "billing", infrastructure=False)
    return copy_program(root)


def deploy(program: Path, env: str) -> RecordingMocks:
    # The certificate is set per account with `pulumi config set`, so the stack files lack it.
    config = {"platform:certificateArn": CERTIFICATE_ARN, **load_stack_config(PROJECT_DIR, env)}
    return run_program_file(program, project="platform", stack=env, config=config)


@pytest.fixture(scope="module", params=["test", "prod"])
def platform(program: Path, request: pytest.FixtureRequest) -> RecordingMocks:
    return deploy(program, request.param)


def test_public_and_private_subnets_span_two_zones_and_private_ones_get_no_public_ip(
    platform: RecordingMocks,
) -> None:
    subnets = {s.name: s.inputs for s in platform.of_type("aws:ec2/subnet:Subnet")}

    assert sorted(subnets) == [
        "private-us-east-1a",
        "private-us-east-1b",
        "public-us-east-1a",
        "public-us-east-1b",
    ]
    assert all(
        subnets[f"private-{zone}"]["mapPublicIpOnLaunch"] is False for zone in ("us-east-1a", "us-east-1b")
    )
    assert len({s["cidrBlock"] for s in subnets.values()}) == 4


def test_https_uses_the_configured_certificate_and_http_redirects_to_it(platform: RecordingMocks) -> None:
    https = platform.named("aws:lb/listener:Listener", "https").inputs
    http = platform.named("aws:lb/listener:Listener", "http").inputs

    assert (https["port"], https["protocol"], https["certificateArn"]) == (443, "HTTPS", CERTIFICATE_ARN)
    (redirect,) = http["defaultActions"]
    assert redirect["type"] == "redirect"
    assert redirect["redirect"] == {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}


def test_each_module_with_a_pulumi_project_gets_an_ecr_repository(platform: RecordingMocks) -> None:
    repositories = {r.name: r.inputs["name"] for r in platform.of_type("aws:ecr/repository:Repository")}

    assert sorted(repositories) == ["orders", "shipping"]
    assert repositories["orders"].endswith("/orders")


def test_the_exports_are_what_module_programs_read(platform: RecordingMocks) -> None:
    contract = fake_platform(["orders"]).as_stack_outputs()

    assert set(contract) <= set(platform.outputs)
    repository_name = platform.named("aws:ecr/repository:Repository", "orders").inputs["name"]
    registry = f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com"
    assert platform.outputs["repositoryUrls"]["orders"] == f"{registry}/{repository_name}"
    assert len(platform.outputs["privateSubnetIds"]) == 2


def test_prod_is_sturdier_than_test(program: Path) -> None:
    test, prod = deploy(program, "test"), deploy(program, "prod")

    assert len(test.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert len(prod.of_type("aws:ec2/natGateway:NatGateway")) == 2
    assert (test.outputs["logRetentionDays"], prod.outputs["logRetentionDays"]) == (14, 90)
    assert test.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is False
    assert prod.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is True


def test_without_a_certificate_the_program_stops(program: Path) -> None:
    with pytest.raises(pulumi.ConfigMissingError, match="platform:certificateArn"):
        run_program_file(
            program,
            project="platform",
            stack="test",
            config=load_stack_config(PROJECT_DIR, "test"),
        )


def test_each_module_gets_a_security_group_open_only_to_the_modules_that_use_it(
    platform: RecordingMocks,
) -> None:
    groups = {g.name for g in platform.of_type("aws:ec2/securityGroup:SecurityGroup")}
    rules = platform.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    between_modules = [r for r in rules if "referencedSecurityGroupId" in r.inputs]

    assert {"orders-service", "shipping-service"} <= groups
    (rule,) = between_modules
    assert rule.name == "shipping-to-orders"
    assert rule.inputs["securityGroupId"] == "orders-service-id"
    assert rule.inputs["referencedSecurityGroupId"] == "shipping-service-id"
    assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 8000, 8000)
    assert platform.outputs["serviceSecurityGroupIds"] == {
        "orders": "orders-service-id",
        "shipping": "shipping-service-id",
    }


def test_a_private_namespace_names_each_service_and_wires_uses_to_it(platform: RecordingMocks) -> None:
    namespace = platform.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").inputs
    env = namespace["name"].split(".")[0]

    assert namespace["name"] == f"{env}.pantstack.internal"
    assert namespace["vpc"] == "vpc-id"
    assert platform.outputs["serviceNamespaceId"] == "services-id"
    assert platform.outputs["dependencyUrls"] == {
        "orders": {},
        "shipping": {"ORDERS_URL": f"http://orders.{env}.pantstack.internal:8000"},
    }


def test_a_use_of_a_module_without_a_stack_stops_the_platform_naming_both(
    tmp_path: Path,
) -> None:
    add_module(tmp_path, "billing", infrastructure=False)
    add_module(tmp_path, "orders", "billing")

    with pytest.raises(Exception, match=r"modules/orders/module.toml uses 'billing', which has no stack"):
        deploy(copy_program(tmp_path), "test")


def test_module_databases_get_a_subnet_group_of_the_private_subnets_only(platform: RecordingMocks) -> None:
    group = platform.one("aws:rds/subnetGroup:SubnetGroup").inputs

    assert group["subnetIds"] == ["private-us-east-1a-id", "private-us-east-1b-id"]
    assert platform.outputs["databaseSubnetGroupName"] == "databases"
