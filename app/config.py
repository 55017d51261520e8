"""Settings, read from the environment (prefix ``APP_``) only when asked for."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

# The old panel granted everything to roles whose name contained "ADMIN" or
# "BAŞKAN"; here the grant is an explicit table that operators can override.
DEFAULT_ROLE_PERMISSIONS: dict[str, list[str]] = {
    "admin": ["users:manage"],
    "ADMIN": ["users:manage"],
    "BAŞKAN": ["users:manage"],
    "SUPER_ADMIN": ["users:manage"],
}

# Convex table numbers of the panel's tables (CONVEX.md §2.7): what new IDs
# carry until an import remembers the deployment's own (app/documents/tables.py).
# User tables of a fresh Convex deployment are numbered from 10001.
DEFAULT_CONVEX_TABLE_NUMBERS: dict[str, int] = {
    "users": 10001,
    "user_sessions": 10002,
    "security_events": 10003,
    "audit_logs": 10004,
}


def check_table_numbers(numbers: dict[str, int]) -> dict[str, int]:
    """``numbers`` if every name is a panel table and every number a distinct u32 ≥ 1."""
    unknown = sorted(set(numbers) - set(DEFAULT_CONVEX_TABLE_NUMBERS))
    if unknown:
        raise ValueError(f"not a table of this service: {', '.join(unknown)}")
    for table, number in numbers.items():
        if not 1 <= number <= 2**32 - 1:
            raise ValueError(f"the number of {table!r} must be in 1..4294967295, not {number}")
    if len(set(numbers.values())) != len(numbers):
        raise ValueError(f"two tables have one number: {numbers}")
    return numbers


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore")

    # HTTP
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = 64 * 1024
    # One log line per request costs ~8% of a cheap request's CPU (measured);
    # most deployments log requests at their proxy.
    access_log: bool = False
    # Logs (app/logs.py): "auto" is text at a terminal, JSON lines otherwise.
    log_format: Literal["auto", "text", "json"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Metrics (app/http/metrics.py): off unless a token or a port is set.
    # The token opens GET /metrics on the API port to that bearer token; the
    # port serves /metrics without one on APP_METRICS_HOST, for a private network.
    metrics_token: SecretStr | None = Field(default=None, min_length=32)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    # The API docs page and OpenAPI document under /schema (app/http/docs.py).
    docs_enabled: bool = True
    # Connections (README "Connections"; app/server.py). Idle connections are
    # cheap, so the cap is far above the 1,024 that once stopped the service.
    max_connections: int = Field(default=10_000, ge=1)
    backlog: int = Field(default=1024, ge=128)
    # Also the idle time allowed between keep-alive requests (hyper has one timer).
    header_read_timeout_seconds: float = Field(default=10.0, gt=0)
    # The whole body; 64 KiB at a slow 5 kB/s uplink takes 13 s.
    body_read_timeout_seconds: float = Field(default=15.0, gt=0)
    # hyper refuses buffers below 8 KiB; heads larger than this get 431.
    max_header_bytes: int = Field(default=32 * 1024, ge=8192)

    # Database. Unset URL: scripts/serve starts the embedded engine.
    mongodb_url: str | None = None
    database: str = "panel_users"
    data_dir: str = "./data"
    engine_port: int = Field(default=27018, ge=1, le=65535)
    # One deadline for all the database work of a request (PyMongo CSOT); under
    # it the driver ignores server selection and socket timeouts (app/deadline.py).
    request_timeout_ms: int = Field(default=5000, gt=0)
    # /ready answers within this, so a probe sees a hung database as not ready.
    ready_timeout_ms: int = Field(default=1000, gt=0)
    # Opening a connection, and the background monitor's checks of the server.
    connect_timeout_ms: int = Field(default=5000, gt=0)
    # Concurrent reads by ID share one $in query (app/batching.py).
    batch_reads: bool = True

    # Signs list cursors. Every instance behind one load balancer needs the
    # same value; unset, each process picks its own (cursors die on restart).
    cursor_secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32))

    # Authentication
    cookie_secure: bool = True
    # Empty: "__Host-auth-session" with Secure cookies (no sibling subdomain can
    # set or overwrite it), "auth-session" for plain-http development.
    cookie_name: str = ""
    # Browser origins allowed to call the API with credentials (CORS) and to
    # send state-changing requests (app/http/browser.py). Empty: none.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    session_ttl_hours: int = 24
    remember_me_days: int = 30
    session_touch_seconds: int = 60
    # Failures of one account from one client address; see app/auth/lockout.py.
    lockout_max_failures: int = 5
    # Failures of one account from any address (locks it for everyone).
    account_max_failures: int = 50
    lockout_window_minutes: int = 15
    lockout_minutes: int = 30
    ip_max_failures: int = 50
    ip_window_minutes: int = 15
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    # Half the cores: two hashes on a 2-core machine gained ~7% logins/s but
    # left no core for request handling (scripts/bench, figure 5).
    hash_concurrency: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 2) // 2))
    # Password checks admitted at once per client address, and in all
    # (app/security/hash_queue.py); more are refused at once with 429 / 503.
    hash_queue_per_client: int = 16
    hash_queue_max: int = 64
    # The highest bcrypt cost among legacy hashes (the panel's routes used 12);
    # every password check lasts at least one such verify. 0: none left.
    legacy_bcrypt_cost: int = Field(default=12, ge=0, le=16)
    service_tokens: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    service_token_cache_seconds: float = 30.0
    role_permissions: dict[str, list[str]] = Field(
        default_factory=lambda: dict(DEFAULT_ROLE_PERMISSIONS)
    )
    # Security events and audit logs older than this are removed (TTL index).
    security_event_retention_days: int = Field(default=365, ge=1)
    audit_log_retention_days: int = Field(default=365, ge=1)
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None
    # "users:10001,user_sessions:10002,…" (or JSON); unnamed tables keep the defaults.
    convex_table_numbers: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_CONVEX_TABLE_NUMBERS)
    )

    # The panel's Convex function API (app/convex_api): off unless given a URL
    # prefix (e.g. "/convex"); the client networks it answers (empty: any); the
    # Convex deployment that serves the functions of the tables the service does
    # not own (unset: they answer "not found"), the deploy key sent with them
    # (unset: none, as the panel's own calls had), their time limit and how many
    # may be in flight at once (more answer 503 at once).
    convex_api_prefix: str = Field(default="", pattern=r"^(/[A-Za-z0-9._~-]+)*$")
    convex_allowed_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    convex_upstream_url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    convex_upstream_deploy_key: SecretStr | None = None  # never in a repr or a log
    convex_upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    convex_upstream_max_concurrency: int = Field(default=32, ge=1, le=10_000)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("convex_allowed_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            # Refuses a malformed CIDR at start-up rather than at the first call.
            return [str(ipaddress.ip_network(str(part), strict=False)) for part in value]
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            return [_origin(str(part)) for part in value]
        return value

    @model_validator(mode="after")
    def _session_cookie_name(self) -> Settings:
        if not self.cookie_name:
            self.cookie_name = "__Host-auth-session" if self.cookie_secure else "auth-session"
        if not _COOKIE_NAME.fullmatch(self.cookie_name):
            raise ValueError("APP_COOKIE_NAME may only contain letters, digits and !#$%&'*+-.^_`|~")
        if self.cookie_name.startswith(("__Host-", "__Secure-")) and not self.cookie_secure:
            raise ValueError(
                "APP_COOKIE_NAME with a __Host- or __Secure- prefix needs Secure cookies"
            )
        return self

    @field_validator("convex_table_numbers", mode="before")
    @classmethod
    def _parse_table_numbers(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("{"):
                value = json.loads(text)
            else:
                pairs = [pair.partition(":") for pair in text.split(",") if pair.strip()]
                if any(not sep for _, sep, _ in pairs):
                    raise ValueError("APP_CONVEX_TABLE_NUMBERS takes table:number pairs")
                value = {name.strip(): number.strip() for name, _, number in pairs}
        return value

    @field_validator("convex_table_numbers", mode="after")
    @classmethod
    def _check_table_numbers(cls, value: dict[str, int]) -> dict[str, int]:
        return check_table_numbers({**DEFAULT_CONVEX_TABLE_NUMBERS, **value})

    @field_validator("service_tokens", mode="before")
    @classmethod
    def _parse_service_tokens(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        tokens: dict[str, str] = {}
        for pair in value.split(","):
            if not pair.strip():
                continue
            name, sep, token = pair.strip().partition(":")
            if not sep or not name or len(token) < 32:
                raise ValueError(
                    "APP_SERVICE_TOKENS takes name:token pairs, tokens of at least 32 characters"
                )
            tokens[name] = token
        return tokens


_COOKIE_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~]+")
_ORIGIN = re.compile(r"(https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?")


def _origin(value: str) -> str:
    """An origin as browsers send it: scheme://host[:port], lower case, nothing more."""
    origin = value.strip().lower().rstrip("/")
    if not _ORIGIN.fullmatch(origin):
        raise ValueError(
            f"APP_CORS_ORIGINS takes origins like https://panel.example.org, not {value.strip()!r}"
        )
    # Browsers leave the default port out of Origin.
    for default in ("https://", ":443"), ("http://", ":80"):
        if origin.startswith(default[0]) and origin.endswith(default[1]):
            origin = origin.removesuffix(default[1])
    return origin


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


class BadSetting(Exception):
    """A bad ``APP_`` variable, as one line naming it (never its value: some are secrets)."""


def load_settings() -> Settings:
    """``get_settings()`` for the entry points: a bad variable raises ``BadSetting``."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            message = error["msg"].removeprefix("Value error, ")
            name = f"APP_{str(error['loc'][0]).upper()}" if error["loc"] else ""
            named = not name or message.startswith(name)
            problems.append(message if named else f"{name}: {message}")
        raise BadSetting("; ".join(problems).replace("\n", " ")) from None
    except SettingsError as exc:
        # pydantic-settings could not decode a JSON-valued variable.
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"APP_{field.group(1).upper()}" if field else "an APP_ variable"
        raise BadSetting(f"{name}: {exc.__cause__ or exc}".replace("\n", " ")) from None
