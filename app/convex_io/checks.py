"""The first pass of an import: every line read, decoded and checked against
the model, and the conflicts found, before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from app.convex_io.report import Conflict, Problem, TableStats
from app.convex_io.repository import BulkDocuments
from app.convex_io.snapshot import Snapshot
from app.convex_io.tables import Invalid, Options, TableMapping
from app.convex_io.values import BadValue
from app.documents import CREATION_TIME, ID_FIELD
from app.documents.ids import table_of

LOOKUP_BATCH = 1000

FAIL, SKIP, KEEP_FIRST = "fail", "skip", "keep-first"


@dataclass(frozen=True)
class UserEntry:
    document_id: str
    email: str
    creation_time: float


@dataclass
class TableCheck:
    mapping: TableMapping
    stats: TableStats
    problems: list[Problem] = field(default_factory=list)
    # Lines the write pass leaves out although they decode (a repeated _id).
    skip_lines: set[int] = field(default_factory=set)
    ids: list[str] = field(default_factory=list)
    users: list[UserEntry] = field(default_factory=list)
    emails: dict[str, str] = field(default_factory=dict)  # as given -> as stored


def check_table(
    snapshot: Snapshot, mapping: TableMapping, stats: TableStats, advance: Callable[[int], None]
) -> TableCheck:
    """Read every line of one table; record what cannot be imported and why."""
    check = TableCheck(mapping, stats)
    decoder = snapshot.decoder(mapping.panel)
    stats.era = decoder.era
    options = Options(derive=False, emails=check.emails)
    first_line: dict[str, int] = {}
    # Every _id of a table carries the table's number (CONVEX.md §2.8).
    table_number = (snapshot.table_numbers() or {}).get(mapping.panel)
    for number, text in snapshot.lines(mapping.panel):
        stats.read += 1
        if stats.read % 512 == 0:
            advance(512)
        document: dict[str, Any] = {}
        try:
            if isinstance(text, BadValue):
                raise text
            document = decoder.decode(text)
            mapped = mapping.to_stored(document, options)
        except (BadValue, Invalid) as exc:
            raw_id = document.get(ID_FIELD)
            check.problems.append(
                Problem(
                    mapping.panel, number, raw_id if isinstance(raw_id, str) else None, str(exc)
                )
            )
            continue
        stored = mapped.document
        document_id = stored[ID_FIELD]
        carried = table_of(document_id)
        if table_number is not None and carried not in (None, table_number):
            reason = (
                f"_id is an ID of table number {carried}, not of {mapping.panel} ({table_number})"
            )
            check.problems.append(Problem(mapping.panel, number, document_id, reason))
            continue
        if document_id in first_line:
            reason = f"the same _id as line {first_line[document_id]}"
            check.problems.append(Problem(mapping.panel, number, document_id, reason))
            check.skip_lines.add(number)
            continue
        first_line[document_id] = number
        check.ids.append(document_id)
        stats.unknown_fields.update(mapped.unknown.keys())
        if "email" in stored:
            check.users.append(UserEntry(document_id, stored["email"], stored[CREATION_TIME]))
    advance(stats.read % 512)
    stats.invalid = len(check.problems)
    return check


def _resolution(policy: str, existing: bool) -> str:
    if policy == FAIL:
        return "refused"
    if existing:
        return "skipped (exists)"
    return "kept first" if policy == KEEP_FIRST else "skipped both"


def email_conflicts(users: Sequence[UserEntry], policy: str) -> tuple[list[Conflict], set[str]]:
    """Users of the export with the same stored email: each later one is a
    conflict with the earliest (by ``_creationTime``); the IDs left out."""
    conflicts: list[Conflict] = []
    left_out: set[str] = set()
    by_email = sorted(users, key=lambda user: (user.email, user.creation_time, user.document_id))
    for email, group in groupby(by_email, key=lambda user: user.email):
        first, *others = list(group)
        for other in others:
            resolution = _resolution(policy, existing=False)
            conflicts.append(
                Conflict("users", "email", email, first.document_id, other.document_id, resolution)
            )
            left_out.add(other.document_id)
        if others and policy == SKIP:
            left_out.add(first.document_id)
    return conflicts, left_out


async def stored_email_conflicts(
    users: Sequence[UserEntry], imported: set[str], target: BulkDocuments, policy: str
) -> tuple[list[Conflict], set[str]]:
    """Users whose email an existing user (not replaced by this import) has."""
    conflicts: list[Conflict] = []
    left_out: set[str] = set()
    for start in range(0, len(users), LOOKUP_BATCH):
        batch = users[start : start + LOOKUP_BATCH]
        owners = await target.owners("email", [user.email for user in batch])
        for user in batch:
            owner = owners.get(user.email)
            if owner is None or owner == user.document_id or owner in imported:
                continue
            resolution = _resolution(policy, existing=True)
            conflicts.append(
                Conflict("users", "email", user.email, owner, user.document_id, resolution)
            )
            left_out.add(user.document_id)
    return conflicts, left_out


async def stored_id_conflicts(
    table: str, ids: Sequence[str], target: BulkDocuments, policy: str
) -> tuple[list[Conflict], set[str]]:
    """Documents whose ``_id`` is stored already (append mode)."""
    conflicts: list[Conflict] = []
    left_out: set[str] = set()
    for start in range(0, len(ids), LOOKUP_BATCH):
        for document_id in sorted(await target.existing_ids(ids[start : start + LOOKUP_BATCH])):
            resolution = _resolution(policy, existing=True)
            conflicts.append(
                Conflict(table, ID_FIELD, document_id, document_id, document_id, resolution)
            )
            left_out.add(document_id)
    return conflicts, left_out
