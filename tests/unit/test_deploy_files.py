"""The deployment files are valid before anyone runs them (docs/deploy.md):
the CI workflow against GitHub's workflow schema, deploy/compose.yaml against
the Compose specification (both schemas ship inside check-jsonschema, so this
works offline), deploy/nginx.conf through ``nginx -t``, and the limits they
carry against the service's own settings."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from app.config import Settings
from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
COMPOSE = ROOT / "deploy" / "compose.yaml"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
# Any download would go through this proxy, which refuses: the check must
# need nothing but what the package ships (CI reaches only package registries).
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


def check_schema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **OFFLINE, "NO_PROXY": ""},
        check=False,
    )


@pytest.mark.parametrize(
    ("schema", "path", "break_it"),
    [
        ("vendor.github-workflows", WORKFLOW, ("runs-on:", "runs-onn:")),
        ("vendor.compose-spec", COMPOSE, ("restart: unless-stopped", "restartt: unless-stopped")),
    ],
    ids=["workflow", "compose"],
)
def test_file_matches_its_schema_offline(
    schema: str, path: Path, break_it: tuple[str, str], tmp_path: Path
) -> None:
    result = check_schema(schema, path)
    assert result.returncode == 0, result.stdout + result.stderr
    # The same check refuses a misspelt key, so it does look at the file.
    broken = tmp_path / path.name
    broken.write_text(path.read_text().replace(*break_it))
    refused = check_schema(schema, broken)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert repr(break_it[1].split(":")[0]) in refused.stdout


def test_workflow_runs_the_checks_and_the_suite_on_mongodb_7_and_8() -> None:
    jobs = load(WORKFLOW)["jobs"]
    lint = " ".join(step.get("run", "") for step in jobs["lint"]["steps"])
    for command in ("ruff check", "ruff format --check", "mypy app", "lint-imports"):
        assert command in lint
    mongodb = jobs["mongodb"]
    assert mongodb["strategy"]["matrix"]["mongodb-version"] == ["7.0", "8.0"]
    server = next(s for s in mongodb["steps"] if "mongodb-github-action" in s.get("uses", ""))
    assert server["with"]["mongodb-replica-set"] == "rs0"
    suite = next(s for s in mongodb["steps"] if s.get("run") == "bash .ci/run")
    assert "replicaSet=rs0" in suite["env"]["APP_MONGODB_URL"]
    assert any(s.get("run") == "bash .ci/run" for s in jobs["engines"]["steps"])


def test_compose_has_a_replica_set_two_instances_and_no_secret() -> None:
    services = load(COMPOSE)["services"]
    nodes = [name for name in services if re.fullmatch(r"mongo\d", name)]
    assert nodes == ["mongo1", "mongo2", "mongo3"]
    for name in nodes:
        command = services[name]["command"]
        assert command[command.index("--replSet") + 1] == "rs0"
        assert "--keyFile" in command
        assert services[name]["image"].startswith("mongo:8")
    assert services["mongo-init"]["restart"] == "no"
    apps = [services["app1"], services["app2"]]
    for app in apps:
        assert app["depends_on"]["mongo-init"]["condition"] == "service_completed_successfully"
        assert "/ready" in " ".join(app["healthcheck"]["test"])
        url = app["environment"]["APP_MONGODB_URL"]
        for option in ("replicaSet=rs0", "w=majority", "retryWrites=true"):
            assert option in url
    assert (
        apps[0]["environment"]["APP_CURSOR_SECRET"] == apps[1]["environment"]["APP_CURSOR_SECRET"]
    )
    # Every secret is a variable of deploy/.env, and .env.example names them all.
    text = COMPOSE.read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text)) | {"MONGO_KEYFILE"}
    example = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert required <= set(example), required - set(example)
    for name in required:
        assert example[name] == "", f"{name} must be empty in .env.example"
    for name, value in _environment_values(services):
        if re.search(r"PASSWORD|SECRET|KEYFILE|TOKEN", name):
            assert str(value).startswith("${"), f"{name} is written in compose.yaml"


def _environment_values(services: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        (name, value)
        for service in services.values()
        for name, value in (service.get("environment") or {}).items()
    ]


def test_nginx_limits_match_the_service_defaults() -> None:
    conf = NGINX_CONF.read_text()
    defaults = Settings()

    def directive(name: str) -> str:
        match = re.search(rf"^\s*{name}\s+([^;]+);", conf, re.MULTILINE)
        assert match, name
        return match.group(1)

    def size(text: str) -> int:
        return int(text[:-1]) * {"k": 1024, "m": 1024 * 1024}[text[-1]]

    assert size(directive("client_max_body_size")) == defaults.max_body_bytes
    count, buffer = directive("large_client_header_buffers").split()
    assert int(count) * size(buffer) <= defaults.max_header_bytes
    assert directive("client_header_timeout") == f"{defaults.header_read_timeout_seconds:g}s"
    assert directive("client_body_timeout") == f"{defaults.body_read_timeout_seconds:g}s"
    # The client's own X-Forwarded-For is replaced, never trusted.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    compose = load(COMPOSE)["services"]
    proxy_ip = compose["proxy"]["networks"]["backend"]["ipv4_address"]
    assert compose["app1"]["environment"]["APP_TRUSTED_PROXIES"] == proxy_ip


def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        pytest.fail("nginx is not installed: apt-get install nginx-light (.ci/run does it)")
    # The compose host names and certificate paths exist only in the containers;
    # nginx -t binds the listening sockets, so they move to free local ports.
    conf = NGINX_CONF.read_text()
    conf = re.sub(r"server app\d:8000", "server 127.0.0.1:9", conf)
    conf = conf.replace("/etc/nginx/tls/", f"{tmp_path}/")
    conf = re.sub(
        r"listen (?:127\.0\.0\.1:)?\d+", lambda _: f"listen 127.0.0.1:{free_port()}", conf
    )
    (tmp_path / "nginx.conf").write_text(conf)
    certificate = [
        "-keyout",
        str(tmp_path / "privkey.pem"),
        "-out",
        str(tmp_path / "fullchain.pem"),
    ]
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=x",
            *certificate,
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    # Its own error log and pid file: the built-in ones are root's.
    test_command = [nginx, "-t", "-e", "stderr", "-p", str(tmp_path)]
    test_command += ["-c", str(tmp_path / "nginx.conf"), "-g", f"pid {tmp_path}/nginx.pid;"]

    def nginx_test() -> subprocess.CompletedProcess[str]:
        return subprocess.run(test_command, capture_output=True, text=True, timeout=60, check=False)

    result = nginx_test()
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    # And it refuses a broken one.
    (tmp_path / "nginx.conf").write_text(conf.replace("client_max_body_size", "client_max_bodysz"))
    broken = nginx_test()
    assert broken.returncode != 0
