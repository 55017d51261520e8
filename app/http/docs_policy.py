"""The Content-Security-Policy of the API docs page (Swagger UI).

The page runs scripts: its policy allows the service's own files ('self':
the Swagger UI assets, app/http/docs.py) and, by hash, the inline script it
was rendered with (the OpenAPI document is inlined, so the hash is computed
from each response). No other host is ever allowed: a page that linked one
would break visibly instead of loading code from outside.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from litestar.types import Send

_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_LINK = re.compile(rb"<link\b([^>]*)>", re.I)
_ATTRIBUTE = re.compile(rb"""\b(src|href|rel)\s*=\s*["']([^"']*)["']""", re.I)


def _attributes(raw: bytes) -> dict[str, str]:
    return {
        name.decode().lower(): value.decode("ascii", "replace")
        for name, value in _ATTRIBUTE.findall(raw)
    }


def _source(url: str) -> str | None:
    return "'self'" if url.startswith("/") and not url.startswith("//") else None


def docs_policy(html: bytes) -> str:
    scripts, styles = ["'self'"], ["'self'", "'unsafe-inline'"]
    for raw_attributes, body in _SCRIPT.findall(html):
        attributes = _attributes(raw_attributes)
        if "src" in attributes:
            source = _source(attributes["src"])
        else:
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            source = f"'sha256-{digest}'"
        if source:
            scripts.append(source)
    for raw_attributes in _LINK.findall(html):
        attributes = _attributes(raw_attributes)
        if attributes.get("rel", "").lower() == "stylesheet":
            source = _source(attributes.get("href", ""))
            if source:
                styles.append(source)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(dict.fromkeys(scripts)),
            # Swagger UI sets inline styles and draws its icons as data: SVGs.
            "style-src " + " ".join(dict.fromkeys(styles)),
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def with_docs_policy(send: Send) -> Send:
    """Holds back an HTML response until its body is known, to hash its scripts."""
    held: list[Any] = []
    chunks: list[bytes] = []

    async def send_with_policy(message: Any) -> None:
        if message["type"] == "http.response.start":
            headers = {name.lower(): value for name, value in message.get("headers") or []}
            if headers.get(b"content-type", b"").startswith(b"text/html"):
                held.append(message)
                return
        if not held or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(chunks)
        start = held[0]
        start["headers"] = [
            *(start.get("headers") or []),
            (b"content-security-policy", docs_policy(body).encode()),
        ]
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return send_with_policy
