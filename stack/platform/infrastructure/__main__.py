"""Pulumi program of the shared platform: network, ECS cluster, HTTPS load balancer, ECR repositories,
the private service network the module manifests' `uses` draw (namespace, security groups, URLs), and
the events broker once a manifest `publishes`."""

import ipaddress
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra import CONTAINER_PORT, PlatformOutputs, namespace_name, service_url
from infra.broker import BrokerClient, BrokerSettings, EventsBroker
from infra.identity import PlatformIdentity

# stack/tools/manifest.py (stdlib only), on PYTHONPATH from `make stack-*`: the same reader and the
# same URL function as docker-compose.yml and `make dev`.
from manifest import check_deployable, dependency_urls, event_modules, load_all

ZONES = 2
# Every module with a Pulumi project gets an ECR repository: the same rule `make stack-*` uses.
REPO_ROOT = Path(__file__).resolve().parents[3]
modules = sorted(
    project.parents[1].name for project in REPO_ROOT.glob("modules/*/infrastructure/Pulumi.yaml")
)
# Only deployed modules' manifests count; one that uses a module without a stack stops here.
manifests = [m for m in load_all(REPO_ROOT) if m.name in modules]
check_deployable(manifests, set(modules))

config = pulumi.Config()
vpc_cidr = ipaddress.ip_network(config.get("vpcCidr", "10.0.0.0/16"))
# 1 NAT gateway is cheap (test); one per zone survives the loss of a zone (prod).
nat_gateways = config.get_int("natGateways", ZONES)
log_retention_days = config.get_int("logRetentionDays", 30)
if not 1 <= nat_gateways <= ZONES:
    raise ValueError(f"platform:natGateways must be 1..{ZONES}, not {nat_gateways}")

# Two zones, each with a public subnet (load balancer, NAT) and a private one (services): /20s of the VPC.
zones = aws.get_availability_zones(state="available").names[:ZONES]
subnet_cidrs = iter(vpc_cidr.subnets(new_prefix=20))
vpc = aws.ec2.Vpc("vpc", cidr_block=str(vpc_cidr), enable_dns_hostnames=True, enable_dns_support=True)
internet_gateway = aws.ec2.InternetGateway("igw", vpc_id=vpc.id)
public_routes = aws.ec2.RouteTable(
    "public",
    vpc_id=vpc.id,
    routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=internet_gateway.id)],
)
public_subnets: list[aws.ec2.Subnet] = []
private_subnets: list[aws.ec2.Subnet] = []
nats: list[aws.ec2.NatGateway] = []
for index, zone in enumerate(zones):
    public = aws.ec2.Subnet(
        f"public-{zone}", vpc_id=vpc.id, availability_zone=zone, cidr_block=str(next(subnet_cidrs))
    )
    aws.ec2.RouteTableAssociation(f"public-{zone}", subnet_id=public.id, route_table_id=public_routes.id)
    public_subnets.append(public)
    if index < nat_gateways:
        address = aws.ec2.Eip(f"nat-{zone}", domain="vpc")
        nats.append(aws.ec2.NatGateway(f"nat-{zone}", subnet_id=public.id, allocation_id=address.id))
    private = aws.ec2.Subnet(
        f"private-{zone}",
        vpc_id=vpc.id,
        availability_zone=zone,
        cidr_block=str(next(subnet_cidrs)),
        map_public_ip_on_launch=False,
    )
    private_routes = aws.ec2.RouteTable(
        f"private-{zone}",
        vpc_id=vpc.id,
        routes=[
            aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nats[index % len(nats)].id)
        ],
    )
    aws.ec2.RouteTableAssociation(f"private-{zone}", subnet_id=private.id, route_table_id=private_routes.id)
    private_subnets.append(private)

# Each module's database (infra.ModuleDatabase, in the module's stack) lives in the private subnets.
database_subnets = aws.rds.SubnetGroup(
    "databases",
    description="Module databases: private subnets only",
    subnet_ids=[subnet.id for subnet in private_subnets],
)

cluster = aws.ecs.Cluster(
    "cluster",
    settings=[
        aws.ecs.ClusterSettingArgs(
            name="containerInsights",
            value="enabled" if config.get_bool("containerInsights", False) else "disabled",
        )
    ],
)

# The load balancer's group has no egress here: each module's ModuleService opens its own port.
alb_security_group = aws.ec2.SecurityGroup(
    "alb", description="Platform load balancer: HTTP and HTTPS from anywhere", vpc_id=vpc.id
)
for port in (80, 443):
    aws.vpc.SecurityGroupIngressRule(
        f"alb-{port}",
        security_group_id=alb_security_group.id,
        cidr_ipv4="0.0.0.0/0",
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
    )
