"""The member side: slash commands, autocomplete, clicks and modal submits sent to the bot."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence

from .checks import (
    BOT_DM_CONTEXT,
    GUILD_CONTEXT,
    check_options,
    check_visible,
    modal_submit_components,
    select_values,
)
from .gateway import Gateway, GatewayLogin
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    FakeInteraction,
    OptionValue,
)
from .models import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    JSON,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    StoredMessage,
    snowflake,
)
from .payloads import (
    ResolvedCollector,
    find_schema,
    interaction_channel_payload,
    member_payload,
    option_values,
    resolve_option,
    wrap_subcommand,
)
from .state import FakeState, ModalRecord
from .waiting import DEFAULT_TIMEOUT

SELECT_TYPES = {3, 5, 6, 7, 8}
ENTITY_OPTION_TYPES = {6, 7, 8, 9}
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
SelectValue = str | FakeUser | FakeRole | FakeChannel
"""A value a test may choose in a select menu."""


class PreparedInteraction:
    """An interaction built but not dispatched yet."""

    def __init__(self, driver: Driver, interaction: FakeInteraction, payload: JSON) -> None:
        self._driver, self._interaction, self._payload = driver, interaction, payload

    def send(self) -> FakeInteraction:
        """Dispatch it to the bot now (INTERACTION_CREATE)."""
        return self._driver._send(self._interaction, self._payload)


class Driver:
    """Acts as Discord members: builds interaction payloads and dispatches them to the bot."""

    state: FakeState
    gateway: Gateway
    require_registered_commands: bool

    async def wait_until_connected(self, timeout: float = DEFAULT_TIMEOUT) -> GatewayLogin:
        """Wait until a bot has identified (or resumed) and its session is open."""

        def connected(_: object = None) -> bool:
            current = self.gateway.current
            return current is not None and current.identified

        logins = self.gateway.logins
        if connected():
            return logins.items[-1]
        return await logins.wait_for(
            connected, timeout=timeout, start=len(logins), what="gateway IDENTIFY/RESUME"
        )

    def make_user(
        self, username: str, global_name: str | None = None, *, id: int | None = None
    ) -> FakeUser:
        """Create and register a (human) user."""
        user = FakeUser(id=id or snowflake(), username=username, global_name=global_name)
        self.state.users[user.id] = user
        return user

    def set_application_owner(self, user: FakeUser) -> None:
        """Make ``user`` the owner of the bot's application (no team)."""
        self.state.users.setdefault(user.id, user)
        self.state.application_owner = user
        self.state.application_team = None

    def set_application_team(
        self, owner: FakeUser, members: Sequence[tuple[FakeUser, str]] = ()
    ) -> None:
        """Give the application to a team: ``owner`` (an admin member) and ``members``, each
        with its role: ``"admin"``, ``"developer"`` or ``"read_only"``."""
        everyone = [(owner, "admin"), *members]
        for user, _ in everyone:
            self.state.users.setdefault(user.id, user)
        self.state.application_team = (owner, everyone)

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel between the bot and ``user`` (created on first use)."""
        self.state.users.setdefault(user.id, user)
        return self.state.open_dm(user)

    async def slash_command(
        self,
        guild_id: int | None,
        channel_id: int,
        user: FakeUser,
        name: str,
        options: Mapping[str, OptionValue] | None = None,
        *,
        group: str | None = None,
        subcommand: str | None = None,
        permissions: int = DEFAULT_MEMBER_PERMISSIONS,
        roles: Sequence[int] = (),
        locale: str = "en-US",
        ignore_default_permissions: bool = False,
    ) -> FakeInteraction:
        """Invoke ``/name [group] [subcommand] options...`` as ``user``; returns a handle.

        ``guild_id`` may be None to take the channel's guild (or for a DM channel).
        ``permissions`` is the member's permission integer (e.g. ``MANAGE_GUILD``).
        """
        return await self._command(
            APPLICATION_COMMAND,
            guild_id,
            channel_id,
            user,
            name,
            dict(options or {}),
            group=group,
            subcommand=subcommand,
            permissions=permissions,
            roles=roles,
            locale=locale,
            focused=None,
            ignore_default_permissions=ignore_default_permissions,
        )

    async def autocomplete(
        self,
        guild_id: int | None,
        channel_id: int,
        user: FakeUser,
        name: str,
        focused: str,
        options: Mapping[str, OptionValue] | None = None,
        *,
        group: str | None = None,
        subcommand: str | None = None,
        permissions: int = DEFAULT_MEMBER_PERMISSIONS,
        roles: Sequence[int] = (),
        locale: str = "en-US",
        ignore_default_permissions: bool = False,
    ) -> FakeInteraction:
        """Ask for autocomplete of option ``focused``; its typed text is ``options[focused]``."""
        return await self._command(
            AUTOCOMPLETE,
            guild_id,
            channel_id,
            user,
            name,
            dict(options or {}),
            group=group,
            subcommand=subcommand,
            permissions=permissions,
            roles=roles,
            locale=locale,
            focused=focused,
            ignore_default_permissions=ignore_default_permissions,
        )

    async def click(
        self,
        channel_id: int,
        message_id: int,
        custom_id: str,
        user: FakeUser,
        *,
        values: Sequence[SelectValue] | None = None,
        permissions: int = DEFAULT_MEMBER_PERMISSIONS,
        roles: Sequence[int] = (),
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Click a button (or choose select ``values``) on a message, as ``user``."""
        await self.wait_until_connected()
        return self.prepare_click(
            channel_id,
            message_id,
            custom_id,
            user,
            values=values,
            permissions=permissions,
            roles=roles,
            locale=locale,
        ).send()

    def prepare_click(
        self,
        channel_id: int,
        message_id: int,
        custom_id: str,
        user: FakeUser,
        *,
        values: Sequence[SelectValue] | None = None,
        permissions: int = DEFAULT_MEMBER_PERMISSIONS,
        roles: Sequence[int] = (),
        locale: str = "en-US",
    ) -> PreparedInteraction:
        """Build a click now, to dispatch later with ``send()`` (a benchmark pacing a burst
        builds its clicks first). The interaction gets its id, a snowflake of the moment it
        is sent, only then."""
        message = self.state.messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel_id:
            raise LookupError(f"no live message {message_id} in channel {channel_id}")
        component = message.find_component(custom_id)
        if component is None:
            raise LookupError(
                f"message {message_id} has no component {custom_id!r}; has {message.custom_ids()}"
            )
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled; a user cannot use it")
        component_type = int(component["type"])
        interaction, payload, guild = self._base(
            MESSAGE_COMPONENT, None, channel_id, user, permissions, roles, locale
        )
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if component_type in SELECT_TYPES:
            collector = ResolvedCollector(guild, permissions)
            data["values"] = select_values(component, values or [], collector)
            if resolved := collector.to_payload():
                data["resolved"] = resolved
        elif values is not None:
            raise ValueError(f"component {custom_id!r} is not a select menu")
        payload["data"] = data
        payload["message"] = message.to_payload()
        interaction.source_message_id = message.id
        interaction.custom_id = custom_id
        return PreparedInteraction(self, interaction, payload)

    async def submit_modal(
        self,
        custom_id: str,
        values: Mapping[str, str | Sequence[str]],
        user: FakeUser | None = None,
        *,
        permissions: int = DEFAULT_MEMBER_PERMISSIONS,
        roles: Sequence[int] = (),
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Submit the modal the bot last opened with ``custom_id`` (values by input custom_id).

        ``user`` defaults to whoever triggered the modal; guild and channel come from there.
        """
        await self.wait_until_connected()
        record = self._latest_modal(custom_id)
        origin = record.interaction
        actor = user or origin.user
        interaction, payload, _ = self._base(
            MODAL_SUBMIT, origin.guild_id, origin.channel_id, actor, permissions, roles, locale
        )
        components = modal_submit_components(record.data, values)
        payload["data"] = {"custom_id": custom_id, "components": components}
        if origin.type == MESSAGE_COMPONENT and origin.source_message_id is not None:
            source = self.state.messages.get(origin.source_message_id)
            if source is not None and not source.deleted:
                payload["message"] = source.to_payload()
                interaction.source_message_id = source.id
        interaction.custom_id = custom_id
        return self._send(interaction, payload)

    async def send_message(self, channel_id: int, user: FakeUser, content: str) -> StoredMessage:
        """Post a message as a human user (MESSAGE_CREATE reaches bots with message intents)."""
        await self.wait_until_connected()
        self.state.users.setdefault(user.id, user)
        return self.state.create_message(channel_id, user, {"content": content}, via="user")

    # ---------------------------------------------------------------- helpers

    def _latest_modal(self, custom_id: str) -> ModalRecord:
        for record in reversed(self.state.modals.items):
            if record.custom_id == custom_id:
                return record
        known = [r.custom_id for r in self.state.modals.items]
        raise LookupError(f"the bot never opened a modal {custom_id!r}; opened: {known}")

    def _base(
        self,
        interaction_type: int,
        guild_id: int | None,
        channel_id: int,
        user: FakeUser,
        permissions: int,
        roles: Sequence[int],
        locale: str,
    ) -> tuple[FakeInteraction, JSON, FakeGuild | None]:
        channel = self.state.channel(channel_id)
        if channel is None:
            raise LookupError(f"unknown channel {channel_id}")
        if guild_id is None:
            guild_id = channel.guild_id
        elif channel.guild_id != guild_id:
            raise ValueError(f"channel {channel_id} is not in guild {guild_id}")
        guild = self.state.guilds.get(guild_id) if guild_id is not None else None
        self.state.users.setdefault(user.id, user)
        interaction_id = snowflake()
        token = f"fake-interaction-{secrets.token_urlsafe(24)}"
        app_permissions = (
            guild.everyone_permissions | guild.bot_permissions if guild else DEFAULT_BOT_PERMISSIONS
        )
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(self.state.application_id),
            "type": interaction_type,
            "token": token,
            "version": 1,
            "channel_id": str(channel_id),
            "channel": interaction_channel_payload(channel, permissions),
            "locale": locale,
            "app_permissions": str(app_permissions),
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "context": GUILD_CONTEXT if guild else BOT_DM_CONTEXT,
        }
        if guild is not None:
            payload.update(
                guild_id=str(guild.id),
                guild=guild.partial_payload(),
                guild_locale=guild.locale,
                member=member_payload(user, guild, permissions, roles),
                authorizing_integration_owners={"0": str(guild.id)},
            )
        else:
            payload.update(
                user=user.to_payload(), authorizing_integration_owners={"1": str(user.id)}
            )
        interaction = FakeInteraction(
            id=interaction_id,
            token=token,
            type=interaction_type,
            guild_id=guild.id if guild else None,
            channel_id=channel_id,
            user=user,
            payload=payload,
        )
        return interaction, payload, guild

    def _send(self, interaction: FakeInteraction, payload: JSON) -> FakeInteraction:
        interaction.id = snowflake()
        payload["id"] = str(interaction.id)
        interaction.events.description = interaction.describe()
        self.state.register_interaction(interaction)
        interaction.sent_at = time.monotonic()
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def _command(
        self,
        interaction_type: int,
        guild_id: int | None,
        channel_id: int,
        user: FakeUser,
        name: str,
        options: dict[str, OptionValue],
        *,
        group: str | None,
        subcommand: str | None,
        permissions: int,
        roles: Sequence[int],
        locale: str,
        focused: str | None,
        ignore_default_permissions: bool,
    ) -> FakeInteraction:
        await self.wait_until_connected()
        interaction, payload, guild = self._base(
            interaction_type, guild_id, channel_id, user, permissions, roles, locale
        )
        command = self.state.find_command(name, guild.id if guild else None)
        if command is None and self.require_registered_commands:
            known = [c["name"] for c in self.state.global_commands]
            if guild is not None:
                known += [c["name"] for c in self.state.guild_commands.get(guild.id, [])]
            raise LookupError(f"/{name} is not registered (known: {known}); did the bot sync?")
        if command is not None:
            context = GUILD_CONTEXT if guild else BOT_DM_CONTEXT
            check_visible(
                command, permissions, context, ignore_default_permissions=ignore_default_permissions
            )
        schema = find_schema(command, group, subcommand)
        types = {o["name"]: int(o["type"]) for o in schema or []}
        for option_name, value in list(options.items()):
            if types.get(option_name) in ENTITY_OPTION_TYPES and option_name != focused:
                options[option_name] = self._entity(option_name, types[option_name], value)
        if schema is not None:
            check_options(name, schema, options, focused)
        collector = ResolvedCollector(guild, permissions)
        leaf: list[JSON] = []
        for option_name, option_type, value in option_values(options, types, focused):
            entry: JSON = {"name": option_name, "type": option_type}
            if option_name == focused:
                entry.update(value=value, focused=True)
            else:
                entry["value"] = resolve_option(option_name, option_type, value, collector)
            leaf.append(entry)
        data: JSON = {
            "id": command["id"] if command else str(snowflake()),
            "name": name,
            "type": 1,
            "options": wrap_subcommand(leaf, group, subcommand),
        }
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if resolved := collector.to_payload():
            data["resolved"] = resolved
        payload["data"] = data
        interaction.name = name
        return self._send(interaction, payload)

    def _entity(self, name: str, option_type: int, value: OptionValue) -> OptionValue:
        """Turn an id given for a user/channel/role option into the fake's object."""
        if isinstance(value, bool) or not isinstance(value, int | str):
            return value
        object_id = int(value)
        found: FakeUser | FakeChannel | FakeRole | None = None
        if option_type in (6, 9):
            found = self.state.users.get(object_id)
        if found is None and option_type == 7:
            found = self.state.channel(object_id)
        if found is None and option_type in (8, 9):
            found = self.state.role(object_id)
        if found is None:
            raise ValueError(f"option {name!r}: unknown id {value!r} for type {option_type}")
        return found
