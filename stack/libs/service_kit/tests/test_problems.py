"""An unexpected exception becomes a JSON 500 without leaking the traceback."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service_kit.problems import install_problem_handlers


def test_unhandled_exceptions_become_a_json_500_without_details() -> None:
    app = FastAPI()
    install_problem_handlers(app, {})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret connection string")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "Internal server error.",
        "instance": "/boom",
        "request_id": None,
    }
    assert "secret" not in response.text


def test_validation_errors_are_422_problems_listing_each_field() -> None:
    from fastapi import Body

    app = FastAPI()
    install_problem_handlers(app, {})

    @app.post("/things")
    async def create(quantity: int = Body(ge=1, embed=True)) -> None:
        return None

    response = TestClient(app).post("/things", json={"quantity": 0})

    body = response.json()
    assert response.status_code == 422 and body["status"] == 422
    assert body["errors"] == [
        {
            "loc": ["body", "quantity"],
            "msg": "Input should be greater than or equal to 1",
            "type": "greater_than_equal",
        }
    ]
    assert "body.quantity" in body["detail"]


def test_domain_errors_map_to_their_status_with_the_message_as_detail() -> None:
    class OutOfStock(Exception):
        pass

    app = FastAPI()
    install_problem_handlers(app, {OutOfStock: 409})

    @app.post("/reserve")
    async def reserve() -> None:
        raise OutOfStock("sku-1 has 0 left")

    response = TestClient(app).post("/reserve")

    assert response.status_code == 409
    assert response.json()["detail"] == "sku-1 has 0 left"
