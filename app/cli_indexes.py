"""``litestar db indexes [--apply]`` (``scripts/manage db indexes``): the indexes
the models declare against those in the database.

Lists each declared index as ``ok``, ``missing`` or ``differs`` (with what
differs), and indexes nobody declares as ``extra``. ``--apply`` creates the
missing ones; a differing or extra index is never dropped or changed here
(docs/deploy.md, "Upgrades and index builds", says how to replace one).
Exit status 0 when nothing is missing or differs (extra indexes are only
reported), 1 otherwise.
"""

from __future__ import annotations

import asyncio

import click

from app.config import Settings, get_settings
from app.db import DOCUMENT_MODELS, Database
from app.documents.indexes import (
    Drift,
    IndexSpec,
    create_missing,
    find_drift,
    model_specs,
)
from app.retention import INDEX_NAME, retention_rules


def declared_indexes(settings: Settings) -> list[IndexSpec]:
    """The models' indexes and the retention (TTL) indexes of the settings."""
    retention = [
        IndexSpec(name, INDEX_NAME, ((date_field, 1),), {"expireAfterSeconds": seconds})
        for name, date_field, seconds in retention_rules(settings)
    ]
    return model_specs(DOCUMENT_MODELS) + retention


async def _drift(settings: Settings, apply: bool) -> tuple[Drift, list[tuple[IndexSpec, str]]]:
    # The raw database only: binding Beanie (Database.initialize) would create
    # the missing indexes before they could be listed.
    database = Database(settings)
    try:
        declared = declared_indexes(settings)
        drift = await find_drift(database.database, declared)
        failed = await create_missing(database.database, drift) if apply else []
        return drift, failed
    finally:
        await database.close()


def add_index_commands(db: click.Group) -> None:
    @db.command(
        "indexes",
        help="Compare the declared indexes with the database's: missing, differing, extra."
        " --apply creates the missing ones (never drops or changes one).",
    )
    @click.option("--apply", is_flag=True, help="Create the missing indexes.")
    @click.pass_context
    def indexes(context: click.Context, apply: bool) -> None:
        drift, failed = asyncio.run(_drift(get_settings(), apply))
        failed_specs = {id(spec) for spec, _ in failed}
        for spec in drift.matching:
            click.echo(f"ok       {spec.describe()}")
        for spec in drift.missing:
            state = "missing"
            if apply:
                state = "FAILED " if id(spec) in failed_specs else "created"
            click.echo(f"{state:<8} {spec.describe()}")
        for difference in drift.differing:
            click.echo(f"differs  {difference.describe()} [{', '.join(difference.what)}]")
        for spec in drift.extra:
            click.echo(f"extra    {spec.describe()}")
        for spec, reason in failed:
            click.echo(f"error: {spec.collection}.{spec.name} not created: {reason}", err=True)
        left_missing = failed if apply else drift.missing
        click.echo(
            f"{len(drift.matching)} ok, {len(drift.missing)} missing"
            + (f" ({len(drift.missing) - len(failed)} created)" if apply else "")
            + f", {len(drift.differing)} differing (never changed here), {len(drift.extra)} extra"
        )
        if left_missing or drift.differing:
            context.exit(1)
