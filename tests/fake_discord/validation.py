"""The subset of Discord's payload limits the fake enforces (answering 400 like Discord)."""

from __future__ import annotations

from typing import Any

from .models import FLAG_COMPONENTS_V2, JSON, StoredMessage, iter_components

EMBED_LIMITS = {"title": 256, "description": 4096}
EMBED_TOTAL = 6000
INTERACTIVE_TYPES = {2, 3, 4, 5, 6, 7, 8}


class PayloadError(Exception):
    """A Discord API error: HTTP status, JSON error code, message and per-field errors."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message} {errors or ''}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or {}
        self.extra: dict[str, object] = {}
        self.headers: dict[str, str] = {}

    def to_body(self) -> JSON:
        """Return the JSON error body in Discord's nested ``errors`` format."""
        body: JSON = {"code": self.code, "message": self.message, **self.extra}
        if self.errors:
            nested: JSON = {}
            for path, text in self.errors.items():
                node = nested
                for part in path.split("."):
                    node = node.setdefault(part, {})
                node["_errors"] = [{"code": "INVALID", "message": text}]
            body["errors"] = nested
        return body


def invalid_form(errors: dict[str, str]) -> PayloadError:
    """Return the 400 Invalid Form Body error (code 50035)."""
    return PayloadError(400, 50035, "Invalid Form Body", errors)


def _embed_errors(embeds: list[JSON]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(embeds) > 10:
        errors["embeds"] = "Must be 10 or fewer in length."
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in EMBED_LIMITS.items():
            value = str(embed.get(key) or "")
            total += len(value)
            if len(value) > limit:
                errors[f"embeds.{i}.{key}"] = f"Must be {limit} or fewer in length."
        fields: list[JSON] = embed.get("fields", [])
        if len(fields) > 25:
            errors[f"embeds.{i}.fields"] = "Must be 25 or fewer in length."
        for j, f in enumerate(fields):
            name, value = str(f.get("name", "")), str(f.get("value", ""))
            total += len(name) + len(value)
            if not name or len(name) > 256:
                errors[f"embeds.{i}.fields.{j}.name"] = "Must be between 1 and 256 in length."
            if not value or len(value) > 1024:
                errors[f"embeds.{i}.fields.{j}.value"] = "Must be between 1 and 1024 in length."
        footer = embed.get("footer") or {}
        total += len(str(footer.get("text", "")))
        if len(str(footer.get("text", ""))) > 2048:
            errors[f"embeds.{i}.footer.text"] = "Must be 2048 or fewer in length."
        author = embed.get("author") or {}
        total += len(str(author.get("name", "")))
        if len(str(author.get("name", ""))) > 256:
            errors[f"embeds.{i}.author.name"] = "Must be 256 or fewer in length."
    if total > EMBED_TOTAL:
        errors["embeds"] = f"Embed size exceeds maximum size of {EMBED_TOTAL}"
    return errors


def component_errors(components: list[JSON], *, v2: bool = False) -> dict[str, str]:
    """Return errors for component rows, sizes and custom_ids (unique per message)."""
    errors: dict[str, str] = {}
    if not v2 and len(components) > 5:
        errors["components"] = "Must be 5 or fewer in length."
    for i, row in enumerate(components):
        if not v2 and row.get("type") != 1:
            errors[f"components.{i}.type"] = "Top-level components must be action rows."
        children: list[JSON] = row.get("components", [])
        if row.get("type") == 1 and not 1 <= len(children) <= 5:
            errors[f"components.{i}.components"] = "Must be between 1 and 5 in length."
    seen: set[str] = set()
    for component in iter_components(components):
        custom_id = component.get("custom_id")
        if custom_id is None:
            if component.get("type") in INTERACTIVE_TYPES and component.get("style") not in (5, 6):
                errors["components.custom_id"] = "A custom_id is required."
            continue
        if not 1 <= len(custom_id) <= 100:
            errors["components.custom_id"] = f"custom_id {custom_id!r} must be 1-100 characters."
        if custom_id in seen:
            errors["components.custom_id"] = f"Component custom id {custom_id!r} is duplicated."
        seen.add(custom_id)
        label = component.get("label")
        if label is not None and len(str(label)) > 80:
            errors["components.label"] = "Must be 80 or fewer in length."
        if len(component.get("options", [])) > 25:
            errors["components.options"] = "Must be 25 or fewer in length."
    return errors


def validate_message(message: StoredMessage) -> None:
    """Raise ``PayloadError`` if Discord would reject this message state."""
    v2 = bool(message.flags & FLAG_COMPONENTS_V2)
    errors: dict[str, str] = {}
    if len(message.content) > 2000:
        errors["content"] = "Must be 2000 or fewer in length."
    if v2 and (message.content or message.embeds):
        errors["content"] = "content and embeds cannot be used with the IS_COMPONENTS_V2 flag."
    errors.update(_embed_errors(message.embeds))
    errors.update(component_errors(message.components, v2=v2))
    if errors:
        raise invalid_form(errors)
    has_body = (
        message.content.strip()
        or message.embeds
        or message.attachments
        or message.extra.get("poll")
        or message.extra.get("sticker_items")
        or (v2 and message.components)
    )
    if not has_body and not message.loading:
        raise PayloadError(400, 50006, "Cannot send an empty message")


def validate_choices(choices: Any) -> None:
    """Raise ``PayloadError`` for a bad autocomplete result."""
    if not isinstance(choices, list):
        raise invalid_form({"data.choices": "This field is required."})
    errors: dict[str, str] = {}
    if len(choices) > 25:
        errors["data.choices"] = "Must be 25 or fewer in length."
    for i, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            errors[f"data.choices.{i}.name"] = "Must be between 1 and 100 in length."
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            errors[f"data.choices.{i}.value"] = "Must be 100 or fewer in length."
    if errors:
        raise invalid_form(errors)


def validate_modal(data: JSON) -> None:
    """Raise ``PayloadError`` for a bad modal."""
    errors: dict[str, str] = {}
    if not 1 <= len(str(data.get("title", ""))) <= 45:
        errors["data.title"] = "Must be between 1 and 45 in length."
    custom_id = str(data.get("custom_id", ""))
    if not 1 <= len(custom_id) <= 100:
        errors["data.custom_id"] = "Must be between 1 and 100 in length."
    components: list[JSON] = data.get("components", [])
    if not 1 <= len(components) <= 5:
        errors["data.components"] = "Must be between 1 and 5 in length."
    for component in iter_components(components):
        label = component.get("label")
        if component.get("type") == 4 and label is not None and len(str(label)) > 45:
            errors["data.components.label"] = "Must be 45 or fewer in length."
    if errors:
        raise invalid_form(errors)
