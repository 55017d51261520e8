"""HTTP clients of the load generator: raw keep-alive HTTP/1.1 streams (the
default, ≈75 µs of CPU per GET) or ``httpx.AsyncClient`` (``--client httpx``)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from tests.support.processes import HOST


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    token: str | None = None
    body: bytes = b""
    expect: int = 200


class RawConnection:
    """One keep-alive HTTP/1.1 connection, one request at a time (no pipelining)."""

    IDLE_SECONDS = 1.0  # servers close idle keep-alive connections (uvicorn: 5 s)

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def call(self, call: Call) -> tuple[int, bytes]:
        if self.writer is not None and time.perf_counter() - self.last_used > self.IDLE_SECONDS:
            self.close()
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        try:
            self.writer.write(self._request(call))
            status, body, keep = await self._response(self.reader)
        except BaseException:
            self.close()
            raise
        self.last_used = time.perf_counter()
        if not keep:
            self.close()
        return status, body

    def _request(self, call: Call) -> bytes:
        lines = [f"{call.method} {call.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if call.token:
            lines.append(f"Authorization: Bearer {call.token}")
        if call.body or call.method in ("POST", "PUT", "PATCH"):
            lines += ["Content-Type: application/json", f"Content-Length: {len(call.body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + call.body

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, keep = 0, False, True
        for line in head.lower().split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection" and b"close" in value:
                keep = False
        if not chunked:
            return status, await reader.readexactly(length), keep
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append((await reader.readexactly(size + 2))[:-2])
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        return status, b"".join(parts), keep


class RawClient:
    """One RawConnection per worker."""

    errors = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)

    def __init__(self, port: int) -> None:
        self.port = port
        self._connections: dict[int, RawConnection] = {}

    async def call(self, worker: int, call: Call) -> tuple[int, bytes]:
        connection = self._connections.get(worker)
        if connection is None:
            connection = self._connections[worker] = RawConnection(HOST, self.port)
        async with asyncio.timeout(60):
            return await connection.call(call)

    async def close(self) -> None:
        for connection in self._connections.values():
            connection.close()


class HttpxClient:
    """``httpx.AsyncClient`` with keep-alive connections limited to the concurrency."""

    errors = (httpx.HTTPError, OSError)

    def __init__(self, port: int, connections: int = 64) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._client = httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}", limits=limits, timeout=60
        )

    async def call(self, worker: int, call: Call) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {call.token}"} if call.token else {}
        if call.body:
            headers["Content-Type"] = "application/json"
        response = await self._client.request(
            call.method, call.path, headers=headers, content=call.body or None
        )
        return response.status_code, response.content

    async def close(self) -> None:
        await self._client.aclose()


Client = RawClient | HttpxClient


def make_client(kind: str, port: int) -> Client:
    return HttpxClient(port) if kind == "httpx" else RawClient(port)
