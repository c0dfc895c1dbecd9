"""OrdersClient: typed async access to the orders service over HTTP."""

from types import TracebackType
from uuid import UUID

import httpx2
from pydantic_settings import BaseSettings, SettingsConfigDict

from orders.backend.public.errors import OrderNotFoundError, OrdersClientError, OrdersUnavailableError
from orders.backend.schemas import OrderPublic


class OrdersClientSettings(BaseSettings):
    """Where consumers find the orders service: ORDERS_URL, ORDERS_TIMEOUT_SECONDS."""

    model_config = SettingsConfigDict(env_prefix="ORDERS_", env_file=".env", extra="ignore")

    url: str = "http://127.0.0.1:8000"
    timeout_seconds: float = 5.0


class OrdersClient:
    """Use as `async with OrdersClient() as orders: await orders.get_order(order_id)`.

    `transport` lets tests call an app in-process (httpx2.ASGITransport).
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout_seconds: float | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        settings = OrdersClientSettings()
        self._http = httpx2.AsyncClient(
            base_url=base_url or settings.url,
            timeout=timeout_seconds if timeout_seconds is not None else settings.timeout_seconds,
            transport=transport,
        )

    @property
    def base_url(self) -> str:
        return str(self._http.base_url)

    async def __aenter__(self) -> "OrdersClient":
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_order(self, order_id: UUID) -> OrderPublic:
        """The order with this id; OrderNotFoundError if there is none."""
        response = await self._get(f"/api/v1/orders/{order_id}")
        if response.status_code == 404:
            raise OrderNotFoundError(f"Order {order_id} does not exist.")
        return OrderPublic.model_validate_json(response.content)

    async def order_exists(self, order_id: UUID) -> bool:
        try:
            await self.get_order(order_id)
        except OrderNotFoundError:
            return False
        return True

    async def _get(self, path: str) -> httpx2.Response:
        try:
            response = await self._http.get(path)
        except httpx2.TransportError as exc:
            raise OrdersUnavailableError(f"orders service unreachable at {self.base_url}: {exc!r}") from exc
        if response.status_code >= 500:
            raise OrdersUnavailableError(f"orders service answered {response.status_code} for {path}.")
        if response.status_code >= 400 and response.status_code != 404:
            raise OrdersClientError(
                f"orders service answered {response.status_code} for {path}: {response.text}"
            )
        return response
