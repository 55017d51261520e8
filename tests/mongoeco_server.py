"""Runs mongoeco's wire server (memory engine) as a process of its own.

Usage: python tests/mongoeco_server.py PORT. The test harness starts it;
a separate process keeps the engine's event loop off the tests' loop.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

from mongoeco.engines.memory import MemoryEngine
from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

_ensure_unique_indexes = MemoryEngine._ensure_unique_indexes


def _without_payload_scan(self: MemoryEngine, *args: Any, **kwargs: Any) -> Any:
    """The wire server inserts each document alone, and a lone insert compares
    its ``_id`` with every stored document's (``scan_payload_id``): inserts
    grow with the collection (the search entries: minutes per test). Only a
    numeric ``_id`` can equal another of a different spelling, and the engine
    still scans for those; any other ``_id`` is checked by its storage key."""
    kwargs["scan_payload_id"] = False
    return _ensure_unique_indexes(self, *args, **kwargs)


MemoryEngine._ensure_unique_indexes = _without_payload_scan  # type: ignore[method-assign]


async def serve(port: int) -> None:
    # PyMongo 4.20 needs the "auto-installed" profile (see ENGINE.md).
    server = AsyncMongoEcoProxyServer(port=port, pymongo_profile="auto-installed")
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(f"ready {server.address.port}", flush=True)
    await stop.wait()
    await server.close()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
