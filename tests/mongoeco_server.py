"""Runs mongoeco's wire server (memory engine) as a process of its own.

Usage: python tests/mongoeco_server.py PORT. The test harness starts it;
a separate process keeps the engine's event loop off the tests' loop.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from mongoeco.wire.proxy import AsyncMongoEcoProxyServer


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
