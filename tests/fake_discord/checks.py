"""What the Discord client UI enforces before a member can send an interaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .models import ADMINISTRATOR, JSON, FakeChannel, FakeRole, FakeUser, iter_components
from .payloads import ResolvedCollector

GUILD_CONTEXT = 0
"""Interaction context type: inside a guild."""
BOT_DM_CONTEXT = 1
"""Interaction context type: in the bot's DM."""


def check_visible(
    command: JSON, permissions: int, context: int, *, ignore_default_permissions: bool = False
) -> None:
    """Raise PermissionError if the member would not see the command at all.

    Discord hides commands whose ``default_member_permissions`` the member lacks (unless a
    server admin overrode it under Integrations) and commands not allowed in this context.
    """
    contexts: list[int] | None = command.get("contexts")
    if contexts is not None and context not in contexts:
        raise PermissionError(f"/{command['name']} is not available in context {context}")
    if context == BOT_DM_CONTEXT and command.get("dm_permission") is False:
        raise PermissionError(f"/{command['name']} is not available in DMs")
    required = command.get("default_member_permissions")
    if required is None or ignore_default_permissions or permissions & ADMINISTRATOR:
        return
    needed = int(required)
    if permissions & needed != needed:
        raise PermissionError(
            f"/{command['name']} needs permissions {needed:#x} (member has {permissions:#x}); "
            "pass ignore_default_permissions=True to simulate a server override"
        )


def check_option_value(schema: JSON, value: Any) -> None:
    """Raise ValueError for a value outside the option's choices, range or length."""
    name = schema["name"]
    choices: list[JSON] = schema.get("choices") or []
    if choices and value not in [c["value"] for c in choices]:
        allowed = [c["value"] for c in choices]
        raise ValueError(f"option {name!r}: {value!r} is not one of {allowed}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = schema.get("min_value"), schema.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"option {name!r}: {value!r} is outside {low}..{high}")
    if isinstance(value, str):
        low, high = schema.get("min_length"), schema.get("max_length")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise ValueError(f"option {name!r}: length of {value!r} is outside {low}..{high}")
    channel_types: list[int] = schema.get("channel_types") or []
    if isinstance(value, FakeChannel) and channel_types and value.type not in channel_types:
        raise ValueError(f"option {name!r}: channel type {value.type} not in {channel_types}")


def check_options(
    name: str, schema: list[JSON], options: Mapping[str, Any], focused: str | None
) -> None:
    """Raise ValueError for unknown or missing options, or values the client would refuse."""
    by_name = {o["name"]: o for o in schema}
    unknown = sorted(set(options) - set(by_name))
    if unknown:
        raise ValueError(f"/{name} has no option(s) {unknown}; it has {sorted(by_name)}")
    if focused is not None:
        if focused not in by_name:
            raise ValueError(f"/{name} has no option {focused!r}")
        if not by_name[focused].get("autocomplete"):
            raise ValueError(f"/{name} option {focused!r} has no autocomplete")
        return
    missing = [o["name"] for o in schema if o.get("required") and o["name"] not in options]
    if missing:
        raise ValueError(f"/{name} is missing required option(s) {missing}")
    for option_name, value in options.items():
        check_option_value(by_name[option_name], value)


def select_values(
    component: JSON,
    values: Sequence[str | FakeUser | FakeRole | FakeChannel],
    collector: ResolvedCollector,
) -> list[str]:
    """Validate chosen select values and return their wire form (ids for entity selects)."""
    low, high = int(component.get("min_values", 1)), int(component.get("max_values", 1))
    if not low <= len(values) <= high:
        raise ValueError(f"select {component['custom_id']!r} takes {low}..{high} values")
    result: list[str] = []
    for value in values:
        if isinstance(value, FakeUser):
            result.append(collector.add_user(value))
        elif isinstance(value, FakeRole):
            result.append(collector.add_role(value))
        elif isinstance(value, FakeChannel):
            result.append(collector.add_channel(value))
        else:
            result.append(value)
    if component["type"] == 3:
        allowed = [o["value"] for o in component.get("options", [])]
        bad = [v for v in result if v not in allowed]
        if bad:
            raise ValueError(f"select {component['custom_id']!r}: {bad} not in {allowed}")
    return result


def modal_submit_components(modal: JSON, values: Mapping[str, str | Sequence[str]]) -> list[JSON]:
    """Build the MODAL_SUBMIT ``components`` mirroring the modal's rows/labels."""
    known = {c["custom_id"]: c for c in iter_components(modal["components"]) if "custom_id" in c}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(
            f"modal {modal['custom_id']!r} has no input(s) {unknown}; has {sorted(known)}"
        )

    def submitted(component: JSON) -> JSON:
        custom_id = component["custom_id"]
        value = values.get(custom_id)
        if component["type"] == 4:
            text = "" if value is None else str(value)
            if component.get("required", True) and not text:
                raise ValueError(f"modal input {custom_id!r} is required")
            low, high = component.get("min_length"), component.get("max_length")
            too_short = low is not None and len(text) < low
            if text and (too_short or (high is not None and len(text) > high)):
                raise ValueError(f"modal input {custom_id!r}: length must be {low}..{high}")
            return {"type": 4, "custom_id": custom_id, "value": text}
        chosen = [value] if isinstance(value, str) else list(value or [])
        return {"type": component["type"], "custom_id": custom_id, "values": chosen}

    result: list[JSON] = []
    for top in modal["components"]:
        if top.get("type") == 1:
            children = [submitted(c) for c in top.get("components", []) if "custom_id" in c]
            result.append({"type": 1, "components": children})
        elif top.get("type") == 18 and "custom_id" in top.get("component", {}):
            result.append({"type": 18, "component": submitted(top["component"])})
    return result
