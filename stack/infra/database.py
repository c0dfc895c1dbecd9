"""ModuleDatabase: the PostgreSQL a module owns (RDS), its generated password and its URL secret.

One RDS instance per module, not one platform cluster with a database and role per module: a module
that owns its data owns its failure, size, upgrade and backup schedule, and an instance is plain AWS
resources, so Pulumi creates it end to end. A shared cluster would need a PostgreSQL provider that
reaches a private database from the deployer (CI has no route into the VPC) or a bootstrap task to
create each role. Cost at 100 modules: 100 instances, linear; `database.instanceClass` keeps each
small (db.t4g.micro in test), and swapping this component for a shared cluster changes no module.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from infra.platform_outputs import PlatformOutputs

POSTGRES_PORT = 5432
POSTGRES_VERSION = "16"


@dataclass(frozen=True)
class DatabaseSettings:
    """Size and durability of a module's database in one environment (stack config `<m>:database`)."""

    instance_class: str = "db.t4g.micro"
    allocated_storage_gb: int = 20
    max_allocated_storage_gb: int = 100
    backup_retention_days: int = 1
    deletion_protection: bool = False
    multi_az: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.backup_retention_days <= 35:
            raise ValueError(f"database.backupRetentionDays must be 0..35, not {self.backup_retention_days}")
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            raise ValueError("database.maxAllocatedStorageGb must be at least allocatedStorageGb")

    @classmethod
    def from_config(cls, config: pulumi.Config) -> "DatabaseSettings":
        given = config.get_object("database") or {}
        keys = {
            "instanceClass": "instance_class",
            "allocatedStorageGb": "allocated_storage_gb",
            "maxAllocatedStorageGb": "max_allocated_storage_gb",
            "backupRetentionDays": "backup_retention_days",
            "deletionProtection": "deletion_protection",
            "multiAz": "multi_az",
        }
        unknown = sorted(set(given) - set(keys))
        if unknown:
            raise ValueError(
                f"config {config.name}:database has unknown key(s) {unknown}; known: {sorted(keys)}"
            )
        return cls(**{keys[key]: value for key, value in given.items()})


class ModuleDatabase(pulumi.ComponentResource):
    """Encrypted RDS PostgreSQL reachable only from the module's tasks; its SQLAlchemy URL, password
    included, lives only in a Secrets Manager secret (`url_secret_arn`) the task reads at start."""

    url_secret_arn: pulumi.Output[str]

    def __init__(
        self,
        module: str,
        platform: PlatformOutputs,
        service_security_group_id: pulumi.Input[str],
        settings: DatabaseSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:infra:ModuleDatabase", module, None, opts)
        env = pulumi.get_stack()
        child = pulumi.ResourceOptions(parent=self)
        name = module.replace("-", "_")

        # Letters and digits only: the password goes into a URL unescaped.
        password = random.RandomPassword(f"{module}-database", length=32, special=False, opts=child)

        group = aws.ec2.SecurityGroup(
            f"{module}-database",
            description=f"{module} database ({env}): PostgreSQL from {module}'s tasks only",
            vpc_id=platform.vpc_id,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{module}-service-to-database",
            security_group_id=group.id,
            referenced_security_group_id=service_security_group_id,
            ip_protocol="tcp",
            from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT,
            opts=child,
        )

        instance = aws.rds.Instance(
            f"{module}-database",
            identifier=f"{module}-{env}",
            engine="postgres",
            engine_version=POSTGRES_VERSION,
            instance_class=settings.instance_class,
            allocated_storage=settings.allocated_storage_gb,
            max_allocated_storage=settings.max_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            db_name=name,
            username=name,
            password=password.result,
            port=POSTGRES_PORT,
            db_subnet_group_name=platform.database_subnet_group_name,
            vpc_security_group_ids=[group.id],
            publicly_accessible=False,
            multi_az=settings.multi_az,
            backup_retention_period=settings.backup_retention_days,
            deletion_protection=settings.deletion_protection,
            copy_tags_to_snapshot=True,
            # A protected database keeps a final snapshot; an unprotected (test) one is disposable.
            skip_final_snapshot=not settings.deletion_protection,
            final_snapshot_identifier=f"{module}-{env}-final" if settings.deletion_protection else None,
            auto_minor_version_upgrade=True,
            opts=child,
        )

        secret = aws.secretsmanager.Secret(
            f"{module}-database-url",
            name=f"pantstack/{env}/{module}/database-url",
            description=f"{module} ({env}): SQLAlchemy URL of its database, password included",
            recovery_window_in_days=7 if settings.deletion_protection else 0,
            opts=child,
        )
        aws.secretsmanager.SecretVersion(
            f"{module}-database-url",
            secret_id=secret.id,
            # Secret because the password is (RandomPassword.result): encrypted in the state, never shown.
            secret_string=pulumi.Output.format(
                "postgresql+asyncpg://{0}:{1}@{2}:{3}/{0}",
                name,
                password.result,
                instance.address,
                POSTGRES_PORT,
            ),
            opts=child,
        )

        self.url_secret_arn = secret.arn
        self.register_outputs({"url_secret_arn": self.url_secret_arn})
