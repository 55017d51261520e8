"""Convex patches: which fields a patch may touch, and the update it becomes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

import msgspec
from pydantic import BaseModel

from app.documents.ids import SYSTEM_FIELDS
from app.errors import ValidationError
from app.field_problems import FieldProblem


@dataclass(frozen=True)
class PatchRules:
    """Which fields of a collection a patch may touch, and how."""

    required: frozenset[str]
    optional: frozenset[str]
    # Fields that exist but are never patchable (e.g. passwordHash).
    protected: frozenset[str] = frozenset()

    @classmethod
    def from_model(
        cls, model: type[BaseModel], *, base: type[BaseModel], protected: frozenset[str]
    ) -> PatchRules:
        """The rules a model's declaration implies: a field that may be None is
        optional (null removes it), any other is required; the fields of
        ``base`` (system fields, the ODM's own) and ``protected`` ones are not
        patchable."""
        required: set[str] = set()
        optional: set[str] = set()
        for name, field in model.model_fields.items():
            stored = field.alias or name
            if name in base.model_fields or stored in SYSTEM_FIELDS or stored in protected:
                continue
            (optional if type(None) in get_args(field.annotation) else required).add(stored)
        return cls(frozenset(required), frozenset(optional), protected)


@dataclass(frozen=True)
class PatchPlan:
    set: dict[str, Any]
    unset: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.set and not self.unset

    def as_update(self) -> dict[str, Any]:
        update: dict[str, Any] = {}
        if self.set:
            update["$set"] = self.set
        if self.unset:
            update["$unset"] = {field: "" for field in self.unset}
        return update


def plan_patch(patch: Mapping[str, Any], stored: Mapping[str, Any], rules: PatchRules) -> PatchPlan:
    """Turn a Convex patch into ``$set``/``$unset``: shallow merge, ``None`` removes.

    System fields may be given only with their stored value; unknown and
    protected fields, and removing a required field, are 400.
    """
    to_set: dict[str, Any] = {}
    to_unset: list[str] = []
    for field, value in patch.items():
        if field in SYSTEM_FIELDS:
            if value != stored.get(field):
                raise ValidationError.field(field, FieldProblem.SYSTEM_FIELD)
            continue
        if field in rules.protected:
            raise ValidationError.field(field, FieldProblem.NOT_PATCHABLE)
        if field not in rules.required and field not in rules.optional:
            raise ValidationError.field(field, FieldProblem.UNKNOWN_FIELD)
        if value is None:
            if field in rules.required:
                raise ValidationError.field(field, FieldProblem.REQUIRED_FIELD_REMOVED)
            if field in stored:
                to_unset.append(field)
        elif stored.get(field, msgspec.UNSET) != value:
            to_set[field] = value
    return PatchPlan(set=to_set, unset=tuple(to_unset))
