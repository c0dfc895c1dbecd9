"""The Swagger UI page at /api/docs with its JavaScript, CSS and favicon served by the service itself.

FastAPI's own page loads Swagger UI from cdn.jsdelivr.net and its favicon from fastapi.tiangolo.com,
so it is blank without internet. This is FastAPI's documented self-hosting recipe (`docs_url=None`,
`get_swagger_ui_html` pointed at local files), plus a Content-Security-Policy that lets the page
load nothing from any other host.

The files come from the `fastapi-offline` wheel (PyPI, pinned in every module's requirements): it
exists to ship exactly the files FastAPI's page loads, from `swagger-ui-dist@5` (1.7.7 carries Swagger
UI 5.32.6, the major version FastAPI 0.163's `get_swagger_ui_html` asks the CDN for) and FastAPI's
favicon. Only its static files are used, not its `FastAPIOffline` app factory.
"""

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
# Served by name only (never a path from the request), with types stated rather than guessed:
# Python 3.11's mimetypes and /etc/mime.types disagree on .js.
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
# The page's files change only with the pinned package, so browsers may keep them a day.
ASSET_CACHE_CONTROL = "public, max-age=86400"
# FastAPI's page has one inline <script> (it starts SwaggerUIBundle); everything else is a URL.
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def install_api_docs(app: FastAPI, docs_url: str) -> None:
    """Serve Swagger UI for `app.openapi_url` at `docs_url`, its assets under `<docs_url>/assets/`."""
    assert app.openapi_url, "the docs page shows the app's OpenAPI document, so it needs openapi_url"
    openapi_url, assets_url, title = app.openapi_url, f"{docs_url}/assets", f"{app.title} - Swagger UI"

    @app.get(docs_url, include_in_schema=False)
    async def get_api_docs(request: Request) -> HTMLResponse:
        root_path = request.scope.get("root_path", "").rstrip("/")
        html, policy = docs_page(title, root_path + openapi_url, root_path + assets_url)
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})

    @app.get(f"{assets_url}/{{name}}", include_in_schema=False)
    async def get_api_docs_asset(name: str) -> FileResponse:
        if name not in ASSET_TYPES:
            raise HTTPException(status_code=404, detail=f"No docs asset {name!r}.")
        return FileResponse(
            ASSETS_DIR / name,
            media_type=ASSET_TYPES[name],
            headers={"Cache-Control": ASSET_CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
        )


@lru_cache(maxsize=8)
def docs_page(title: str, openapi_url: str, assets_url: str) -> tuple[str, str]:
    """The docs page's HTML and the Content-Security-Policy that lets it load only from its own origin.

    Cached: the page depends only on these values (one set per root path), not on the request.
    """
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{assets_url}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets_url}/swagger-ui.css",
        swagger_favicon_url=f"{assets_url}/favicon.png",
        # No OAuth2 flow exists (service auth is a bearer JWT), so no redirect page is served.
        oauth2_redirect_url=None,
        # Swagger UI's default validator badge is an image from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    html = bytes(page.body).decode()
    return html, content_security_policy(_INLINE_SCRIPT.findall(html))


def content_security_policy(inline_scripts: list[str]) -> str:
    """Same-origin only. The inline script is allowed by its hash, not by 'unsafe-inline', so an
    injected one would still be refused; Swagger UI's icons are data: URIs in its CSS."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in inline_scripts
    )
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' {hashes}".rstrip(),
            "style-src 'self'",
            "img-src 'self' data:",
            # "Try it out" calls the API from the page.
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
