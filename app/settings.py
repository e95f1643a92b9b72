"""The one place configuration is read from the environment."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    exact_total_limit: int = Field(
        default=10_000,
        ge=0,
        description="List totals are counted exactly up to this many matches (EXACT_TOTAL_LIMIT).",
    )


def load_settings() -> Settings:
    """Read the settings from the environment (and nothing else)."""
    return Settings()
