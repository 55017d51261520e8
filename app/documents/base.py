"""The Beanie base of every collection and the Convex-style index helper."""

from __future__ import annotations

from beanie import Document
from pydantic import ConfigDict, Field
from pymongo import ASCENDING, IndexModel

from app.clock import now_ms
from app.documents.ids import CREATION_TIME, ID_FIELD, new_object_id


class ConvexDocument(Document):
    """Beanie base for every collection: string ``_id`` and ``_creationTime`` in ms.

    Beanie owns the schema and the indexes; reads and writes go through
    ``Repository`` on the raw collection so hot paths skip model validation.
    """

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    id: str = Field(default_factory=new_object_id, alias=ID_FIELD)  # type: ignore[assignment]
    creation_time: float = Field(default_factory=now_ms, alias=CREATION_TIME)


def by_creation(*keys: str, name: str, unique: bool = False) -> IndexModel:
    """An index on ``keys`` + ``_creationTime``, as Convex appends it to every index.

    Equality on ``keys`` then serves the default (``_creationTime``) order
    without an in-memory sort; never includes ``_id`` (one engine breaks).
    """
    fields = [(key, ASCENDING) for key in keys] + [(CREATION_TIME, ASCENDING)]
    return IndexModel(fields, name=name, unique=unique)
