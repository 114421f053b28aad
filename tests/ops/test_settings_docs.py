"""The Settings model, the README's Settings table and .env.example list the same variables."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def settings_variables() -> set[str]:
    """The environment variable of every Settings field: the prefix plus name, or its alias."""
    prefix = Settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias or field.alias
        assert alias is None or isinstance(alias, str), f"{name}: update this test for {alias!r}"
        names.add((alias or f"{prefix}{name}").upper())
    return names


def readme_variables() -> set[str]:
    """The variables in the first column of the README's Settings table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert len(rows) > 2, "the Settings section has a table"
    names: set[str] = set()
    for row in rows[2:]:  # after the header and the |---| line
        names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1]))
    return names


def env_example_variables() -> set[str]:
    """Variables set, or shown commented out, in .env.example."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_settings_have_the_documented_prefix_and_secrets() -> None:
    expected = {"DISCORD_TOKEN", "QUIZBOT_DB", "QUIZBOT_PACKS", "QUIZBOT_LOG_LEVEL"}
    assert expected <= settings_variables()


def test_readme_settings_table_matches_the_model() -> None:
    documented, actual = readme_variables(), settings_variables()
    assert documented - actual == set(), "documented in README.md but not a setting"
    assert actual - documented == set(), "a setting missing from README.md's Settings table"


# Read by docker compose (the postgres profile's server), not by quizbot.
COMPOSE_VARIABLES = {"POSTGRES_PASSWORD"}


def test_env_example_matches_the_model() -> None:
    listed, actual = env_example_variables() - COMPOSE_VARIABLES, settings_variables()
    assert listed - actual == set(), "in .env.example but not a setting"
    assert actual - listed == set(), "a setting missing from .env.example"


def test_env_example_sets_only_the_token() -> None:
    """Empty values override defaults (and the image's QUIZBOT_DB), so the rest stay commented."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    active = re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE)
    assert active == ["DISCORD_TOKEN"]
