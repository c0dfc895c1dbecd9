"""Offline test double for Pulumi programs: Pulumi's mock engine, recording what a program declares.

    platform = {"organization/platform/test": fake_platform(["orders"]).as_stack_outputs()}
    mocks = run_program_file(main_py, project="orders", stack="test",
                             config=load_stack_config(main_py.parent, "test"), stack_references=platform)
    service = mocks.one("aws:ecs/service:Service")
"""

import asyncio
import json
import runpy
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pulumi
import pytest
import yaml
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks
from pulumi.runtime.mocks import MockMonitor

from infra.discovery import namespace_name, service_url
from infra.identity import KEY_RING_CONTAINER
from infra.platform_outputs import PlatformOutputs
from infra.tracing import COLLECTOR_CONTAINER
from manifest import Manifest, dependency_urls

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
END_USER_JWT_ISSUER = "https://login.example.com/"
# What every generated password is under the mocks, so a test can look for it where it must not be.
MOCK_PASSWORD = "mockpassword0123456789abcdefghij"

# What the AWS data sources the programs use answer, by invoke token.
_INVOKE_RESULTS: Mapping[str, Mapping[str, Any]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/test",
        "id": ACCOUNT_ID,
        "userId": "AIDATEST",
    },
    "aws:index/getRegion:getRegion": {"id": REGION, "name": REGION, "region": REGION},
    "aws:index/getPartition:getPartition": {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com"},
    "aws:index/getAvailabilityZones:getAvailabilityZones": {
        "id": REGION,
        "names": [f"{REGION}a", f"{REGION}b", f"{REGION}c"],
        "zoneIds": ["use1-az1", "use1-az2", "use1-az4"],
    },
}


@dataclass(frozen=True)
class DeclaredResource:
    """One resource as the program declared it: its type token, logical name, inputs, and the
    resources (type, name) the engine must finish before it, from depends_on and from its inputs."""

    type: str
    name: str
    inputs: Mapping[str, Any]
    waits_for: frozenset[tuple[str, str]] = frozenset()


class RecordingMocks(Mocks):
    """Answers for the engine and AWS, offline; remembers every resource and stack output."""

    def __init__(self, stack_references: Mapping[str, Mapping[str, Any]]) -> None:
        self.stack_references = stack_references
        self.resources: list[DeclaredResource] = []
        self.outputs: dict[str, Any] = {}
        # Filled by _DependencyRecordingMonitor just before it calls new_resource.
        self._waits_for: dict[tuple[str, str], frozenset[tuple[str, str]]] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        waits_for = self._waits_for.get((args.typ, args.name), frozenset())
        self.resources.append(DeclaredResource(args.typ, args.name, args.inputs, waits_for))
        if args.typ == "pulumi:pulumi:StackReference":
            if args.name not in self.stack_references:
                raise KeyError(f"no such stack in this test: {args.name}")
            return args.name, {"name": args.name, "outputs": dict(self.stack_references[args.name])}
        resource_id = f"{args.name}-id"
        return resource_id, {
            **_computed_outputs(args.typ, args.name, resource_id, args.inputs),
            **args.inputs,
        }

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        if args.token not in _INVOKE_RESULTS:
            raise NotImplementedError(f"no mock answer for the data source {args.token}")
        return dict(_INVOKE_RESULTS[args.token]), []

    def of_type(self, type_token: str) -> list[DeclaredResource]:
        return [resource for resource in self.resources if resource.type == type_token]

    def one(self, type_token: str) -> DeclaredResource:
        (resource,) = self.of_type(type_token)
        return resource

    def named(self, type_token: str, name: str) -> DeclaredResource:
        (resource,) = (resource for resource in self.of_type(type_token) if resource.name == name)
        return resource


