"""Settings, read from the environment (prefix ``APP_``) only when asked for."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The old panel granted everything to roles whose name contained "ADMIN" or
# "BAŞKAN"; here the grant is an explicit table that operators can override.
DEFAULT_ROLE_PERMISSIONS: dict[str, list[str]] = {
    "admin": ["users:manage"],
    "ADMIN": ["users:manage"],
    "BAŞKAN": ["users:manage"],
    "SUPER_ADMIN": ["users:manage"],
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore")

    # HTTP
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 64 * 1024
    # One log line per request costs ~8% of a cheap request's CPU (measured);
    # most deployments log requests at their proxy.
    access_log: bool = False
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
    engine_port: int = 27018
    server_selection_timeout_ms: int = 5000
    connect_timeout_ms: int = 5000
    socket_timeout_ms: int = 10000
    # Concurrent reads by ID share one $in query (app/batching.py).
    batch_reads: bool = True

    # Signs list cursors. Every instance behind one load balancer needs the
    # same value; unset, each process picks its own (cursors die on restart).
    cursor_secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32))

    # Authentication
    cookie_secure: bool = True
    session_ttl_hours: int = 24
    remember_me_days: int = 30
    session_touch_seconds: int = 60
    lockout_max_failures: int = 5
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
    service_tokens: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    service_token_cache_seconds: float = 30.0
    role_permissions: dict[str, list[str]] = Field(
        default_factory=lambda: dict(DEFAULT_ROLE_PERMISSIONS)
    )
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
