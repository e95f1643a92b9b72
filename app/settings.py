"""The one place configuration is read from the environment."""

import ipaddress
import json
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.db import PoolOptions


class Settings(BaseSettings):
    """Service configuration; every field can be set by an environment variable of the same name."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str = Field(
        default="sqlite:///articles.db",
        description="SQLAlchemy URL of the database (DATABASE_URL).",
    )
    import_max_file_bytes: int = Field(
        default=1024 * 1024,
        ge=1,
        description="Files larger than this are rejected by the importer (IMPORT_MAX_FILE_BYTES).",
    )
    database_read_url: str | None = Field(
        default=None,
        description="Where the API reads from, e.g. a PostgreSQL replica (DATABASE_READ_URL); "
        "DATABASE_URL when unset. Imports and migrations always use DATABASE_URL.",
    )
    database_pool_size: int = Field(
        default=5, ge=1, description="Connections each API process keeps open (DATABASE_POOL_SIZE)."
    )
    database_max_overflow: int = Field(
        default=10,
        ge=0,
        description="Extra connections a process may open under load (DATABASE_MAX_OVERFLOW).",
    )
    database_pool_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a request waits for a free connection before a 503 "
        "(DATABASE_POOL_TIMEOUT_S).",
    )
    database_statement_timeout_ms: int = Field(
        default=10_000,
        ge=0,
        description="PostgreSQL: longest a statement of the API may run, 0 for no limit "
        "(DATABASE_STATEMENT_TIMEOUT_MS).",
    )
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    exact_total_limit: int = Field(
        default=10_000,
        ge=0,
        description="List totals are counted exactly up to this many matches (EXACT_TOTAL_LIMIT).",
    )
    cache_max_age: int = Field(
        default=60,
        ge=0,
        description="Seconds a client or proxy may reuse a GET answer before asking again "
        "(CACHE_MAX_AGE).",
    )
    answer_cache_mb: float = Field(
        default=16,
        ge=0,
        description="Memory (MB) each API process may use to keep whole answers for the current "
        "catalog version, so that a repeated GET costs a lookup; dropped at once when an import "
        "changes anything; 0 turns it off (ANSWER_CACHE_MB).",
    )
    keep_alive_s: int = Field(
        default=75,
        ge=1,
        description="Seconds `articles serve` keeps an idle keep-alive connection open "
        "(KEEP_ALIVE_S). Longer than clients and proxies keep theirs (httpx 5 s, nginx and "
        "load balancers 60 s): a server that closes first can close a connection just as a "
        "client sends on it, which the client sees as a failed request.",
    )
    shutdown_timeout_s: int = Field(
        default=8,
        ge=0,
        description="Seconds `articles serve` lets answers in flight finish after SIGTERM before "
        "it cuts them off (SHUTDOWN_TIMEOUT_S); below Docker's 10 s, so that the server ends "
        "its own shutdown before it is killed.",
    )
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(
        default=["*"],
        description="Origins browsers may call the API from: `*` for any, or a comma-separated "
        "(or JSON) list such as `https://a.example,https://b.example` (CORS_ALLOW_ORIGINS).",
    )

    max_url_bytes: int = Field(
        default=8192,
        ge=256,
        description="Longest request target (path and query string) answered; longer is a 414 "
        "(MAX_URL_BYTES).",
    )
    max_header_bytes: int = Field(
        default=16384,
        ge=1024,
        description="Most bytes of request headers (names and values) answered; more is a 431 "
        "(MAX_HEADER_BYTES).",
    )
    max_parameter_length: int = Field(
        default=1024,
        ge=64,
        description="Longest value of one query parameter, in characters; longer is a 400 "
        "naming it (MAX_PARAMETER_LENGTH).",
    )
    max_parameter_values: int = Field(
        default=50,
        ge=1,
        description="Most values one query parameter may be given (`topic=a&topic=b`); more is "
        "a 400 naming it (MAX_PARAMETER_VALUES).",
    )
    rate_limit_per_minute: int = Field(
        default=0,
        ge=0,
        description="Requests one client address may make in any 60 seconds; 0 turns rate "
        "limiting off (RATE_LIMIT_PER_MINUTE).",
    )
    rate_limit_burst: int = Field(
        default=0,
        ge=0,
        description="Requests one client address may make in any one second, on top of the "
        "per-minute quota; 0 for no such bound (RATE_LIMIT_BURST).",
    )
    rate_limit_storage: str = Field(
        default="async+memory://",
        description="Where request counts are kept (a `limits` storage URI): in each process "
        "by default, or a shared store such as `async+redis://host:6379` (RATE_LIMIT_STORAGE).",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Addresses or networks of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed, comma-separated (TRUSTED_PROXIES); none by default.",
    )

    @field_validator("cors_allow_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _check_async_storage(cls, value: str) -> str:
        # The limiter runs on the event loop: a blocking client would stall every request.
        if not value.startswith("async+"):
            raise ValueError("must name an async storage, e.g. async+memory:// or async+redis://")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_networks(cls, value: list[str]) -> list[str]:
        # A typo must not silently trust nobody (or a host name nobody connects from).
        for entry in value:
            ipaddress.ip_network(entry, strict=False)
        return value

    def pool_options(self) -> PoolOptions:
        """The connection pool limits these settings ask for."""
        return PoolOptions(
            self.database_pool_size, self.database_max_overflow, self.database_pool_timeout_s
        )


def load_settings() -> Settings:
    """Read the settings from the environment (and nothing else)."""
    return Settings()
