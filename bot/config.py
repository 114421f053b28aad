"""Settings from the environment or a .env file, built once in __main__; secrets stay secret."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_PACK = Path(__file__).resolve().parent.parent / "data" / "questions.yaml"


class Settings(BaseSettings):
    """Everything quizbot reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="QUIZBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    db: str = Field(
        default="quizbot.db", description="SQLite database file, or a postgresql:// URL."
    )
    # A comma-separated list in the environment, not JSON.
    packs: Annotated[list[Path], NoDecode] = Field(
        default_factory=lambda: [DEFAULT_PACK],
        description="Question pack files or folders, comma-separated.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Log verbosity."
    )
    log_format: Literal["text", "json"] = Field(default="text", description="Log line format.")
    shard_count: int | None = Field(
        default=None,
        description="Discord shards in all, across every process (needs PostgreSQL).",
    )
    shard_ids: str | None = Field(
        default=None, description="The shards this process runs, comma-separated (e.g. 0,1)."
    )
    dev_guild_id: int | None = Field(
        default=None,
        description="Discord server id to sync commands to instantly while developing.",
    )
    discord_token: SecretStr | None = Field(
        default=None, alias="DISCORD_TOKEN", description="Discord bot token."
    )
    slack_bot_token: SecretStr | None = Field(
        default=None, alias="SLACK_BOT_TOKEN", description="Slack bot token (xoxb-...)."
    )
    slack_app_token: SecretStr | None = Field(
        default=None, alias="SLACK_APP_TOKEN", description="Slack app-level token for Socket Mode."
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, alias="SLACK_SIGNING_SECRET", description="Slack signing secret (HTTP mode)."
    )

    @field_validator("packs", mode="before")
    @classmethod
    def _split_packs(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("db", mode="before")
    @classmethod
    def _path_as_text(cls, value: object) -> object:
        # A URL is not a path (Path would fold its "//"), but a Path is a fine file name.
        return str(value) if isinstance(value, Path) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value
