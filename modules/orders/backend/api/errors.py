"""The one place where orders domain errors become HTTP statuses."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from orders.backend.service.exceptions import InvalidOrder, OrderNotFound, OrdersError, OrderStateConflict

_STATUS_BY_ERROR: dict[type[OrdersError], int] = {
    OrderNotFound: status.HTTP_404_NOT_FOUND,
    OrderStateConflict: status.HTTP_409_CONFLICT,
    InvalidOrder: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


def install_domain_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OrdersError)
    async def domain_error(request: Request, exc: OrdersError) -> JSONResponse:
        code = next(code for error, code in _STATUS_BY_ERROR.items() if isinstance(exc, error))
        return JSONResponse(status_code=code, content={"detail": str(exc)})
