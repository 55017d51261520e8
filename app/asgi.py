"""The application factory. Nothing reads the environment at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin

from app.config import Settings, get_settings
from app.db import Database, database_lifespan
from app.documents import CursorCodec
from app.errors import EXCEPTION_HANDLERS
from app.system.controllers import SystemController


def _constant(value: Any) -> Provide:
    def provide() -> Any:
        return value

    return Provide(provide, use_cache=True, sync_to_thread=False)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    database = Database(settings)
    cursors = CursorCodec(settings.cursor_secret.encode())

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        async with database_lifespan(database):
            yield

    dependencies: dict[str, Provide] = {
        "settings": _constant(settings),
        "database": _constant(database),
        "cursors": _constant(cursors),
    }
    route_handlers: list[Callable[..., Any] | type] = [SystemController]
    return Litestar(
        route_handlers=route_handlers,
        dependencies=dependencies,
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Panel Users Service",
            version="0.1.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(path="/"), JsonRenderPlugin(path="/openapi.json")],
        ),
    )
