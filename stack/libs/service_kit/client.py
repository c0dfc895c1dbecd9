"""ServiceClient: the base of every module's facade client.

One pooled httpx2.AsyncClient per facade instance, timeouts, the current request id and a freshly
minted service token on every call, retries with exponential backoff and jitter for idempotent
calls only, and typed errors mapped from the callee's problem+json. A create sent with
`idempotency_key=new_idempotency_key()` carries the same `Idempotency-Key` on every attempt, so it
is retried like an idempotent call (a 409 saying the first attempt is still in flight included):

    ServiceError
    ├── BadRequest     400, 422
    ├── Unauthorized   401
    ├── Forbidden      403
    ├── NotFound       404
    ├── Conflict       409
    ├── RateLimited    429
    └── Unavailable    connection failure, timeout, 5xx
"""

import asyncio
import functools
import logging
import os
import random
import ssl
import sys
import time
import uuid
from types import TracebackType
from typing import Any, ClassVar, Literal, Self

import httpx2
from opentelemetry.trace import Span
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from service_kit.auth import mint_token
from service_kit.idempotency import IDEMPOTENCY_HEADER, IN_FLIGHT
from service_kit.identity import SigningKey, signing_key_variable
from service_kit.request_context import REQUEST_ID_HEADER, current_request_id
from service_kit.tracing import client_span, kit_tracer, set_status_code

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})
TOKEN_TTL_SECONDS = 300
# Where a facade calls when its <SERVICE>_URL is unset, in local development only (make dev, tests):
# deployed, that address is the caller itself, so a missing URL stops the service instead.
LOCAL_DEVELOPMENT_URL = "http://127.0.0.1:8000"

logger = logging.getLogger(__name__)


class MissingServiceURL(ValueError):
    """Outside local development, a facade's `<SERVICE>_URL` is not set."""


class ServiceError(Exception):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        problem: dict[str, Any] | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem or {}
        self.retry_after = retry_after  # the callee's Retry-After header, if any


class BadRequest(ServiceError):
    ...


class Unauthorized(ServiceError):
    ...


class Forbidden(ServiceError):
    ...


class NotFound(ServiceError):
    ...


class Conflict(ServiceError):
    ...


class RateLimited(ServiceError):
    ...


class Unavailable(ServiceError):
    ...


