"""ModuleService: one module's FastAPI service on the shared platform (ECS Fargate behind the ALB)."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.database import ModuleDatabase
from infra.discovery import CONTAINER_PORT, DNS_TTL_SECONDS
from infra.identity import KEY_RING_VOLUME, key_ring_task_role_policy, with_key_ring
from infra.migration import ModuleMigration
from infra.platform_outputs import PlatformOutputs, module_entry
from infra.policies import ECS_TASKS_ASSUME_ROLE, execution_role_policy
from infra.settings import ServiceSettings
from infra.tracing import tracing_task_role_policy, with_collector
from manifest import EVENTS_BROKER_URL

# The load balancer checks this path.
HEALTH_CHECK_PATH = "/health"
# The environments a service knows (service_kit's PANTSTACK_ENVIRONMENT, besides `local`).
DEPLOYED_ENVIRONMENTS = ("test", "prod")


class ModuleService(pulumi.ComponentResource):
    """Task definition, ECS service registered in the private namespace under the module's name,
    target group, listener rule, log group, task and execution roles, and CPU autoscaling of one
    module in one environment (the stack); with a database, the one-off migration task the service
    waits for. Its security group and peers' access to it are the platform's, drawn from the
    manifests."""

    service_name: pulumi.Output[str]
    image: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    task_role_name: pulumi.Output[str]

    def __init__(
        self,
        module: str,
        platform: PlatformOutputs,
        settings: ServiceSettings,
        opts: pulumi.ResourceOptions | None = None,
        *,
        database: ModuleDatabase | None = None,
        public_routes: Sequence[str] = (),
        events_broker_url_secret_arn: pulumi.Input[str] | None = None,
    ) -> None:
        """`database`: the module's ModuleDatabase; its URL secret is given to the container as
        <MODULE>_DATABASE_URL, and each deploy migrates it in a one-off task before the service
        rolls out (infra.migration). `public_routes`: the manifest's; each prefix, and what lies below it,
        is routed from the internet-facing listener after the load balancer validated the caller's
        end-user JWT. Without any, the service has no target group and only its peers reach it.
        `events_broker_url_secret_arn`: for a module that publishes or subscribes, the platform's
        secret of the events broker's URL (infra/broker.py), given as EVENTS_BROKER_URL; only such a
        module's execution role may read it."""
        super().__init__("pantstack:infra:ModuleService", module, None, opts)
        env = pulumi.get_stack()
        if env not in DEPLOYED_ENVIRONMENTS:
            raise ValueError(
                f"stack '{env}': a service knows the environments {', '.join(DEPLOYED_ENVIRONMENTS)} "
                "(PANTSTACK_ENVIRONMENT); name the stack after one of them"
            )
        child = pulumi.ResourceOptions(parent=self)
        database_url_secret_arn = database.url_secret_arn if database else None
        region = aws.get_region_output().region
        account_id = aws.get_caller_identity_output().account_id
        partition = aws.get_partition_output().partition
        repository_url = module_entry(platform.repository_urls, module, env, "ECR repository")
        repository_arn = module_entry(platform.repository_arns, module, env, "ECR repository")
        security_group_id = module_entry(platform.service_security_group_ids, module, env, "security group")
        dependency_urls = module_entry(platform.dependency_urls, module, env, "service wiring")
        signing_key_secret_arn = module_entry(platform.signing_key_secret_arns, module, env, "signing key")
        self.image = (
            pulumi.Output.from_input(settings.image)
            if settings.image
            else repository_url.apply(lambda url: f"{url}:{module}-{settings.version}")
        )

        log_group = aws.cloudwatch.LogGroup(
            f"{module}-logs",
            name=f"/pantstack/{env}/{module}",
            retention_in_days=settings.log_retention_days or platform.log_retention_days,
            opts=child,
        )

        # The execution role is ECS's (pull, logs, secrets); the task role is the app's, and has only
        # what its tracing collector needs (infra/tracing.py) until the module needs more.
        execution_role = aws.iam.Role(
            f"{module}-execution",
            description=f"ECS starts {module} ({env}): image pull, logs, secrets",
            assume_role_policy=ECS_TASKS_ASSUME_ROLE,
            opts=child,
        )
        secret_parameter_arns = pulumi.Output.all(partition, region, account_id).apply(
            lambda p: [f"arn:{p[0]}:ssm:{p[1]}:{p[2]}:parameter{name}" for name in settings.secrets.values()]
        )
        aws.iam.RolePolicy(
            f"{module}-execution",
            role=execution_role.id,
            policy=pulumi.Output.all(
                repository_arn,
                log_group.arn,
                secret_parameter_arns,
                database_url_secret_arn,
                signing_key_secret_arn,
                events_broker_url_secret_arn,
            ).apply(
                lambda a: execution_role_policy(
                    repository_arn=a[0],
                    log_group_arn=a[1],
                    secret_parameter_arns=a[2],
                    secrets_manager_arns=[*([a[3]] if a[3] else []), a[4], *([a[5]] if a[5] else [])],
                )
            ),
            opts=child,
        )
        task_role = aws.iam.Role(
            f"{module}-task",
            description=f"The {module} application ({env})",
            assume_role_policy=ECS_TASKS_ASSUME_ROLE,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{module}-tracing", role=task_role.id, policy=tracing_task_role_policy(), opts=child
        )
        aws.iam.RolePolicy(
            f"{module}-key-ring",
            role=task_role.id,
            policy=pulumi.Output.from_input(platform.jwks_secret_arn).apply(key_ring_task_role_policy),
            opts=child,
        )

        # Private by default: only a manifest's public_routes reach the internet-facing listener.
        public = (
            _expose_publicly(module, platform, settings, security_group_id, public_routes, child)
            if public_routes
            else None
        )

        # Peers find the tasks as <module>.<env namespace>: one A record per running task.
        discovery = aws.servicediscovery.Service(
            module,
            name=module,
            description=f"{module} ({env}): the address its peers' <MODULE>_URL names",
            namespace_id=platform.service_namespace_id,
            dns_config=aws.servicediscovery.ServiceDnsConfigArgs(
                namespace_id=platform.service_namespace_id,
                dns_records=[
                    aws.servicediscovery.ServiceDnsConfigDnsRecordArgs(type="A", ttl=DNS_TTL_SECONDS)
                ],
                routing_policy="MULTIVALUE",
            ),
            # ECS reports task health; a task leaves DNS when it stops or fails its checks.
            health_check_custom_config=aws.servicediscovery.ServiceHealthCheckCustomConfigArgs(
                failure_threshold=1
            ),
            opts=child,
        )

        container = pulumi.Output.all(
            self.image,
            log_group.name,
            region,
            secret_parameter_arns,
            dependency_urls,
            database_url_secret_arn,
            events_broker_url_secret_arn,
        ).apply(
            lambda a: _container_definition(
                module,
                settings,
                env=env,
                image=a[0],
                log_group=a[1],
                region=a[2],
                secret_arns={
                    **dict(zip(settings.secrets, a[3], strict=True)),
                    **({f"{_prefix(module)}_DATABASE_URL": a[5]} if a[5] else {}),
                    **({EVENTS_BROKER_URL: a[6]} if a[6] else {}),
                },
                dependency_urls=a[4],
            )
        )
        task_definition = aws.ecs.TaskDefinition(
            module,
            family=f"{module}-{env}",
            cpu=str(settings.cpu),
            memory=str(settings.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            # The service beside its OpenTelemetry collector (infra/tracing.py) and its key ring's
            # refresher (infra/identity.py), sharing the key ring's volume.
            container_definitions=pulumi.Output.all(
                container, log_group.name, region, signing_key_secret_arn, platform.jwks_secret_arn
            ).apply(
                lambda a: json.dumps(
                    with_key_ring(
                        with_collector(a[0], log_group=a[1], region=a[2]),
                        module=module,
                        signing_key_secret_arn=a[3],
                        jwks_secret_arn=a[4],
                        log_group=a[1],
                        region=a[2],
                    )
                )
            ),
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=KEY_RING_VOLUME)],
            opts=child,
        )
        migration = (
            ModuleMigration(
                module,
                platform,
                service_container=container,
                cpu=str(settings.cpu),
                memory=str(settings.memory),
                execution_role_arn=execution_role.arn,
                task_role_arn=task_role.arn,
                security_group_id=security_group_id,
                database=database,
                opts=child,
            )
            if database
            else None
        )

        service = aws.ecs.Service(
            module,
            name=module,
            cluster=platform.cluster_arn,
            task_definition=task_definition.arn,
            launch_type="FARGATE",
            # Each `up` sets this count; autoscaling then moves it between minCount and maxCount.
            desired_count=settings.desired_count,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=platform.private_subnet_ids,
                security_groups=[security_group_id],
                assign_public_ip=False,
            ),
            service_registries=aws.ecs.ServiceServiceRegistriesArgs(registry_arn=discovery.arn),
            load_balancers=(
                [
                    aws.ecs.ServiceLoadBalancerArgs(
                        target_group_arn=public[0].arn, container_name=module, container_port=CONTAINER_PORT
                    )
                ]
                if public
                else []
            ),
            health_check_grace_period_seconds=60 if public else None,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            propagate_tags="SERVICE",
            # ECS refuses a target group that no listener uses yet; new tasks start on a migrated schema.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*([public[1]] if public else []), *([migration.run] if migration else [])],
            ),
        )

        scaling_target = aws.appautoscaling.Target(
            module,
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", platform.cluster_name, "/", service.name),
            min_capacity=settings.min_count,
            max_capacity=settings.max_count,
            opts=child,
        )
        aws.appautoscaling.Policy(
            f"{module}-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=scaling_target.service_namespace,
            scalable_dimension=scaling_target.scalable_dimension,
            resource_id=scaling_target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=settings.cpu_target_percent,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ECSServiceAverageCPUUtilization"
                ),
                scale_in_cooldown=300,
                scale_out_cooldown=60,
            ),
            opts=child,
        )

        self.service_name = service.name
        self.log_group_name = log_group.name
        self.task_role_name = task_role.name
        self.register_outputs(
            {
                "service_name": self.service_name,
                "image": self.image,
                "log_group_name": self.log_group_name,
                "task_role_name": self.task_role_name,
            }
        )


