"""The interactive documentation, served from the package: it works on a hospital intranet (issue 21).

    app = FastAPI(..., **docs_urls(settings))     # FastAPI's own CDN pages off; /openapi.json when allowed
    install_docs(app, settings)                    # /docs, /redoc and their assets; GET / → /docs

FastAPI's default /docs and /redoc pages load Swagger UI and ReDoc from a CDN, so they are blank without
internet.  The same pages are served here with the assets of the `fastapi-offline` package (Swagger UI and
ReDoc bundles, MIT/Apache licensed, pinned in pyproject) under /docs-assets/, and no Google fonts: the HTML
names no external host.  Everything is served only when `settings.serves_docs` (development by default; in
production only with MEDICAL_INSURANCE_DOCS_ENABLED).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from medical_insurance_sdk.gateway.settings import GatewaySettings

ASSETS = "/docs-assets"
OPENAPI_URL = "/openapi.json"


def docs_urls(settings: GatewaySettings) -> dict[str, Any]:
    """FastAPI's documentation arguments: never its CDN pages; the OpenAPI document when docs are served."""
    return {"docs_url": None, "redoc_url": None, "openapi_url": OPENAPI_URL if settings.serves_docs else None}


def _asset_dir() -> Path:
    return Path(str(resources.files("fastapi_offline") / "static"))


def install_docs(app: FastAPI, settings: GatewaySettings) -> None:
    if not settings.serves_docs:
        return
    app.mount(ASSETS, StaticFiles(directory=_asset_dir()), name="docs-assets")
    title = app.title

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=f"{title} - 接口文档",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=OPENAPI_URL,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
