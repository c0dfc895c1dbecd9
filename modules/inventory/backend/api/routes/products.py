"""/api/v1/products: set and read stock levels."""

from typing import Annotated

from fastapi import APIRouter, Path

from inventory.backend.api.deps import UnitOfWork
from inventory.backend.schemas import ProductPublic, StockUpdate
from inventory.backend.service import inventory as service
from service_kit.json_types import IDENTIFIER_MAX_LENGTH, IDENTIFIER_PATTERN

router = APIRouter(prefix="/api/v1/products", tags=["products"])
Sku = Annotated[str, Path(min_length=1, max_length=IDENTIFIER_MAX_LENGTH, pattern=IDENTIFIER_PATTERN)]


@router.put("/{sku}", responses={409: {"description": "More than on_hand is reserved."}})
async def set_product_stock(sku: Sku, body: StockUpdate, uow: UnitOfWork) -> ProductPublic:
    """Create a product or set its stock on hand."""
    return ProductPublic.model_validate(await service.set_stock(uow, sku, body.on_hand), from_attributes=True)


@router.get("/{sku}", responses={404: {"description": "No product has this SKU."}})
async def get_product(sku: Sku, uow: UnitOfWork) -> ProductPublic:
    """Read a product's stock: on hand, reserved and available."""
    return ProductPublic.model_validate(await service.get_product(uow, sku), from_attributes=True)