def _container_definition(
    module: str,
    settings: ServiceSettings,
    *,
    env: str,
    image: str,
    log_group: str,
    region: str,
    secret_arns: Mapping[str, str],
    dependency_urls: Mapping[str, str],
) -> dict[str, Any]:
    prefix = _prefix(module)
    # The service must listen on all interfaces of the task, on the port the target group uses;
    # each facade it uses is reached at its private name (the platform's wiring of `uses`).
    environment = {
        **settings.environment,
        **dependency_urls,
        f"{prefix}_HOST": "0.0.0.0",
        f"{prefix}_PORT": str(CONTAINER_PORT),
        # Deployed: a peer without its <DEP>_URL stops the service at start (no local default).
        "PANTSTACK_ENVIRONMENT": env,
        # Deployed, reads need a valid token too, unless the stack config opts out (anonymousReads).
        f"{prefix}_AUTH_PROTECT_READS": "false" if settings.anonymous_reads else "true",
    }
    return {
        "name": module,
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": CONTAINER_PORT, "protocol": "tcp"}],
        # The image's own check (stack/docker/Dockerfile); without a load balancer it is what marks a
        # task unhealthy, for ECS and for the Cloud Map records peers resolve.
        "healthCheck": {
            "command": ["CMD", "/opt/app/bin/python", "-m", "service_kit.healthcheck"],
            "interval": 10,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 60,
        },
        "environment": [{"name": name, "value": value} for name, value in sorted(environment.items())],
        "secrets": [{"name": name, "valueFrom": arn} for name, arn in sorted(secret_arns.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": module,
            },
        },
    }


