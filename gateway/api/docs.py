"""`/docs`: Swagger UI served by the gateway itself, never from a CDN.

An offline host must still show the documentation, and no third-party script may run on
the back office's origin. The Swagger UI distribution comes from the `fastapi-offline`
package (its files only); the page is FastAPI's own, under the back office's
Content-Security-Policy with its one inline start-up script allowed by hash. ReDoc is off:
one documentation page is enough, and ReDoc needs inline styles and blob workers.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gateway.headers import document_headers

ASSETS_URL = "/docs/assets"
ASSETS = Path(str(files("fastapi_offline") / "static"))


def install_docs(app: FastAPI) -> None:
    """The page at `/docs` and its files under `/docs/assets` (the OpenAPI document stays at
    `app.openapi_url`). Call before the back office is mounted."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url, title=f"{app.title} – API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png", oauth2_redirect_url=None,
        # The validator badge would be an image from swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    html = bytes(page.body).decode()
    headers = document_headers(html)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)
