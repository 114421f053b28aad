"""Settings from the environment or a .env file, built once in __main__; secrets stay secret."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.packs import BUNDLED_PACK

DEFAULT_PACK = BUNDLED_PACK


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
        default_factory=list,
        description="More pack files or folders, comma-separated, added to the bundled pack.",
    )
    default_pack: Literal["on", "off"] | Path = Field(
        default="on",
        description="The bundled pack: on, off, or its path where data/ lives elsewhere.",
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

    @field_validator("default_pack", mode="before")
    @classmethod
    def _switch(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("on", "off"):
            return value.strip().lower()
        return value

    def pack_paths(self) -> list[Path]:
        """The packs the bot loads: the bundled one (unless off), then QUIZBOT_PACKS, each once."""
        bundled = [] if self.default_pack == "off" else [self.bundled_pack]
        paths: list[Path] = []
        seen: set[Path] = set()
        for path in [*bundled, *self.packs]:
            if path.resolve() not in seen:
                seen.add(path.resolve())
                paths.append(path)
        return paths

    @property
    def bundled_pack(self) -> Path:
        """Where the bundled pack is read from."""
        return self.default_pack if isinstance(self.default_pack, Path) else DEFAULT_PACK

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value
