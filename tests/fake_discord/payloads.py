"""Builders for the interaction payload pieces the driver sends (members, options, resolved)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .interactions import OptionValue
from .models import JSON, FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser


def member_payload(
    user: FakeUser, guild: FakeGuild, permissions: int, roles: Sequence[int] = ()
) -> JSON:
    """Return the interaction ``member`` object, including its ``permissions`` string."""
    member = guild.get_member(user.id) or FakeMember(user)
    member = dataclasses.replace(member, user=user, roles=tuple(roles) or member.roles)
    return member.to_payload(permissions=permissions)


def interaction_channel_payload(channel: FakeChannel, permissions: int) -> JSON:
    """Return the partial channel object sent with interactions."""
    data = channel.to_payload()
    data["permissions"] = str(permissions)
    return data


@dataclass
class ResolvedCollector:
    """Accumulates the ``resolved`` block for user/channel/role options."""

    guild: FakeGuild | None
    permissions: int
    users: dict[str, JSON] = field(default_factory=dict)
    members: dict[str, JSON] = field(default_factory=dict)
    channels: dict[str, JSON] = field(default_factory=dict)
    roles: dict[str, JSON] = field(default_factory=dict)

    def add_user(self, user: FakeUser) -> str:
        """Resolve a user (and their membership when in a guild); return the id string."""
        self.users[str(user.id)] = user.to_payload()
        if self.guild is not None:
            member = member_payload(user, self.guild, self.permissions)
            member.pop("user")
            self.members[str(user.id)] = member
        return str(user.id)

    def add_channel(self, channel: FakeChannel) -> str:
        """Resolve a channel; return the id string."""
        self.channels[str(channel.id)] = interaction_channel_payload(channel, self.permissions)
        return str(channel.id)

    def add_role(self, role: FakeRole) -> str:
        """Resolve a role; return the id string."""
        self.roles[str(role.id)] = role.to_payload()
        return str(role.id)

    def to_payload(self) -> JSON:
        """Return the non-empty parts of the resolved block."""
        data: JSON = {}
        for key in ("users", "members", "channels", "roles"):
            value: dict[str, JSON] = getattr(self, key)
            if value:
                data[key] = copy.deepcopy(value)
        return data


PYTHON_OPTION_TYPES: list[tuple[type, int]] = [
    (bool, 5),
    (int, 4),
    (float, 10),
    (str, 3),
    (FakeUser, 6),
    (FakeChannel, 7),
    (FakeRole, 8),
]


def infer_option_type(value: OptionValue) -> int:
    """Guess the option type of ``value`` when no registered schema says otherwise."""
    for python_type, option_type in PYTHON_OPTION_TYPES:
        if isinstance(value, python_type):
            return option_type
    raise TypeError(f"unsupported option value {value!r}")


def find_schema(
    command: JSON | None, group: str | None, subcommand: str | None
) -> list[JSON] | None:
    """Return the option schemas of the leaf (sub)command, or None if unregistered."""
    if command is None:
        return None
    options: list[JSON] = command.get("options", [])
    if group is not None:
        found = next((o for o in options if o["type"] == 2 and o["name"] == group), None)
        if found is None:
            raise ValueError(f"/{command['name']} has no subcommand group {group!r}")
        options = found.get("options", [])
    if subcommand is not None:
        found = next((o for o in options if o["type"] == 1 and o["name"] == subcommand), None)
        if found is None:
            raise ValueError(f"/{command['name']} has no subcommand {subcommand!r}")
        options = found.get("options", [])
    if any(o["type"] in (1, 2) for o in options):
        raise ValueError(f"/{command['name']} needs a subcommand (pass subcommand=...)")
    return options


def wrap_subcommand(leaf: list[JSON], group: str | None, subcommand: str | None) -> list[JSON]:
    """Nest leaf options inside subcommand / group option objects."""
    options = leaf
    if subcommand is not None:
        options = [{"type": 1, "name": subcommand, "options": options}]
    if group is not None:
        options = [{"type": 2, "name": group, "options": options}]
    return options


def option_values(
    options: Mapping[str, OptionValue], types: Mapping[str, int], focused: str | None
) -> list[tuple[str, int, OptionValue]]:
    """Pair each given option with its type; the focused option comes as typed text."""
    result: list[tuple[str, int, OptionValue]] = []
    for name, value in options.items():
        option_type = types.get(name) or infer_option_type(value)
        result.append((name, option_type, value))
    if focused is not None and focused not in options:
        result.append((focused, types.get(focused, 3), ""))
    return result


def resolve_option(
    name: str, option_type: int, value: OptionValue, collector: ResolvedCollector
) -> str | int | float | bool:
    """Convert a test value into the wire value, adding user/channel/role to ``resolved``."""
    if option_type in (6, 7, 8, 9):
        if isinstance(value, FakeUser) and option_type in (6, 9):
            return collector.add_user(value)
        if isinstance(value, FakeChannel) and option_type == 7:
            return collector.add_channel(value)
        if isinstance(value, FakeRole) and option_type in (8, 9):
            return collector.add_role(value)
        raise ValueError(f"option {name!r}: {value!r} does not fit option type {option_type}")
    if option_type == 11:
        raise NotImplementedError("attachment options are not supported by the fake")
    if isinstance(value, FakeUser | FakeChannel | FakeRole):
        raise ValueError(f"option {name!r}: {value!r} does not fit option type {option_type}")
    if option_type == 4 and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"option {name!r} expects an integer, got {value!r}")
    if option_type == 5 and not isinstance(value, bool):
        raise ValueError(f"option {name!r} expects a boolean, got {value!r}")
    if option_type == 10 and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ValueError(f"option {name!r} expects a number, got {value!r}")
    if option_type == 3 and not isinstance(value, str):
        raise ValueError(f"option {name!r} expects a string, got {value!r}")
    return value
