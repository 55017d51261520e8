"""The API docs page works offline: the real server serves Swagger UI's files
itself, and headless Chromium, cut off from every host but the service,
renders the operations. ``APP_DOCS_ENABLED=false`` removes it all."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.helpers import running_service

PAGE_ASSETS = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']([^"']+)["']""")
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
}
# Every host name fails to resolve except the service's address, and anything
# that still tries to leave (an IP literal) goes to a proxy where nothing listens;
# loopback never goes through a proxy.
OFFLINE = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
]


@pytest.fixture(scope="module")
def docs_url(engine: Any) -> Iterator[str]:
    """One real server per engine for the module (the page reads no data)."""
    with running_service(engine.url, f"test_{uuid.uuid4().hex[:16]}") as base_url:
        yield base_url


def chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with the network cut off; a missing browser fails
    the test (.ci/run installs the Debian package)."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("chromium is not installed: apt-get install chromium (.ci/run does it)")
    environment = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            *OFFLINE,
            # Virtual time runs until the page is idle (or 15 s of it have
            # passed): the DOM is read after the scripts ran, without a sleep.
            "--virtual-time-budget=15000",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )


async def test_the_page_loads_only_the_service_own_files(docs_url: str) -> None:
    async with httpx.AsyncClient(base_url=docs_url, timeout=30) as http:
        page = await http.get("/schema")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assets = PAGE_ASSETS.findall(page.text)
        assert len(assets) == 4, assets  # favicon, stylesheet, bundle, preset
        assert all(url.startswith("/schema/assets/") for url in assets), assets
        assert "http://" not in page.text and "https://" not in page.text
        for url in assets:
            asset = await http.get(url)  # without credentials: public like the page
            assert asset.status_code == 200, url
            expected = CONTENT_TYPES[Path(url).suffix]
            assert asset.headers["content-type"].startswith(expected), url
            assert len(asset.content) > 500, url
        policy = dict(
            part.strip().split(" ", 1)
            for part in page.headers["content-security-policy"].split(";")
        )
        assert policy["script-src"].split()[0] == "'self'"
        assert all(source.startswith("'sha256-") for source in policy["script-src"].split()[1:])
        assert policy["style-src"] == "'self' 'unsafe-inline'"
        assert policy["default-src"] == "'none'"
        spec = await http.get("/schema/openapi.json")
        assert spec.status_code == 200 and spec.json()["info"]["title"] == "Panel Users Service"


async def test_chromium_offline_renders_the_operations(docs_url: str, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=docs_url, timeout=30) as http:
        spec = (await http.get("/schema/openapi.json")).json()
    operations = {
        (method.lower(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    rendered = chromium(tmp_path, "--dump-dom", f"{docs_url}/schema")
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    dom = rendered.stdout
    assert re.search(r'<h1 class="title">Panel Users Service\b', dom), dom[-2000:]
    shown = set(
        re.findall(
            r'class="opblock opblock-(get|post|put|patch|delete)\b.*?data-path="([^"]+)"',
            dom,
            re.S,
        )
    )
    assert ("get", "/api/users") in shown and ("post", "/api/users") in shown
    assert shown == operations

    screenshot = tmp_path / "schema.png"
    shot = chromium(
        tmp_path, "--window-size=1280,1600", f"--screenshot={screenshot}", f"{docs_url}/schema"
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    image = screenshot.read_bytes()
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) > 20_000


async def test_docs_can_be_turned_off(engine: Any, database_name: str) -> None:
    with running_service(engine.url, database_name, APP_DOCS_ENABLED="false") as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            for path in (
                "/schema",
                "/schema/",
                "/schema/openapi.json",
                "/schema/swagger",
                "/schema/assets/swagger-ui-bundle.js",
                "/schema/assets/swagger-ui.css",
            ):
                response = await http.get(path)
                assert response.status_code == 404, path
                assert response.json()["success"] is False, path
            assert (await http.get("/health")).status_code == 200
