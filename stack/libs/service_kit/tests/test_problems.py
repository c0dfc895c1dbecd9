"""Errors as problem+json: crashes, validation, domain errors, 405s, and the OpenAPI that says so."""

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from service_kit.problems import document_problems, install_problem_handlers
from service_kit.tests.demo_app import demo_app


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


def test_a_405_allows_every_method_the_path_has() -> None:
    """Found by the API fuzzer: Allow named only the first route on the path (POST, not GET too)."""
    app = FastAPI()
    install_problem_handlers(app, {})

    @app.get("/things")
    async def list_things() -> None:
        return None

    @app.post("/things")
    async def create_thing() -> None:
        return None

    response = TestClient(app).delete("/things")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/problem+json"


def test_the_openapi_document_describes_every_error_as_problem_json() -> None:
    """Found by the API fuzzer: 401, 403, 429, 400 and 413 were sent but not documented, and
    documented errors claimed application/json."""
    document = demo_app().openapi()

    create = document["paths"]["/api/v1/items/{item_id}"]["post"]["responses"]
    assert {"401", "403", "422", "429"} <= create.keys()
    for status, response in create.items():
        if int(status) >= 400:
            schema = response["content"]["application/problem+json"]["schema"]["$ref"]
            assert schema.endswith("/ValidationProblem" if status == "422" else "/Problem")
            assert "application/json" not in response["content"]
    # Operations endpoints are outside auth and rate limits; their own errors are still problems.
    ready = document["paths"]["/ready"]["get"]["responses"]
    assert "401" not in ready and "application/problem+json" in ready["503"]["content"]
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    # A module's own 422 (the domain refusing a well-formed request) carries no `errors`.
    assert "errors" not in schemas["ValidationProblem"]["required"]


def test_only_operations_with_a_body_document_400_and_413() -> None:
    app = FastAPI()
    install_problem_handlers(app, {})
    router = APIRouter()

    @router.put("/things/{name}")
    async def put_thing(name: str, body: dict[str, int]) -> None:
        return None

    @router.get("/things/{name}")
    async def get_thing(name: str) -> None:
        return None

    app.include_router(router)
    document = app.openapi()
    document_problems(document, {("/things/{name}", "PUT"), ("/things/{name}", "GET")})

    put = document["paths"]["/things/{name}"]["put"]["responses"]
    get = document["paths"]["/things/{name}"]["get"]["responses"]
    assert {"400", "413", "401"} <= put.keys()
    assert "401" in get and not {"400", "413"} & get.keys()