_ERROR_BY_STATUS: dict[int, type[ServiceError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: BadRequest,
    429: RateLimited,
}


def new_idempotency_key() -> str:
    """A fresh key for one create; pass the same one to every attempt of it."""
    return uuid.uuid4().hex


class ClientSettings(BaseSettings):
    """`<SERVICE>_URL`, `<SERVICE>_TIMEOUT_SECONDS`, `<SERVICE>_RETRIES`; the prefix is set per service."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # None: LOCAL_DEVELOPMENT_URL in local development, refused anywhere else (see peer_url).
    url: str | None = None
    # The same variable ServiceSettings.environment reads.
    environment: Literal["local", "test", "prod"] = Field(
        default="local", validation_alias="PANTSTACK_ENVIRONMENT"
    )
    timeout_seconds: float = Field(default=5.0, gt=0)
    retries: int = Field(default=2, ge=0)
    backoff_seconds: float = Field(default=0.1, ge=0)


class CallerSettings(BaseSettings):
    """The calling service's own key, `<CALLER>_SIGNING_KEY` (or that file in SECRETS_DIR), as the
    service's settings read it."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    signing_key: SecretStr | None = None


def client_settings(service: str) -> ClientSettings:
    """The settings of a facade client calling `service`, from its `<SERVICE>_*` variables."""
    return ClientSettings(_env_prefix=f"{service.upper()}_")  # type: ignore[call-arg]


def peer_url(service: str, settings: ClientSettings) -> str:
    """`service`'s base URL; without `<SERVICE>_URL`, the local default in local development only."""
    if settings.url:
        return settings.url
    if settings.environment == "local":
        return LOCAL_DEVELOPMENT_URL
    raise MissingServiceURL(
        f"{service.upper()}_URL is not set: outside local development (PANTSTACK_ENVIRONMENT="
        f"{settings.environment}) a facade URL has no default; set it to the {service} service's address "
        f"(a module's stack does, for each module in its module.toml `uses`)"
    )


def require_peer_urls(*clients: "type[ServiceClient]") -> None:
    """At app creation, before serving: each missing `<SERVICE>_URL` on one line of stderr, and exit
    status 2 (as load_settings), rather than a first call that fails or reaches the wrong service."""
    problems = []
    for client in clients:
        try:
            peer_url(client.service, client_settings(client.service))
        except MissingServiceURL as error:
            problems.append(str(error))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        raise SystemExit(2)


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying SSL context for every ServiceClient of the process: building one loads the CA
    bundle (hundreds of ms on a loaded machine), which a client per call would otherwise pay each time."""
    return httpx2.create_ssl_context()


@functools.cache
def _no_ca_ssl_context() -> ssl.SSLContext:
    """A context that verifies (certificate required, host name checked) but trusts no CA."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def ssl_context_for(base_url: str) -> ssl.SSLContext:
    """The SSL context a client of `base_url` needs: the shared verifying one for https, and for
    a plain http:// peer one that loads no CA bundle (tens of ms per peer at start-up), so any
    TLS connection it were asked to make (a redirect to https, say) fails closed."""
    if base_url.lower().startswith("http://"):
        return _no_ca_ssl_context()
    return shared_ssl_context()


class ServiceClient:
    """Subclasses set `service` (the callee's module name) and add typed methods over `_request`."""

    service: ClassVar[str]

    def __init__(
        self,
        base_url: str | None = None,
        *,
        caller: str,
        timeout_seconds: float | None = None,
        retries: int | None = None,
        signing_key: SigningKey | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        settings = client_settings(self.service)
        self.caller = caller
        self.retries = settings.retries if retries is None else retries
        self.backoff_seconds = settings.backoff_seconds
        self._key = signing_key or _own_key(caller)
        self._token: tuple[str, float] | None = None
        url = base_url or peer_url(self.service, settings)
        self._http = httpx2.AsyncClient(
            base_url=url,
            timeout=settings.timeout_seconds if timeout_seconds is None else timeout_seconds,
            transport=transport,
            verify=ssl_context_for(url),
        )
        self._tracer = kit_tracer()

    @property
    def base_url(self) -> str:
        return str(self._http.base_url)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        idempotent: bool | None = None,
        idempotency_key: str | None = None,
    ) -> httpx2.Response:
        """Send a request; retried on connection errors and 502/503/504 only when idempotent
        (a request with an `idempotency_key` is)."""
        if idempotent is None:
            idempotent = idempotency_key is not None or method.upper() in IDEMPOTENT_METHODS
        retryable = idempotent
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        attempts = 1 + (self.retries if retryable else 0)
        # One span for the whole call, retries included, so their log lines carry it too.
        with client_span(self._tracer, method, self._http.base_url, path, headers) as span:
            return await self._send(span, method, path, json, headers, attempts)

    async def _send(
        self, span: Span, method: str, path: str, json: Any, headers: dict[str, str], attempts: int
    ) -> httpx2.Response:
        error: ServiceError = Unavailable(f"{self.service}: no attempt made")
        for attempt in range(attempts):
            if attempt:
                logger.warning("%s; retrying (attempt %d of %d)", error, attempt + 1, attempts)
                await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
            try:
                response = await self._http.request(
                    method, path, json=json, headers=self._headers() | headers
                )
            except httpx2.TransportError as exc:
                error = Unavailable(f"{self.service} unreachable at {self.base_url}: {exc!r}")
                continue
            set_status_code(span, response.status_code)
            if response.status_code in RETRYABLE_STATUSES or _key_in_flight(response):
                error = Unavailable(
                    f"{self.service} answered {response.status_code} for {method} {path}",
                    status=response.status_code,
                    problem=_problem(response),
                )
                continue
            if response.status_code >= 400:
                raise _error_for(response, method, path, self.service)
            return response
        raise error

    def _headers(self) -> dict[str, str]:
        headers = {}
        request_id = current_request_id.get()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        if self._key:
            headers["Authorization"] = f"Bearer {self._current_token(self._key)}"
        return headers

    def _current_token(self, key: SigningKey) -> str:
        now = time.time()
        if self._token is None or self._token[1] - now < TOKEN_TTL_SECONDS / 5:
            token = mint_token(key, audience=self.service, ttl_seconds=TOKEN_TTL_SECONDS)
            self._token = (token, now + TOKEN_TTL_SECONDS)
        return self._token[0]


def _own_key(caller: str) -> SigningKey | None:
    """The caller's key from its environment; none (no token sent) where its auth is off."""
    secrets_dir = os.environ.get("SECRETS_DIR", "/run/secrets")
    settings = CallerSettings(
        _env_prefix=f"{caller.upper().replace('-', '_')}_",  # type: ignore[call-arg]
        _secrets_dir=secrets_dir if os.path.isdir(secrets_dir) else None,
    )
    if settings.signing_key is None or not settings.signing_key.get_secret_value().strip():
        return None
    return SigningKey.from_pem(
        caller, settings.signing_key.get_secret_value(), source=signing_key_variable(caller)
    )


def _key_in_flight(response: httpx2.Response) -> bool:
    """The callee is still running an earlier attempt with this Idempotency-Key."""
    return response.status_code == 409 and _problem(response).get("idempotency") == IN_FLIGHT


def _problem(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_for(response: httpx2.Response, method: str, path: str, service: str) -> ServiceError:
    problem = _problem(response)
    error_type = _ERROR_BY_STATUS.get(response.status_code)
    if error_type is None:
        error_type = Unavailable if response.status_code >= 500 else BadRequest
    detail = problem.get("detail") or response.text[:200]
    return error_type(
        f"{service} answered {response.status_code} for {method} {path}: {detail}",
        status=response.status_code,
        problem=problem,
        retry_after=response.headers.get("Retry-After"),
    )