alb = aws.lb.LoadBalancer(
    "alb",
    load_balancer_type="application",
    internal=False,
    security_groups=[alb_security_group.id],
    subnets=[subnet.id for subnet in public_subnets],
    drop_invalid_header_fields=True,
    enable_deletion_protection=config.get_bool("deletionProtection", False),
)
# Modules add a listener rule for their manifest's public_routes, if any; anything else is a 404.
https = aws.lb.Listener(
    "https",
    load_balancer_arn=alb.arn,
    port=443,
    protocol="HTTPS",
    certificate_arn=config.require("certificateArn"),
    ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
    default_actions=[
        aws.lb.ListenerDefaultActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="text/plain", message_body="Not Found", status_code="404"
            ),
        )
    ],
)
aws.lb.Listener(
    "http",
    load_balancer_arn=alb.arn,
    port=80,
    protocol="HTTP",
    default_actions=[
        aws.lb.ListenerDefaultActionArgs(
            type="redirect",
            redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                protocol="HTTPS", port="443", status_code="HTTP_301"
            ),
        )
    ],
)

# One repository per module and environment; images are tagged <module>-<version>.
repositories = {
    module: aws.ecr.Repository(
        module,
        name=f"pantstack/{pulumi.get_stack()}/{module}",
        image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
    )
    for module in modules
}

# Service discovery: each module's stack registers its service here under the module's name.
namespace = aws.servicediscovery.PrivateDnsNamespace(
    "services",
    name=namespace_name(pulumi.get_stack()),
    description="Private names of the module services; resolvable inside the VPC only",
    vpc=vpc.id,
)
# One security group per module's tasks, open on the service port to exactly the modules whose
# manifest `uses` it (and, per module stack, to the load balancer for its public routes only).
service_groups = {
    module: aws.ec2.SecurityGroup(
        f"{module}-service",
        description=f"{module} tasks: reachable from the modules that use it and its public routes",
        vpc_id=vpc.id,
    )
    for module in modules
}
for module, group in service_groups.items():
    # Outbound: peers, ECR, CloudWatch Logs, SSM, Secrets Manager and the database, through the NAT.
    aws.vpc.SecurityGroupEgressRule(
        f"{module}-outbound", security_group_id=group.id, cidr_ipv4="0.0.0.0/0", ip_protocol="-1"
    )
for consumer in manifests:
    for producer in consumer.uses:
        aws.vpc.SecurityGroupIngressRule(
            f"{consumer.name}-to-{producer}",
            description=f"{consumer.name} uses {producer} (modules/{consumer.name}/module.toml)",
            security_group_id=service_groups[producer].id,
            referenced_security_group_id=service_groups[consumer.name].id,
            ip_protocol="tcp",
            from_port=CONTAINER_PORT,
            to_port=CONTAINER_PORT,
        )

# Each module's own signing key, and the key ring of their public keys every task trusts.
identity = PlatformIdentity(modules, config.get_object("signingKeyGenerations") or {})

# The events broker, only once some module publishes; only publishers' and subscribers' tasks reach it.
broker = (
    EventsBroker(
        vpc.id,
        [subnet.id for subnet in private_subnets],
        {
            m.name: BrokerClient(
                service_groups[m.name].id, publishes=bool(m.publishes), subscribes=m.subscribes
            )
            for m in event_modules(manifests)
        },
        BrokerSettings.from_config(config),
    )
    if any(m.publishes for m in manifests)
    else None
)

PlatformOutputs(
    vpc_id=vpc.id,
    private_subnet_ids=[subnet.id for subnet in private_subnets],
    cluster_arn=cluster.arn,
    cluster_name=cluster.name,
    alb_listener_arn=https.arn,
    alb_security_group_id=alb_security_group.id,
    repository_urls={module: repository.repository_url for module, repository in repositories.items()},
    repository_arns={module: repository.arn for module, repository in repositories.items()},
    log_retention_days=log_retention_days,
    database_subnet_group_name=database_subnets.name,
    # Where end users' JWTs come from, for public routes (none unless both are set).
    end_user_jwt_issuer=config.get("endUserJwtIssuer", ""),
    end_user_jwks_url=config.get("endUserJwksUrl", ""),
    service_namespace_id=namespace.id,
    service_security_group_ids={module: group.id for module, group in service_groups.items()},
    dependency_urls=dependency_urls(
        manifests, lambda used: service_url(used, namespace_name(pulumi.get_stack()))
    ),
    signing_key_secret_arns=identity.signing_key_secret_arns,
    jwks_secret_arn=identity.jwks_secret_arn,
    events_broker_url_secret_arns=broker.url_secret_arns if broker else {},
).export()
pulumi.export("publicSubnetIds", [subnet.id for subnet in public_subnets])
pulumi.export("albDnsName", alb.dns_name)