class _DependencyRecordingMonitor(MockMonitor):
    """Pulumi's mock engine, also noting which resources each registration waits for (MockResourceArgs
    carries no dependencies), so a test can check an ordering such as migration before service."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks

    def RegisterResource(self, request: Any) -> Any:
        self.recording._waits_for[(request.type, request.name)] = frozenset(
            _type_and_name(urn) for urn in request.dependencies
        )
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]  # pulumi leaves it untyped


def _type_and_name(urn: str) -> tuple[str, str]:
    """urn:pulumi:<stack>::<project>::<parent types$>type::name → (type, name)."""
    _, qualified_type, name = urn.rsplit("::", 2)
    return qualified_type.rsplit("$", 1)[-1], name


def run_program(
    program: Callable[[], object],
    *,
    project: str,
    stack: str,
    config: Mapping[str, Any],
    stack_references: Mapping[str, Mapping[str, Any]] | None = None,
) -> RecordingMocks:
    """Run `program` under Pulumi's mocks until every resource is registered; return the record.

    Config is set before the program runs, as the Pulumi CLI would; `pulumi.runtime.test` waits for
    all outputs, so a failure inside an `apply` fails the caller instead of passing silently.
    """
    mocks = RecordingMocks(stack_references or {})
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=False, monitor=_DependencyRecordingMonitor(mocks)
    )
    # The CLI hands every config value to the program as a string, structured values as JSON.
    pulumi.runtime.set_all_config(
        {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    )
    # Under mocks, stack outputs go to a root stack nobody reports on: catch them on the way there.
    exports: dict[str, Any] = {}

    def record_export(name: str, value: Any) -> None:
        exports[name] = value

    def body() -> pulumi.Output[None]:
        with mock.patch.object(pulumi, "export", record_export):
            program()
        return pulumi.Output.from_input(exports).apply(mocks.outputs.update)

    try:
        pulumi.runtime.test(body)()  # type: ignore[no-untyped-call]  # pulumi leaves the decorator untyped
    except Exception:
        _settle_leftover_tasks()
        raise
    return mocks


def _settle_leftover_tasks() -> None:
    """A failed run leaves its other registrations pending; finish them now, not in the next run."""
    loop = asyncio.get_event_loop()
    leftovers = asyncio.all_tasks(loop)
    if leftovers:
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))


def run_program_file(program: Path, **kwargs: Any) -> RecordingMocks:
    """Run a Pulumi program's `__main__.py` afresh, the way Pulumi's Python host does (runpy)."""
    return run_program(lambda: runpy.run_path(str(program), run_name="__main__"), **kwargs)


def load_stack_config(project_dir: Path, stack: str) -> dict[str, Any]:
    """The `config:` block of the project's Pulumi.<stack>.yaml, keys as written (`orders:cpu`)."""
    document = yaml.safe_load((project_dir / f"Pulumi.{stack}.yaml").read_text()) or {}
    return dict(document.get("config") or {})


def deploy_module_program(
    project_dir: Path,
    module: str,
    env: str,
    uses: Sequence[str] = (),
    *,
    database: bool = True,
    public_routes: Sequence[str] = (),
) -> RecordingMocks:
    """Run a module's real `__main__.py` on its real Pulumi.<env>.yaml against a fake platform that
    wired it to the modules it `uses`, as the platform program does from its manifest.

    The program runs from a scratch repo holding it and a modules/<module>/module.toml with
    `database` and `uses` (the tests' sandbox has no manifests of its own).
    """
    repo = Path(tempfile.mkdtemp(prefix="pantstack-stack-"))
    infrastructure = repo / "modules" / module / "infrastructure"
    infrastructure.mkdir(parents=True)
    for source in [project_dir / "__main__.py", *project_dir.glob("Pulumi*.yaml")]:
        shutil.copy(source, infrastructure / source.name)
    listed, routes = (", ".join(f'"{item}"' for item in items) for items in (uses, public_routes))
    (infrastructure.parent / "module.toml").write_text(
        f'description = "{module}"\nowners = ["@acme/{module}"]\ntype = "http-api"\n'
        f'database = {str(database).lower()}\nversion = "0.1.0"\nuses = [{listed}]\n'
        f"public_routes = [{routes}]\n"
    )
    platform = fake_platform([module, *uses], uses={module: uses}, env=env)
    return run_program_file(
        infrastructure / "__main__.py",
        project=module,
        stack=env,
        config=load_stack_config(project_dir, env),
        stack_references={f"organization/platform/{env}": platform.as_stack_outputs()},
    )


ENVS = ("test", "prod")


