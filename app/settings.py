"""The one place configuration is read from the environment."""

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

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [origin.strip() for origin in text.split(",") if origin.strip()]
        return value

    def pool_options(self) -> PoolOptions:
        """The connection pool limits these settings ask for."""
        return PoolOptions(
            self.database_pool_size, self.database_max_overflow, self.database_pool_timeout_s
        )


def load_settings() -> Settings:
    """Read the settings from the environment (and nothing else)."""
    return Settings()
