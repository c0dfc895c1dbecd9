"""A small service built with the kit, exercised by the kit's tests."""

import asyncio
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from prometheus_client import Counter
from pydantic_settings import SettingsConfigDict

from service_kit.app import create_service_app
from service_kit.auth import callers
from service_kit.client import ServiceClient
from service_kit.readiness import ReadinessCheck
from service_kit.request_context import current_request_id
from service_kit.server import run_service
from service_kit.settings import ServiceSettings
from service_kit.testing import ServiceKeys

# The demo signs as "demo" and trusts every key made here, these callers' included.
KEYS = ServiceKeys.temporary("demo", "x", "tests", "orders", "shipping", "dev")
ITEMS_CREATED = Counter("demo_items_created_total", "Items created.", registry=None)


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", populate_by_name=True)

    service_name: str = "demo"


class ItemExists(Exception):
    pass


def demo_settings(**overrides: object) -> DemoSettings:
    values: dict[str, object] = {**KEYS.settings("demo"), "data_dir": Path("/nonexistent")}
    return DemoSettings(**(values | overrides))  # type: ignore[arg-type]


def demo_app(
    settings: DemoSettings | None = None,
    readiness_checks: dict[str, ReadinessCheck] | None = None,
    downstream: ServiceClient | None = None,
) -> FastAPI:
    router = APIRouter(prefix="/api/v1/items")
    items: dict[str, int] = {}

    @router.get("/{item_id}")
    async def get_item(item_id: str) -> dict[str, object]:
        return {"id": item_id, "count": items.get(item_id, 0)}

    @router.post("/{item_id}", status_code=201)
    async def create_item(item_id: str) -> dict[str, str]:
        if item_id in items:
            raise ItemExists(f"Item {item_id} exists.")
        items[item_id] = 1
        ITEMS_CREATED.inc()
        return {"id": item_id}

    @router.post("/{item_id}/restock", dependencies=[Depends(callers("orders", "tests"))])
    async def restock_item(item_id: str) -> dict[str, object]:
        items[item_id] = items.get(item_id, 0) + 10
        return {"id": item_id, "count": items[item_id]}

    @router.get("/{item_id}/audit", dependencies=[Depends(callers("orders"))])
    async def get_audit(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    @router.get("/{item_id}/slow")
    async def get_slowly(item_id: str, seconds: float = 1.0) -> dict[str, str]:
        await asyncio.sleep(seconds)
        return {"id": item_id}

    @router.get("/{item_id}/via-downstream")
    async def get_via_downstream(item_id: str) -> dict[str, object]:
        assert downstream is not None
        response = await downstream._request("GET", f"/api/v1/items/{item_id}/request-id")
        return dict(response.json())

    @router.get("/{item_id}/request-id")
    async def echo_request_id(item_id: str) -> dict[str, object]:
        return {"request_id": current_request_id.get()}

    return create_service_app(
        settings or demo_settings(),
        routers=[router],
        readiness_checks=readiness_checks,
        domain_errors={ItemExists: 409},
        business_metrics=[ITEMS_CREATED],
    )


class DemoClient(ServiceClient):
    service = "demo"


def main() -> None:
    """Serve the demo app with run_service (used by the graceful-shutdown test)."""
    settings = DemoSettings()
    run_service(demo_app(settings), settings)


if __name__ == "__main__":
    main()
