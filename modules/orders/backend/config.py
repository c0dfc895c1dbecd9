"""Settings of the orders service, read from ORDERS_* environment variables and `.env`."""

from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", env_file=".env", extra="ignore")

    data_dir: Path = Path(".data")
    # Defaults to a SQLite file in data_dir; a postgresql+asyncpg:// URL runs the same code on Postgres.
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535, validation_alias=AliasChoices("ORDERS_PORT", "PORT"))
    max_body_bytes: int = Field(default=1_048_576, ge=1)

    @model_validator(mode="after")
    def _default_database_url(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'orders.db'}"
        return self
