"""The three shapes a time takes here, in one place.

- ms since the epoch (float), as ``_creationTime``: every time that changes
  after insert (one engine stores a datetime written by ``$set`` as a string);
- BSON dates, written only at insert (TTL fields, event and audit times);
- ISO-8601 strings in JavaScript's ``toISOString()`` form, for the user
  fields the panel compares as strings.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


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


# JavaScript's toISOString() form, exactly (the panel's Convex documents hold
# their times so: "2025-11-12T16:06:30.123Z"), to and from whole milliseconds.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def parse_js_iso(text: str) -> int:
    """Whole ms since the epoch of an ISO-8601 time that names its zone;
    ValueError for anything else, or a time finer than a millisecond (which
    neither a BSON date nor a JavaScript Date could hold)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO-8601 time") from None  # the text stays out of the message
    if moment.tzinfo is None:
        raise ValueError("the time has no time zone")
    elapsed = moment - _EPOCH
    if elapsed % _MS:
        raise ValueError("the time is finer than a millisecond")
    return elapsed // _MS


def js_iso(ms: int) -> str:
    return iso(_EPOCH + timedelta(milliseconds=ms))


def datetime_of_ms(ms: int) -> datetime:
    """Exact, unlike ``ms_to_datetime`` (a float division)."""
    return _EPOCH + timedelta(milliseconds=ms)


def ms_of_datetime(moment: datetime) -> int:
    return (moment - _EPOCH) // _MS
