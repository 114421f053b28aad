"""slack-manifest.yaml declares exactly what the adapter registers and calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.adapters.slack_app.app import COMMANDS

MANIFEST = Path(__file__).resolve().parents[3] / "slack-manifest.yaml"


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return loaded


def test_commands_match_the_listeners() -> None:
    commands = manifest()["features"]["slash_commands"]
    assert tuple(c["command"] for c in commands) == COMMANDS
    escaped = {c["command"] for c in commands if c["should_escape"]}
    assert escaped == {"/quiz-stats", "/quiz-admin"}, "mentions and #channels arrive as ids"


def test_scopes_are_exactly_what_is_used() -> None:
    # commands: slash commands; chat:write: postMessage, update, postEphemeral;
    # users:read: users.info for the admin check; channels:read and groups:read:
    # conversations.info when setup checks the channel; channels:history and groups:history:
    # conversations.history, to find a post whose answer was lost instead of posting it
    # twice. views.open and auth.test need none.
    assert manifest()["oauth_config"]["scopes"]["bot"] == [
        "commands",
        "chat:write",
        "users:read",
        "channels:read",
        "groups:read",
        "channels:history",
        "groups:history",
    ]


def test_socket_mode_and_interactivity_are_on() -> None:
    settings = manifest()["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
