"""The API docs page (Swagger UI) from the service's own files, never a CDN.

The Swagger UI files come from the ``drf-spectacular-sidecar`` wheel, which
ships the ``swagger-ui-dist`` build and is pinned in ``uv.lock``; the page
works offline and its Content-Security-Policy allows only ``'self'`` for
scripts and styles (app/http/docs_policy.py). ``APP_DOCS_ENABLED=false``
removes the page, its assets and the OpenAPI document.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from litestar import Router, get
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from app.security.requests import PUBLIC

DOCS_PATH = "/schema"
ASSETS_PATH = f"{DOCS_PATH}/assets"
# The files the page links, checked at start-up.
ASSETS = (
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-ui.css",
    "favicon-32x32.png",
)


def swagger_ui_directory() -> Path:
    """Where the wheel keeps the files. Found without importing the package:
    its ``__init__`` imports Django, which this service neither has nor needs."""
    spec = find_spec("drf_spectacular_sidecar")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("drf-spectacular-sidecar is not installed (uv sync)")
    package = Path(next(iter(spec.submodule_search_locations)))
    return package / "static" / "drf_spectacular_sidecar" / "swagger-ui-dist"


def render_plugins() -> list[OpenAPIRenderPlugin]:
    return [
        SwaggerRenderPlugin(
            path="/",
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        ),
        JsonRenderPlugin(path="/openapi.json"),
    ]


def assets_router() -> Router:
    """The Swagger UI files, public like the page (the authentication
    middleware skips everything under ``/schema``)."""
    directory = swagger_ui_directory()
    missing = [name for name in ASSETS if not (directory / name).is_file()]
    if missing:
        raise RuntimeError(f"Swagger UI files missing from {directory}: {', '.join(missing)}")
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[directory],
        name="docs-assets",
        # Not versioned in their URL: cached for an hour, then revalidated.
        cache_control=CacheControlHeader(max_age=3600),
        include_in_schema=False,
    )


@get("/", include_in_schema=False, opt={PUBLIC: True}, sync_to_thread=False)
def root_to_docs() -> Redirect:
    """``/``, the first URL a new user opens, leads to the docs page."""
    return Redirect(path=DOCS_PATH)
