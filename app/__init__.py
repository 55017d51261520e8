"""Panel Users Service."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar import Litestar

    from app.config import Settings


def create_app(settings: Settings | None = None) -> Litestar:
    """So that ``litestar <command>`` finds the app factory (``app.asgi.create_app``)
    without ``--app``; imported lazily to keep ``python -m app.engine`` light."""
    from app.asgi import create_app as factory

    return factory(settings)
