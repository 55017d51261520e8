"""Keyset pages and their opaque, tamper-evident cursors."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from bson import json_util

from app.errors import InvalidCursor

Order = Literal["asc", "desc"]


def query_fingerprint(collection: str, query: Mapping[str, Any], order: Order) -> bytes:
    """A stable digest of a query, so a cursor only continues the query it came from."""
    canonical = json_util.dumps(
        {"c": collection, "q": query, "o": order}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CursorCodec:
    """Opaque, tamper-evident cursors: a JSON position signed with HMAC over the
    query's fingerprint, so a cursor only continues the query it came from."""

    secret: bytes

    def encode(self, fingerprint: bytes, position: Sequence[Any]) -> str:
        payload = msgspec.json.encode(list(position))
        mac = hmac.new(self.secret, fingerprint + payload, hashlib.sha256).digest()[:16]
        return f"{_b64(payload)}.{_b64(mac)}"

    def decode(
        self, fingerprint: bytes, cursor: str, types: tuple[type, ...] = (float, str)
    ) -> list[Any]:
        try:
            payload_text, mac_text = cursor.split(".")
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except ValueError as exc:  # also binascii.Error
            raise InvalidCursor() from exc
        expected = hmac.new(self.secret, fingerprint + payload, hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(mac, expected):
            raise InvalidCursor()
        try:
            position = msgspec.json.decode(payload, type=tuple[*types])  # type: ignore[valid-type]
        except msgspec.DecodeError as exc:
            raise InvalidCursor() from exc
        return list(position)


@dataclass(frozen=True)
class Page[Row]:
    documents: list[Row]
    continue_cursor: str
    is_done: bool
