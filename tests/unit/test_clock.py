"""User times are written in JavaScript's toISOString() form: the panel
compares them as strings."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta, timezone

from app.clock import iso

# Date.prototype.toISOString() for years 0-9999.
JS_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def test_iso_is_javascripts_form() -> None:
    # Values as `new Date(…).toISOString()` prints them.
    assert iso(datetime(2025, 11, 12, 16, 6, 30, 123_000, UTC)) == "2025-11-12T16:06:30.123Z"
    assert iso(datetime(2025, 11, 12, 16, 6, 30, tzinfo=UTC)) == "2025-11-12T16:06:30.000Z"
    # A JS Date holds whole milliseconds: the rest is cut, not rounded.
    assert iso(datetime(2025, 11, 12, 16, 6, 30, 999_999, UTC)) == "2025-11-12T16:06:30.999Z"
    istanbul = timezone(timedelta(hours=3))
    assert iso(datetime(2025, 11, 12, 19, 6, 30, 5_000, istanbul)) == "2025-11-12T16:06:30.005Z"
    assert iso(datetime(5, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0005-01-02T03:04:05.000Z"


def test_string_order_is_time_order() -> None:
    rng = random.Random(7)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(microseconds=rng.randrange(10**15)) for _ in range(500)]
    moments += [start, start + timedelta(milliseconds=1), start + timedelta(seconds=1)]
    texts = [iso(moment) for moment in moments]
    assert all(JS_ISO.fullmatch(text) for text in texts)
    assert sorted(texts) == [iso(moment) for moment in sorted(moments)]
