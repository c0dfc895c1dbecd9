"""ServiceSettings: what every service reads from its environment; modules subclass it.

A module sets its own prefix: `model_config = SettingsConfigDict(env_prefix="ORDERS_", ...)`.
Secrets may also come from files named after the variable in SECRETS_DIR (default /run/secrets).
"""

import os
import sys
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service_kit.identity import IdentityError, KeyRing, SigningKey


class RateLimitRule(BaseModel):
    per_second: float = Field(gt=0)
    burst: int = Field(ge=1)


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    service_name: str = "service"
    # Where this process runs: `local` (make dev, make up, tests) or a deployed stack's environment.
    # Deployed stacks set PANTSTACK_ENVIRONMENT; local-only conveniences are refused outside `local`.
    environment: Literal["local", "test", "prod"] = Field(
        default="local", validation_alias="PANTSTACK_ENVIRONMENT"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    data_dir: Path = Path(".data")
    # Empty means a SQLite file <data_dir>/<service_name>.db; postgresql+asyncpg:// URLs work too.
    database_url: str = ""
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    # How long an Idempotency-Key is remembered (Stripe's 24 h): longer than any client retries.
    idempotency_ttl_seconds: float = Field(default=24 * 3600, gt=0)

    # This service's own Ed25519 private key (PEM): <PREFIX>SIGNING_KEY, or that file in SECRETS_DIR.
    signing_key: SecretStr | None = None
    # The public keys this service trusts (a JWKS file, the same for every module, so no prefix);
    # reread when it changes, checked every jwks_reload_seconds and on SIGHUP.
    jwks_file: Path | None = Field(default=None, validation_alias="SERVICE_JWKS_FILE")
    jwks_reload_seconds: float = Field(default=30.0, gt=0)
    auth_enabled: bool = True
    auth_protect_reads: bool = False

    rate_limit_enabled: bool = True
    rate_limit: RateLimitRule = RateLimitRule(per_second=50, burst=100)
    # Per-route overrides keyed "METHOD /route/template", e.g. {"POST /api/v1/orders": {...}}.
    rate_limit_routes: dict[str, RateLimitRule] = {}
    # Proxies (load balancers) whose X-Forwarded-For is believed, as CIDRs, e.g. ["10.0.0.0/8"].
    # Empty: the peer address is the client, whatever X-Forwarded-For says.
    trusted_proxies: list[IPv4Network | IPv6Network] = []

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / (self.service_name + '.db')}"
        if self.auth_enabled:
            try:
                self.signing_identity()
                KeyRing(self._jwks_path())
            except IdentityError as error:
                prefix = self.model_config.get("env_prefix", "")
                raise ValueError(
                    f"{error} (for local development only, {prefix}AUTH_ENABLED=false turns auth off)"
                ) from None
        return self

    def signing_identity(self) -> SigningKey:
        """This service's key; raises IdentityError naming the variable when it is missing or unusable."""
        variable = f"{self.model_config.get('env_prefix', '')}SIGNING_KEY"
        if self.signing_key is None or not self.signing_key.get_secret_value().strip():
            raise IdentityError(
                f"{variable} is not set: this service's Ed25519 private key (PEM), or a file {variable} "
                "in SECRETS_DIR; make dev and make up generate one per service (python -m service_kit.keys)"
            )
        return SigningKey.from_pem(self.service_name, self.signing_key.get_secret_value(), source=variable)

    def key_ring(self) -> KeyRing:
        return KeyRing(self._jwks_path())

    def _jwks_path(self) -> Path:
        if self.jwks_file is None:
            raise IdentityError(
                "SERVICE_JWKS_FILE is not set: the JWKS file of the public keys this service trusts; "
                "make dev and make up write .data/keys/public/jwks.json (python -m service_kit.keys)"
            )
        return self.jwks_file


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def load_settings(settings_class: type[SettingsT]) -> SettingsT:
    """Settings from the environment, or a readable list of what is wrong and exit status 2."""
    prefix = settings_class.model_config.get("env_prefix", "")
    overrides: dict[str, Any] = {}
    # Platforms (and `make dev`) hand a service its port as PORT; container images set HOST=0.0.0.0.
    for variable in ("HOST", "PORT"):
        if variable in os.environ and f"{prefix}{variable}" not in os.environ:
            overrides[variable.lower()] = os.environ[variable]
    secrets_dir = os.environ.get("SECRETS_DIR", "/run/secrets")
    try:
        return settings_class(
            _secrets_dir=secrets_dir if Path(secrets_dir).is_dir() else None,  # type: ignore[call-arg]
            **overrides,
        )
    except ValidationError as error:
        print(f"Invalid settings for {settings_class.__name__}:", file=sys.stderr)
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            variable = (prefix + field).upper() if field else "settings"
            secret = any(word in field.lower() for word in ("secret", "key"))
            shown = field and not secret and not isinstance(problem["input"], dict)
            value = f" (got {problem['input']!r})" if shown else ""
            print(f"  {variable}: {problem['msg']}{value}", file=sys.stderr)
        raise SystemExit(2) from None
