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


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The program in a repo with two deployable modules and one without a Pulumi project."""
    root = tmp_path_factory.mktemp("repo")
    for module in ("orders", "shipping"):
        (root / "modules" / module / "infrastructure").mkdir(parents=True)
        (root / "modules" / module / "infrastructure" / "Pulumi.yaml").write_text(f"name: {module}\n")
    (root / "modules" / "billing").mkdir()
    main = root / "stack" / "platform" / "infrastructure" / "__main__.py"
    main.parent.mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "__main__.py", main)
    return main


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
