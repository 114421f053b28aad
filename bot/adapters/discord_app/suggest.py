"""`/suggest` and the review buttons (Approve, Edit, Reject) on the review channel's posts."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

import discord
from discord import app_commands

from bot.adapters.discord_app import render
from bot.adapters.discord_app.community_parts import Draft
from bot.adapters.discord_app.context import guarded, guild_key, member_of, quiz_of, reply
from bot.adapters.discord_app.suggest_forms import AnswersModal
from bot.core.community_model import Suggestion, SuggestionStatus
from bot.core.community_settings import settings_of
from bot.core.errors import NotAllowed
from bot.core.suggestion_form import SuggestionForm
from bot.core.suggestions import SUGGESTIONS_OFF

Level = Literal["entry", "junior", "mid", "senior", "expert"]
REVIEWERS_ONLY = "Only members with the Manage Server permission can review suggestions."


async def topics_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Complete the last of the comma-separated topics; the validator re-checks them all."""
    done, _, last = current.rpartition(",")
    prefix = f"{done.strip()}, " if done.strip() else ""
    bank = quiz_of(interaction).service.bank
    described = bank.topics
    return [
        app_commands.Choice(
            name=render.topic_label(prefix + t, described.get(t, "")), value=(prefix + t)[:100]
        )
        for t in bank.search_topics(last)
    ]


@app_commands.command(name="suggest", description="Suggest a question for this server's quiz")
@app_commands.describe(
    level="How hard it is (you can change it in the form)",
    topics="Topics, comma-separated, e.g. asyncio, closures",
)
@app_commands.autocomplete(topics=topics_autocomplete)
@app_commands.guild_only()
async def suggest(
    interaction: discord.Interaction, level: Level | None = None, topics: str | None = None
) -> None:
    """Open the two-step suggestion form."""
    ctx = quiz_of(interaction)
    guild_id = guild_key(interaction)
    if (await settings_of(ctx.service, guild_id)).review_channel_id is None:
        raise NotAllowed(SUGGESTIONS_OFF)
    draft = Draft(guild_id, str(interaction.user.id), level or "", topics or "")
    token = ctx.community.drafts.put(draft)
    await interaction.response.send_modal(AnswersModal(token, draft))


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"sg:(?P<action>ok|edit|no):(?P<id>\d+)",
):
    """Approve, Edit or Reject on a review post; Manage Server is checked on every press."""

    LABELS: ClassVar[dict[str, str]] = {"ok": "Approve", "edit": "Edit", "no": "Reject"}
    STYLES: ClassVar[dict[str, discord.ButtonStyle]] = {
        "ok": discord.ButtonStyle.success,
        "edit": discord.ButtonStyle.secondary,
        "no": discord.ButtonStyle.danger,
    }

    def __init__(self, action: str, suggestion_id: int) -> None:
        self.action, self.suggestion_id = action, suggestion_id
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[action],
                style=self.STYLES[action],
                custom_id=f"sg:{action}:{suggestion_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewButton:
        """Rebuild from the custom id (works on posts made before a restart)."""
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Review the suggestion; the review post is updated by the engine."""

        async def handle() -> None:
            if not interaction.permissions.manage_guild:
                raise NotAllowed(REVIEWERS_ONLY)
            ctx = quiz_of(interaction)
            suggestions = ctx.community.community.suggestions
            guild_id, reviewer = guild_key(interaction), member_of(interaction)
            if self.action == "edit":
                found = await suggestions.get(guild_id, self.suggestion_id)
                if found.status is not SuggestionStatus.PENDING:
                    raise NotAllowed(
                        f"Suggestion #{found.suggestion_id} was already {found.status}."
                    )
                form = SuggestionForm.of(found.question)
                draft = Draft.of(guild_id, reviewer.id, form, self.suggestion_id)
                token = ctx.community.drafts.put(draft)
                await interaction.response.send_modal(AnswersModal(token, draft))
                return
            if self.action == "ok":
                done = await suggestions.approve(guild_id, self.suggestion_id, reviewer)
                text = (
                    f"Approved: suggestion #{self.suggestion_id} is served here as "
                    f"`{done.suggestion.question_id}`."
                )
            else:
                done = await suggestions.reject(guild_id, self.suggestion_id, reviewer)
                text = f"Rejected suggestion #{self.suggestion_id}."
            if done.problem:
                text += f"\nBut: {done.problem}"
            await reply(interaction, text)

        await guarded(interaction, handle)


def review_buttons(suggestion: Suggestion) -> discord.ui.View | None:
    """The buttons of a pending suggestion's review post (none once it is reviewed)."""
    if suggestion.status is not SuggestionStatus.PENDING:
        return None
    view = discord.ui.View(timeout=None)
    for action in ("ok", "edit", "no"):
        view.add_item(ReviewButton(action, suggestion.suggestion_id))
    return view