def _prefix(module: str) -> str:
    """The module's settings prefix: ORDERS for orders."""
    return module.upper().replace("-", "_")


def _expose_publicly(
    module: str,
    platform: PlatformOutputs,
    settings: ServiceSettings,
    security_group_id: pulumi.Input[str],
    public_routes: Sequence[str],
    child: pulumi.ResourceOptions,
) -> tuple[aws.lb.TargetGroup, aws.lb.ListenerRule]:
    """Target group, load balancer ↔ service rules and the listener rule of a module's public routes."""
    aws.vpc.SecurityGroupIngressRule(
        f"{module}-from-alb",
        security_group_id=security_group_id,
        referenced_security_group_id=platform.alb_security_group_id,
        ip_protocol="tcp",
        from_port=CONTAINER_PORT,
        to_port=CONTAINER_PORT,
        opts=child,
    )
    # The platform's load balancer has no egress of its own: each public module opens its own port.
    aws.vpc.SecurityGroupEgressRule(
        f"{module}-alb-to-service",
        security_group_id=platform.alb_security_group_id,
        referenced_security_group_id=security_group_id,
        ip_protocol="tcp",
        from_port=CONTAINER_PORT,
        to_port=CONTAINER_PORT,
        opts=child,
    )
    target_group = aws.lb.TargetGroup(
        module,
        port=CONTAINER_PORT,
        protocol="HTTP",
        target_type="ip",
        vpc_id=platform.vpc_id,
        deregistration_delay=30,
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            path=HEALTH_CHECK_PATH,
            matcher="200",
            interval=15,
            timeout=5,
            healthy_threshold=2,
            unhealthy_threshold=3,
        ),
        opts=child,
    )

    def end_user_jwt(issuer_and_jwks: list[str]) -> aws.lb.ListenerRuleActionJwtValidationArgs:
        issuer, jwks = issuer_and_jwks
        if not issuer or not jwks:
            raise ValueError(
                f"modules/{module}/module.toml has public_routes, but the platform has no end-user JWT "
                "issuer: set platform:endUserJwtIssuer and platform:endUserJwksUrl (an OIDC provider's "
                "issuer and JWKS URL) and deploy the platform; nothing is public anonymously"
            )
        return aws.lb.ListenerRuleActionJwtValidationArgs(issuer=issuer, jwks_endpoint=jwks)

    # Each prefix and what lies below it, but not "/api/v1/<module>s…" of another module.
    listener_rule = aws.lb.ListenerRule(
        module,
        listener_arn=platform.alb_listener_arn,
        priority=settings.listener_priority,
        conditions=[
            aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(
                    values=[pattern for prefix in public_routes for pattern in (prefix, f"{prefix}/*")]
                )
            )
        ],
        actions=[
            # The load balancer refuses a request without a valid end-user token (401) before
            # it reaches the service.
            aws.lb.ListenerRuleActionArgs(
                type="jwt-validation",
                order=1,
                jwt_validation=pulumi.Output.all(
                    platform.end_user_jwt_issuer, platform.end_user_jwks_url
                ).apply(end_user_jwt),
            ),
            aws.lb.ListenerRuleActionArgs(type="forward", order=2, target_group_arn=target_group.arn),
        ],
        opts=child,
    )
    return target_group, listener_rule
