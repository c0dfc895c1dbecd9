"""/api/docs: Swagger UI from the service's own assets, under a policy that refuses every other host."""

import base64
import hashlib
import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from service_kit.tests.demo_app import demo_app

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PageReferences(HTMLParser):
    """Every URL a page makes the browser load (src/href) and the text of its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [value for name, value in found.items() if name in ("src", "href") and value]
        self._in_inline_script = tag == "script" and "src" not in found

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline_scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_inline_script = False


def page_references(html: str) -> PageReferences:
    parser = PageReferences()
    parser.feed(html)
    return parser


def policy_directives(policy: str) -> dict[str, list[str]]:
    directives = [part.split() for part in policy.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def sha256_source(script: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


def test_docs_page_loads_its_assets_and_schema_from_the_service_only() -> None:
    response = TestClient(demo_app()).get("/api/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    references = page_references(response.text)
    assert sorted(references.urls) == [
        "/api/docs/assets/favicon.png",
        "/api/docs/assets/swagger-ui-bundle.js",
        "/api/docs/assets/swagger-ui.css",
    ]
    # The schema URL is in the inline script rather than an attribute.
    assert "url: '/api/openapi.json'" in references.inline_scripts[0]
    # No absolute URL anywhere: not in markup, not in the script, not protocol-relative.
    assert not re.search(r"https?:|//[\w.-]+\.\w", response.text), response.text


def test_each_docs_asset_is_served_with_its_content_type_and_content() -> None:
    client = TestClient(demo_app())
    expected = {
        "swagger-ui-bundle.js": ("text/javascript; charset=utf-8", b"SwaggerUIBundle"),
        "swagger-ui.css": ("text/css; charset=utf-8", b".swagger-ui"),
        "favicon.png": ("image/png", PNG_SIGNATURE),
    }

    for name, (content_type, content) in expected.items():
        response = client.get(f"/api/docs/assets/{name}")

        assert response.status_code == 200, name
        assert response.headers["content-type"] == content_type
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "max-age=" in response.headers["cache-control"]
        assert content in response.content[:200_000], name


def test_only_the_pages_own_assets_are_served() -> None:
    client = TestClient(demo_app())

    # fastapi-offline also ships ReDoc, which stays off; and no path from the request reaches the disk.
    for name in ("redoc.standalone.js", "..%2F__init__.py", "core.py"):
        response = client.get(f"/api/docs/assets/{name}")
        assert response.status_code == 404, name
        assert response.headers["content-type"] == "application/problem+json"


def test_docs_policy_allows_no_other_host_and_only_the_pages_own_inline_script() -> None:
    response = TestClient(demo_app()).get("/api/docs")

    directives = policy_directives(response.headers["content-security-policy"])
    # Every kind of load not named below falls back to default-src, which allows nothing.
    assert directives["default-src"] == ["'none'"]
    script = page_references(response.text).inline_scripts[0]
    assert directives["script-src"] == ["'self'", sha256_source(script)]
    assert directives["img-src"] == ["'self'", "data:"]
    for name in ("style-src", "connect-src"):
        assert directives[name] == ["'self'"], name
    assert directives["frame-ancestors"] == ["'none'"]
    # No host, scheme (https:) or wildcard source anywhere, and no inline code beyond that one hash.
    every_source = {source for sources in directives.values() for source in sources}
    assert every_source == {"'self'", "'none'", "data:", sha256_source(script)}


def test_docs_page_follows_the_root_path_the_service_is_mounted_at() -> None:
    response = TestClient(demo_app(), root_path="/demo").get("/api/docs")

    references = page_references(response.text)
    assert all(url.startswith("/demo/api/docs/assets/") for url in references.urls), references.urls
    assert "url: '/demo/api/openapi.json'" in references.inline_scripts[0]
    script_sources = policy_directives(response.headers["content-security-policy"])["script-src"]
    assert sha256_source(references.inline_scripts[0]) in script_sources


def test_the_rest_of_the_api_keeps_its_headers_and_the_docs_stay_out_of_the_schema() -> None:
    client = TestClient(demo_app())

    assert "content-security-policy" not in client.get("/health").headers
    assert "content-security-policy" not in client.get("/api/v1/items/a").headers
    paths = client.get("/api/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/api/docs")]
    # FastAPI's CDN-backed page and its OAuth2 redirect page are gone, not merely shadowed.
    assert client.get("/docs/oauth2-redirect").status_code == 404
