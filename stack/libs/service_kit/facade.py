"""The two halves of a module's facade, so each says only its calls: FacadeClient for the real
client, FakeClient for its in-memory fake (held to the same contract by the module's contract suite).

    class OrdersClient(FacadeClient):
        service = "orders"

        async def get_order(self, order_id: UUID) -> OrderPublic:
            return await self._call(OrderPublic, "GET", f"/api/v1/orders/{order_id}")

    class FakeOrdersClient(FakeClient):
        service = "orders"

        async def get_order(self, order_id: UUID) -> OrderPublic:
            self._check_up()  # Unavailable while `unavailable` is set
            ...
"""

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, TypeVar
from uuid import uuid4

from pydantic import BaseModel

from service_kit.client import NotFound, ServiceClient, Unavailable

ModelT = TypeVar("ModelT", bound=BaseModel)
KeyT = TypeVar("KeyT")
ValueT = TypeVar("ValueT")


class FacadeClient(ServiceClient):
    """A ServiceClient whose calls answer one pydantic model each (a facade method is one line)."""

    async def _call(
        self,
        model: type[ModelT],
        method: str,
        path: str,
        *,
        json: Any = None,
        idempotent: bool | None = None,
        idempotency_key: str | None = None,
    ) -> ModelT:
        """`_request` (retries, token, typed errors), its answer validated as `model`."""
        response = await self._request(
            method, path, json=json, idempotent=idempotent, idempotency_key=idempotency_key
        )
        return model.model_validate_json(response.content)


async def found(call: Awaitable[object]) -> bool:
    """True if `call` answers, False if it raises NotFound: an `exists` from a `get`, for a client
    and its fake alike (any other error is raised)."""
    try:
        await call
    except NotFound:
        return False
    return True


class FakeClient:
    """The base of a facade's fake: used like the real client (`async with`, `aclose`), and while
    `unavailable` is set each call that starts with `_check_up()` raises Unavailable, as a real
    call does when the service is down."""

    service: ClassVar[str]

    def __init__(self) -> None:
        self.unavailable = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Nothing to close: a fake holds no connection."""

    @staticmethod
    def new_record(model: type[ModelT], **fields: Any) -> ModelT:
        """`model` as the service answers a record it just made: a fresh `id` and, where the model
        has them, `created_at` and `updated_at` now; `fields` give the rest (or override those)."""
        now = datetime.now(UTC)
        made: dict[str, Any] = {"id": uuid4()}
        made |= {name: now for name in ("created_at", "updated_at") if name in model.model_fields}
        return model(**(made | fields))

    def _found(self, records: dict[KeyT, ValueT], key: KeyT, noun: str) -> ValueT:
        """`records[key]` (once `_check_up()` passes), or NotFound as the service's 404 says it:
        "<noun> <key> does not exist."."""
        self._check_up()
        if key not in records:
            raise NotFound(f"{noun} {key} does not exist.", status=404)
        return records[key]

    def _check_up(self) -> None:
        if self.unavailable:
            raise Unavailable(f"{self.service} unreachable ({type(self).__name__}.unavailable is set)")
