"""The three shapes a time takes here, in one place.

- ms since the epoch (float), as ``_creationTime``: every time that changes
  after insert (one engine stores a datetime written by ``$set`` as a string);
- BSON dates, written only at insert (TTL fields, event and audit times);
- ISO-8601 strings in JavaScript's ``toISOString()`` form, for the user
  fields the panel compares as strings.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now_ms() -> float:
    return time.time() * 1000.0


def ms_to_datetime(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def iso(moment: datetime) -> str:
    """JavaScript's ``Date.prototype.toISOString()``: ``2025-11-12T16:06:30.123Z``,
    always milliseconds (truncated, as a JS Date holds them) and ``Z``, so the
    panel's string comparisons order these times as it orders its own."""
    t = moment.astimezone(UTC)
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        f".{t.microsecond // 1000:03d}Z"
    )
