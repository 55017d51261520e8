"""The Convex document model shared by every collection, by concern:
``ids`` (system fields, Convex IDs), ``tables`` (the table numbers IDs carry),
``patch`` (patch rules and plans), ``cursors`` (keyset pages),
``repository`` (the query base), ``base`` (the Beanie base), ``compat`` (the
stand-in engines' workarounds)."""

from app.documents.base import ConvexDocument, by_creation
from app.documents.cursors import CursorCodec, Order, Page, query_fingerprint
from app.documents.ids import (
    CREATION_TIME,
    ID_FIELD,
    RANDOM_BYTES,
    SYSTEM_FIELDS,
    NotAConvexId,
    is_valid_id,
    new_object_id,
    parse_id,
)
from app.documents.patch import PatchPlan, PatchRules, plan_patch
from app.documents.repository import (
    CollectionSource,
    DuplicateKey,
    PatchableRepository,
    Repository,
)
from app.documents.tables import ConvexTables, TableNumberConflict, TableNumbers

__all__ = [
    "CREATION_TIME",
    "ID_FIELD",
    "RANDOM_BYTES",
    "SYSTEM_FIELDS",
    "CollectionSource",
    "ConvexDocument",
    "ConvexTables",
    "CursorCodec",
    "DuplicateKey",
    "NotAConvexId",
    "Order",
    "Page",
    "PatchPlan",
    "PatchRules",
    "PatchableRepository",
    "Repository",
    "TableNumberConflict",
    "TableNumbers",
    "by_creation",
    "is_valid_id",
    "new_object_id",
    "parse_id",
    "plan_patch",
    "query_fingerprint",
]
