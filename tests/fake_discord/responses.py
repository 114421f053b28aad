"""How the fake answers the bot's interaction callbacks, followups and @original edits."""

from __future__ import annotations

import copy
from time import monotonic

from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    UPDATE_MESSAGE,
    FakeInteraction,
    InteractionEvent,
    InteractionEventKind,
)
from .models import FLAG_EPHEMERAL, FLAG_LOADING, JSON, StoredMessage, copy_json, snowflake
from .state import (
    INTERACTION_FLAGS,
    FakeState,
    ModalRecord,
    Upload,
    unknown_message,
    unknown_webhook,
)
from .validation import PayloadError, validate_choices, validate_modal

ALLOWED_CALLBACKS: dict[int, set[int]] = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    },
}
"""Which callback types Discord accepts for each interaction type."""


class InteractionResponses:
    """Applies interaction callbacks and webhook calls to the fake's state, recording events."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    def interaction(self, token: str, interaction_id: int | None = None) -> FakeInteraction:
        """Return the interaction for a token or raise 404 Unknown interaction."""
        found = self.state.interactions.get(token)
        if found is None or (interaction_id is not None and found.id != interaction_id):
            raise PayloadError(404, 10062, "Unknown interaction")
        if not found.responded:
            window = self.state.interaction_window_s
            if self.state.interactions_expire or (
                window is not None and monotonic() - found.sent_at > window
            ):
                raise PayloadError(404, 10062, "Unknown interaction")
        return found

    def webhook_interaction(self, application_id: int, token: str) -> FakeInteraction:
        """Return the interaction behind a webhook URL or raise 404 Unknown Webhook."""
        found = self.state.interactions.get(token)
        if found is None or application_id != self.state.application_id:
            raise unknown_webhook()
        if not found.responded:
            raise unknown_webhook()
        return found

    def _event(
        self,
        interaction: FakeInteraction,
        kind: InteractionEventKind,
        data: JSON,
        message: StoredMessage | None = None,
        callback_type: int | None = None,
    ) -> None:
        snapshot = message.snapshot() if message is not None else None
        interaction.events.append(InteractionEvent(kind, copy_json(data), snapshot, callback_type))

    def callback(self, interaction: FakeInteraction, payload: JSON, uploads: list[Upload]) -> JSON:
        """Handle POST /interactions/{id}/{token}/callback; return the with_response body."""
        if interaction.responded:
            raise PayloadError(400, 40060, "Interaction has already been acknowledged.")
        callback_type = int(payload.get("type", 0))
        data: JSON = payload.get("data") or {}
        allowed = set(ALLOWED_CALLBACKS.get(interaction.type, set()))
        if interaction.type == MODAL_SUBMIT and interaction.source_message_id is None:
            allowed -= {DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE}
        if callback_type not in allowed:
            raise PayloadError(
                400,
                50035,
                "Invalid Form Body",
                {"type": f"callback {callback_type} invalid for interaction {interaction.type}"},
            )
        message: StoredMessage | None = None
        flags = int(data.get("flags") or 0)
        if callback_type == CHANNEL_MESSAGE:
            message = self.state.create_message(
                interaction.channel_id,
                self.state.bot_user,
                {**data, "flags": flags & ~FLAG_EPHEMERAL},
                uploads,
                via="interaction",
                interaction=interaction,
                extra_flags=flags & INTERACTION_FLAGS,
            )
            interaction.original_message_id = message.id
        elif callback_type == DEFERRED_CHANNEL_MESSAGE:
            message = self._create_placeholder(interaction, flags & FLAG_EPHEMERAL)
        elif callback_type in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            assert interaction.source_message_id is not None
            source = self.state.messages.get(interaction.source_message_id)
            if source is None or source.deleted:
                raise unknown_message()
            interaction.original_message_id = source.id
            if callback_type == UPDATE_MESSAGE:
                message = self.state.edit_message(source, data, uploads, via="interaction")
        elif callback_type == AUTOCOMPLETE_RESULT:
            validate_choices(data.get("choices"))
        elif callback_type == MODAL:
            validate_modal(data)
            interaction.modal = copy.deepcopy(data)
        interaction.response_type = callback_type
        interaction.responded_at = monotonic()
        self._event(interaction, "callback", data, message, callback_type)
        if callback_type == MODAL:
            self.state.modals.append(ModalRecord(copy.deepcopy(data), interaction))
        body: JSON = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_loading": callback_type == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message and message.ephemeral),
            }
        }
        if message is not None:
            body["interaction"]["response_message_id"] = str(message.id)
            body["resource"] = {"type": callback_type, "message": message.to_payload()}
        return body

    def _create_placeholder(self, interaction: FakeInteraction, ephemeral: int) -> StoredMessage:
        channel = self.state.require_channel(interaction.channel_id)
        message = StoredMessage(
            id=snowflake(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=self.state.bot_user,
            flags=FLAG_LOADING | ephemeral,
            webhook_id=self.state.application_id,
            application_id=self.state.application_id,
            interaction_id=interaction.id,
            type=20 if interaction.type == APPLICATION_COMMAND else 0,
        )
        self.state.messages[message.id] = message
        self.state.record_event("create", message, "interaction")
        interaction.original_message_id = message.id
        interaction.awaiting_followup = True
        return message

    def original(self, interaction: FakeInteraction) -> StoredMessage:
        """Return the @original message of an interaction or raise 404."""
        if interaction.original_message_id is None:
            raise unknown_message()
        message = self.state.messages.get(interaction.original_message_id)
        if message is None or message.deleted:
            raise unknown_message()
        return message

    def followup_message(self, interaction: FakeInteraction, message_id: int) -> StoredMessage:
        """Return a message this interaction's webhook may touch, or raise 404."""
        message = self.state.messages.get(message_id)
        allowed = {*interaction.followup_ids, interaction.original_message_id}
        if message is None or message.deleted or message_id not in allowed:
            raise unknown_message()
        return message

    def create_followup(
        self, interaction: FakeInteraction, payload: JSON, uploads: list[Upload]
    ) -> StoredMessage:
        """POST /webhooks/{app}/{token}: the first followup after a defer fills the placeholder."""
        if interaction.awaiting_followup:
            placeholder = self.original(interaction)
            data = {k: v for k, v in payload.items() if k != "flags"}
            message = self.state.edit_message(placeholder, data, uploads, via="webhook")
            interaction.awaiting_followup = False
        else:
            flags = int(payload.get("flags") or 0)
            message = self.state.create_message(
                interaction.channel_id,
                self.state.bot_user,
                {**payload, "flags": flags & ~FLAG_EPHEMERAL},
                uploads,
                via="webhook",
                interaction=interaction,
                extra_flags=flags & INTERACTION_FLAGS,
            )
            interaction.followup_ids.append(message.id)
        self._event(interaction, "followup", payload, message)
        return message

    def edit_webhook_message(
        self,
        interaction: FakeInteraction,
        message: StoredMessage,
        payload: JSON,
        uploads: list[Upload],
    ) -> StoredMessage:
        """PATCH @original or a followup."""
        is_original = message.id == interaction.original_message_id
        updated = self.state.edit_message(message, payload, uploads, via="webhook")
        if is_original:
            interaction.awaiting_followup = False
        self._event(
            interaction, "edit_original" if is_original else "edit_followup", payload, updated
        )
        return updated

    def delete_webhook_message(self, interaction: FakeInteraction, message: StoredMessage) -> None:
        """DELETE @original or a followup."""
        is_original = message.id == interaction.original_message_id
        self.state.delete_message(message, via="webhook")
        self._event(
            interaction, "delete_original" if is_original else "delete_followup", {}, message
        )
