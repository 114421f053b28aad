"""Slash command text into arguments; the engine validates the values themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.adapters.slack_app import replies
from bot.core.errors import InvalidInput
from bot.core.model import Period, RankBy
from bot.core.parsing import parse_difficulty
from bot.core.questions import Difficulty

# With "escape channels, users and links" on, Slack sends <#C123|name>, <@U123|name>,
# <!subteam^S123|@group> and <!here>; bare ids are accepted as well.
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$|^([CG][A-Z0-9]{6,})$")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$|^([UW][A-Z0-9]{6,})$")
_GROUP = re.compile(r"^<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>$")
_SPECIAL = re.compile(r"^<!(here|channel)(?:\|[^>]*)?>$|^@(here|channel)$")

ADMIN_ACTIONS = (
    "setup",
    "reveal",
    "difficulty",
    "days",
    "ping",
    "pause",
    "resume",
    "postnow",
    "status",
    "selfgrade",
    "member",
    "audit",
    "reload",
)


@dataclass(frozen=True)
class DrawArgs:
    """What `/quiz` asked for."""

    difficulty: Difficulty | None = None
    topic: str | None = None
    private: bool = False
    help: bool = False


@dataclass(frozen=True)
class MemberRef:
    """A member named in a command: their id and the label Slack sent along, if any."""

    id: str
    label: str | None


@dataclass(frozen=True)
class AdminArgs:
    """One `/quiz-admin` action with its words (`help` when there is none)."""

    action: str
    args: tuple[str, ...] = ()


def _words(text: str) -> list[str]:
    return text.split()


def parse_quiz(text: str) -> DrawArgs:
    """`[difficulty] [topic] [private]` in any order."""
    if text.strip().lower() in ("help", "?"):
        return DrawArgs(help=True)
    words = _words(text)
    levels = {d.value for d in Difficulty}
    difficulty: Difficulty | None = None
    topic: str | None = None
    private = False
    for word in words:
        lower = word.lower()
        if lower == "private" and not private:
            private = True
        elif lower in levels and difficulty is None:
            difficulty = parse_difficulty(lower)
        elif topic is None:
            topic = word
        else:
            raise InvalidInput(f"Unexpected '{word}'. {replies.QUIZ_USAGE}")
    return DrawArgs(difficulty, topic, private)


def parse_leaderboard(text: str) -> tuple[Period, RankBy]:
    """`[week|month|all] [points|streak]` in any order."""
    period, by = Period.ALL, RankBy.POINTS
    for word in _words(text.lower()):
        if word in {p.value for p in Period}:
            period = Period(word)
        elif word in {r.value for r in RankBy}:
            by = RankBy(word)
        else:
            raise InvalidInput(f"Unexpected '{word}'. {replies.BOARD_USAGE}")
    return period, by


def parse_member(text: str) -> MemberRef | None:
    """The member `/quiz-stats` asks about, None for the caller."""
    words = _words(text)
    if not words:
        return None
    match = _USER.match(words[0]) if len(words) == 1 else None
    if match is None:
        raise InvalidInput(f"Name one member with an @mention. {replies.STATS_USAGE}")
    return MemberRef(match[1] or match[3], match[2] or None)


def parse_channel(text: str) -> str:
    """A channel id from `#channel` as Slack escapes it."""
    match = _CHANNEL.match(text)
    if match is None:
        raise InvalidInput(
            f"'{text}' is not a channel: pick one with # (e.g. `#python`) so Slack links it."
        )
    return match[1] or match[2]


def parse_ping(text: str) -> str | None:
    """A user group, here or channel, as stored (`subteam^S123`, `here`); None for none."""
    word = text.strip()
    if word.lower() in ("none", "off", "nobody"):
        return None
    group = _GROUP.match(word)
    if group:
        return f"subteam^{group[1]}"
    special = _SPECIAL.match(word)
    if special:
        return special[1] or special[2]
    raise InvalidInput(
        f"'{word}' is not something I can mention: use a user group (@group), @here, "
        "@channel or none."
    )


def parse_reveal(args: tuple[str, ...]) -> dict[str, str]:
    """`daily:8h draw:60s` (either or both) as keyword arguments for the admin."""
    delays: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition(":") if ":" in arg else arg.partition("=")
        key = key.lower()
        if not sep or key not in ("daily", "draw") or key in delays or not value:
            raise InvalidInput(
                f"'{arg}' is not a reveal delay: use `/quiz-admin reveal daily:8h draw:60s`."
            )
        delays[key] = value
    if not delays:
        raise InvalidInput("Give a delay: `/quiz-admin reveal daily:8h draw:60s`.")
    return delays


def is_help(text: str) -> bool:
    """True for an empty command, `help` or `?`."""
    return text.strip().lower() in ("", "help", "?")


def parse_admin(text: str) -> AdminArgs:
    """The action word and its arguments; the shape is checked, the values later."""
    words = _words(text)
    if is_help(text):
        return AdminArgs("help")
    action, args = words[0].lower(), tuple(words[1:])
    if action not in ADMIN_ACTIONS:
        raise InvalidInput(f"Unknown admin command '{words[0]}'.\n{replies.ADMIN_USAGE}")
    expected = {"setup": 3, "difficulty": 1, "ping": 1, "selfgrade": 1, "member": 2}
    no_args = ("pause", "resume", "postnow", "status", "audit", "reload")
    if (
        (action in expected and len(args) != expected[action])
        or (action in no_args and args)
        or (action in ("reveal", "days") and not args)
    ):
        raise InvalidInput(f"Incomplete or extra words for `{action}`.\n{replies.ADMIN_USAGE}")
    return AdminArgs(action, args)
