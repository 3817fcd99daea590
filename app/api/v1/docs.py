"""/api/v1/docs: Swagger UI for the API, from files Ren serves itself (no CDN).

FastAPI's own docs page loads Swagger UI from a CDN, so it is blank without internet. The
`fastapi-offline` package ships Swagger UI's built files; they are served at
/api/v1/docs-assets/ and the page points there. Its validator badge (which would ask a server
on the internet about the document) is off. Served behind the API's access rules: on a LAN
bind it needs a session or a token, like every other /api/v1 path.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs-assets"


def swagger_files() -> Path:
    """The folder with swagger-ui-bundle.js, swagger-ui.css and favicon.png."""
    return Path(fastapi_offline.__file__).parent / "static"  # installed as plain files


def install(api: FastAPI, openapi_url: str) -> None:
    """Add the docs page and its files to the API app."""
    api.mount(ASSETS_PATH, StaticFiles(directory=swagger_files()), name="docs-assets")

    @api.get(DOCS_PATH, include_in_schema=False)
    async def docs_page(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")  # /api/v1 once mounted
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{api.title} · docs",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )
