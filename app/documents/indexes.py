"""The indexes the models declare against those in the database (index drift).

An index is identified by its key pattern, as MongoDB does: a declared index
is *missing* when no index has its keys or its name, *differs* when one has
its keys (or its name) with other options or another name, and an index the
models do not declare is *extra*. Missing ones can be created; differing and
extra ones are only reported: dropping an index is an operator's decision
(a unique index may be what keeps duplicates out), never the service's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from app.documents.compat import is_engine_index_name

logger = logging.getLogger("app.indexes")

# The options that change what an index does; others (v, ns, background) do not.
OPTIONS = ("unique", "sparse", "expireAfterSeconds", "partialFilterExpression", "collation")
# Options whose absence means this value.
ABSENT = {"unique": False, "sparse": False}

Keys = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class IndexSpec:
    collection: str
    name: str
    keys: Keys
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, collection: str, document: dict[str, Any]) -> IndexSpec:
        """From an ``IndexModel.document`` or a ``listIndexes`` entry."""
        options = {
            key: _direction(document[key])
            for key in OPTIONS
            if key in document and document[key] != ABSENT.get(key, object())
        }
        keys = tuple((name, _direction(value)) for name, value in document["key"].items())
        return cls(collection, str(document["name"]), keys, options)

    def describe(self) -> str:
        keys = ", ".join(name if value == 1 else f"{name}: {value}" for name, value in self.keys)
        options = "".join(f" {key}={value}" for key, value in sorted(self.options.items()))
        return f"{self.collection}.{self.name} ({keys}){options}"

    def model(self) -> IndexModel:
        return IndexModel(list(self.keys), name=self.name, **self.options)


@dataclass(frozen=True)
class Difference:
    declared: IndexSpec
    found: IndexSpec
    # "name", "keys" and option names whose values differ.
    what: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.declared.describe()}; in the database: {self.found.describe()}"


@dataclass
class Drift:
    missing: list[IndexSpec] = field(default_factory=list)
    differing: list[Difference] = field(default_factory=list)
    extra: list[IndexSpec] = field(default_factory=list)
    matching: list[IndexSpec] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.differing)


def model_specs(models: Iterable[type[Any]]) -> list[IndexSpec]:
    """The named indexes of each Beanie model's ``Settings``."""
    specs = []
    for model in models:
        settings = model.Settings
        for index in getattr(settings, "indexes", []):
            specs.append(IndexSpec.from_document(settings.name, index.document))
    return specs


def _direction(value: Any) -> Any:
    """1.0 and 1 are one direction (and one TTL): servers answer either."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _differences(declared: IndexSpec, found: IndexSpec) -> tuple[str, ...]:
    what = []
    if found.name != declared.name and not is_engine_index_name(
        found.name, found.collection, found.keys
    ):
        what.append("name")
    if found.keys != declared.keys:
        what.append("keys")
    for option in sorted(set(declared.options) | set(found.options)):
        if declared.options.get(option) != found.options.get(option):
            what.append(option)
    return tuple(what)


def compare(declared: list[IndexSpec], found: list[IndexSpec]) -> Drift:
    drift = Drift()
    left = [index for index in found if index.name != "_id_"]
    for spec in declared:
        here = [index for index in left if index.collection == spec.collection]
        match = next((index for index in here if index.keys == spec.keys), None)
        match = match or next((index for index in here if index.name == spec.name), None)
        if match is None:
            drift.missing.append(spec)
            continue
        left.remove(match)
        what = _differences(spec, match)
        if what:
            drift.differing.append(Difference(spec, match, what))
        else:
            drift.matching.append(spec)
    drift.extra = left
    return drift


async def database_indexes(
    database: AsyncDatabase[dict[str, Any]], collections: Iterable[str]
) -> list[IndexSpec]:
    found = []
    existing = set(await database.list_collection_names())
    for name in sorted(set(collections) & existing):
        async for document in await database[name].list_indexes():
            found.append(IndexSpec.from_document(name, dict(document)))
    return found


async def find_drift(database: AsyncDatabase[dict[str, Any]], declared: list[IndexSpec]) -> Drift:
    found = await database_indexes(database, {spec.collection for spec in declared})
    return compare(declared, found)


async def create_missing(
    database: AsyncDatabase[dict[str, Any]], drift: Drift
) -> list[tuple[IndexSpec, str]]:
    """Create the missing indexes, a collection's in one command; when that
    fails (duplicates under a unique key, a conflict created meanwhile), each
    on its own, so one bad index keeps none of the others from being built.
    Returns the ones that failed, with the server's reason."""
    failed = []
    by_collection: dict[str, list[IndexSpec]] = {}
    for spec in drift.missing:
        by_collection.setdefault(spec.collection, []).append(spec)
    for collection, specs in by_collection.items():
        try:
            await database[collection].create_indexes([spec.model() for spec in specs])
            continue
        except OperationFailure:
            pass
        for spec in specs:
            try:
                await database[collection].create_indexes([spec.model()])
            except OperationFailure as exc:
                failed.append((spec, _reason(exc)))
    return failed


def _reason(exc: OperationFailure) -> str:
    return str((exc.details or {}).get("errmsg") or exc).splitlines()[0][:300]


async def ensure_indexes(
    database: AsyncDatabase[dict[str, Any]], declared: list[IndexSpec]
) -> Drift:
    """At start-up: create what is missing, log what differs, and go on serving.

    Before, one index whose options differed from the model's (an index built
    by hand, a changed declaration) failed the whole start-up with an
    index-options conflict, retried for ever: the service never became ready.
    """
    drift = await find_drift(database, declared)
    failed = await create_missing(database, drift)
    for spec, reason in failed:
        logger.error("index %s could not be created: %s", spec.describe(), reason)
    if len(drift.missing) > len(failed):
        logger.info("created %d missing index(es)", len(drift.missing) - len(failed))
    for difference in drift.differing:
        logger.warning(
            "index drift: %s differs (%s); left as it is, see `scripts/manage db indexes`",
            difference.describe(),
            ", ".join(difference.what),
        )
    return drift