def assert_service_basics(
    mocks: RecordingMocks,
    module: str,
    env: str,
    stack_config: Mapping[str, Any],
    *,
    uses: Sequence[str] = (),
    database: bool = True,
) -> None:
    """What every module program must declare in `env` (`mocks` from deploy_module_program, on the
    `stack_config` of that env): the platform stack of its own env; nothing on the load balancer;
    port 8000; reads protected; registered under its name and reaching exactly the modules it
    `uses` at their private names; sized and scaled as its stack config says; its signing key, and
    with a database the database's URL, read from secrets; with a database, an encrypted instance
    (in prod protected from deletion, in two zones, with at least a week of backups) migrated by a
    one-off task before the service rolls out, and without one neither."""
    name = module.upper()
    (reference,) = mocks.of_type("pulumi:pulumi:StackReference")
    assert reference.name == f"organization/platform/{env}"
    assert mocks.of_type("aws:lb/listenerRule:ListenerRule") == []
    assert mocks.of_type("aws:lb/targetGroup:TargetGroup") == []
    container = module_container(
        mocks.named("aws:ecs/taskDefinition:TaskDefinition", module).inputs["containerDefinitions"]
    )
    assert container["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    environment = {variable["name"]: variable["value"] for variable in container["environment"]}
    assert environment[f"{name}_AUTH_PROTECT_READS"] == "true"
    assert environment["PANTSTACK_ENVIRONMENT"] == env
    assert {key: value for key, value in environment.items() if key.endswith("_URL")} == {
        f"{used.upper()}_URL": f"http://{used}.{env}.pantstack.internal:8000" for used in uses
    }
    assert mocks.one("aws:servicediscovery/service:Service").inputs["name"] == module
    assert mocks.outputs["serviceName"] == module
    assert mocks.outputs["image"].endswith(f"/pantstack/{module}:{module}-latest")
    assert service_sizes(mocks) == {
        "desired": stack_config[f"{module}:desiredCount"],
        "cpu": str(stack_config[f"{module}:cpu"]),
        "memory": str(stack_config[f"{module}:memory"]),
        "bounds": (stack_config[f"{module}:minCount"], stack_config[f"{module}:maxCount"]),
    }
    secrets = {secret["name"] for secret in container["secrets"]}
    assert secrets == {f"{name}_SIGNING_KEY", *([f"{name}_DATABASE_URL"] if database else [])}
    migrations = [
        t for t in mocks.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name == f"{module}-migrate"
    ]
    if not database:
        assert mocks.of_type("aws:rds/instance:Instance") == [] and migrations == []
        return
    instance = mocks.one("aws:rds/instance:Instance").inputs
    assert instance["storageEncrypted"] is True
    if env == "prod":
        assert (instance["deletionProtection"], instance["multiAz"]) == (True, True)
        assert instance["backupRetentionPeriod"] >= 7
    assert ("command:local:Command", f"{module}-migrate") in mocks.one("aws:ecs/service:Service").waits_for
    (migration,) = migrations
    assert module_container(migration.inputs["containerDefinitions"])["command"] == ["--migrate"]
    assert migration.inputs["family"] == f"{module}-{env}-migrate"


class ModuleProgramTests:
    """The tests every module's Pulumi program gets: subclass it as `Test<Module>Program` in
    modules/<m>/infrastructure/tests, setting `module`, `uses` (as its module.toml says; the
    platform wires these from the manifests) and `database`; add the module's own tests beside."""

    module: str
    uses: tuple[str, ...] = ()
    database: bool = True

    @pytest.fixture(scope="class")
    def project_dir(self, request: pytest.FixtureRequest) -> Path:
        return Path(request.path).resolve().parents[1]

    @pytest.fixture(scope="class")
    def deployed(self, project_dir: Path) -> dict[str, RecordingMocks]:
        return {
            env: deploy_module_program(project_dir, self.module, env, self.uses, database=self.database)
            for env in ENVS
        }

    @pytest.mark.parametrize("env", ENVS)
    def test_the_program_declares_a_private_service_wired_to_its_peers_as_its_config_says(
        self, deployed: dict[str, RecordingMocks], project_dir: Path, env: str
    ) -> None:
        assert_service_basics(
            deployed[env],
            self.module,
            env,
            load_stack_config(project_dir, env),
            uses=self.uses,
            database=self.database,
        )


def service_sizes(mocks: RecordingMocks) -> dict[str, Any]:
    """Desired count, CPU, memory and autoscaling bounds of the one service a module program declares."""
    service = mocks.one("aws:ecs/service:Service")
    # The service's task definition, not its one-off migration's.
    task = mocks.named("aws:ecs/taskDefinition:TaskDefinition", service.name).inputs
    scaling = mocks.one("aws:appautoscaling/target:Target").inputs
    return {
        "desired": service.inputs["desiredCount"],
        "cpu": task["cpu"],
        "memory": task["memory"],
        "bounds": (scaling["minCapacity"], scaling["maxCapacity"]),
    }


def module_container(container_definitions: str) -> dict[str, Any]:
    """The module's own container of a task definition's JSON (its tracing collector and key-ring
    refresher run beside it)."""
    sidecars = (COLLECTOR_CONTAINER, KEY_RING_CONTAINER)
    (container,) = (c for c in json.loads(container_definitions) if c["name"] not in sidecars)
    return dict(container)


# RFC 8037's Ed25519 example public key (appendix A.2), whose RFC 7638 thumbprint the RFC gives.
MOCK_ED25519_PUBLIC_KEY_PEM = "\n".join(
    [
        "-----BEGIN PUBLIC KEY-----",
        "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        "-----END PUBLIC KEY-----\n",
    ]
)


def fake_platform(
    modules: Iterable[str], *, uses: Mapping[str, Sequence[str]] | None = None, env: str = "test"
) -> PlatformOutputs:
    """A deployed platform with one ECR repository and security group per module, and each module
    wired to the ones it `uses` (none unless given); `.as_stack_outputs()` for a StackReference."""
    modules = list(modules)
    manifests = [
        Manifest(m, m, ("@acme/team",), "http-api", True, "0.1.0", tuple((uses or {}).get(m, ())))
        for m in modules
    ]
    namespace = namespace_name(env)
    arn = f"arn:aws:{{}}:{REGION}:{ACCOUNT_ID}:{{}}"
    return PlatformOutputs(
        vpc_id="vpc-platform",
        private_subnet_ids=["subnet-private-a", "subnet-private-b"],
        cluster_arn=arn.format("ecs", "cluster/platform"),
        cluster_name="platform",
        alb_listener_arn=arn.format("elasticloadbalancing", "listener/app/platform/1/2"),
        alb_security_group_id="sg-alb",
        repository_urls={m: f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/pantstack/{m}" for m in modules},
        repository_arns={m: arn.format("ecr", f"repository/pantstack/{m}") for m in modules},
        log_retention_days=30,
        database_subnet_group_name="platform-databases",
        end_user_jwt_issuer=END_USER_JWT_ISSUER,
        end_user_jwks_url=f"{END_USER_JWT_ISSUER}.well-known/jwks.json",
        service_namespace_id="ns-services",
        service_security_group_ids={m: f"sg-{m}" for m in modules},
        dependency_urls=dependency_urls(manifests, lambda used: service_url(used, namespace)),
        signing_key_secret_arns={
            m: arn.format("secretsmanager", f"secret:pantstack/{env}/{m}/signing-key") for m in modules
        },
        jwks_secret_arn=arn.format("secretsmanager", f"secret:pantstack/{env}/service-jwks"),
    )


def _computed_outputs(
    type_token: str, name: str, resource_id: str, inputs: Mapping[str, Any]
) -> dict[str, Any]:
    """What AWS would fill in on creation: ARNs, names from autonaming, repository URLs, DNS names."""
    service = type_token.split(":")[1].split("/")[0]
    outputs: dict[str, Any] = {
        "arn": f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{name}",
        "id": resource_id,
        "name": inputs.get("name", name),
    }
    if type_token == "aws:ecr/repository:Repository":
        outputs["repositoryUrl"] = f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/{outputs['name']}"
    if type_token == "random:index/randomPassword:RandomPassword":
        outputs["result"] = MOCK_PASSWORD
    if type_token == "tls:index/privateKey:PrivateKey":
        outputs["privateKeyPem"] = f"MOCK PRIVATE KEY OF {name}"
        outputs["publicKeyPem"] = MOCK_ED25519_PUBLIC_KEY_PEM
    if type_token == "aws:memorydb/cluster:Cluster":
        outputs["clusterEndpoints"] = [
            {"address": f"clustercfg.{name}.abcdef.memorydb.{REGION}.amazonaws.com"}
        ]
    if type_token == "aws:rds/instance:Instance":
        outputs["address"] = f"{name}.abcdefghij.{REGION}.rds.amazonaws.com"
    if type_token == "aws:lb/loadBalancer:LoadBalancer":
        outputs["dnsName"] = f"{name}-1234567890.{REGION}.elb.amazonaws.com"
    return outputs
