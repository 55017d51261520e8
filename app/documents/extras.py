"""Fields a document holds beyond its model: an import told to keep the fields
it does not know (``db import-convex --unknown-fields keep``) stores them, and
reads return them as stored, as the panel saw them in Convex."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, cast

import msgspec
from pydantic import BaseModel


def declared_fields(model: type[BaseModel]) -> frozenset[str]:
    """The stored names of a model's fields (the system fields included)."""
    return frozenset(field.alias or name for name, field in model.model_fields.items())


@lru_cache(maxsize=256)
def _with_fields[S: msgspec.Struct](base: type[S], names: tuple[str, ...]) -> type[S]:
    """A subclass of ``base`` that also encodes ``names`` (any value; absent stays absent)."""
    fields = [(f"extra_{index}", Any, msgspec.UNSET) for index in range(len(names))]
    rename = {f"extra_{index}": name for index, name in enumerate(names)}
    subclass = msgspec.defstruct(
        base.__name__, fields, bases=(base,), rename=rename, omit_defaults=True
    )
    return cast(type[S], subclass)


def convert_keeping_extras[S: msgspec.Struct](
    document: Mapping[str, Any], out: type[S], declared: frozenset[str]
) -> S:
    """``msgspec.convert(document, out)``, plus every field the model does not
    declare (fields it declares but ``out`` leaves out, such as hashes, stay out)."""
    extra = tuple(sorted(key for key in document if key not in declared))
    if not extra:
        return msgspec.convert(document, out)
    converted: S = msgspec.convert(document, _with_fields(out, extra))
    return converted
