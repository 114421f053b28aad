"""The suggestion form in two modals (Discord allows five inputs in one), joined by a button.

Step 1 asks for the question and its four answers (the correct one first), step 2 for why
each wrong answer is wrong, the explanation, and a "level: topics" line (filled in from the
command's options). The half-filled form waits in memory under a token in the buttons' ids.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.adapters.discord_app.community_parts import Draft
from bot.adapters.discord_app.context import guarded, member_of, quiz_of, reply
from bot.core.errors import InvalidInput
from bot.core.questions import MAX_CHOICE, MAX_EXPLANATION, MAX_PROMPT, MAX_WHY
from bot.core.suggestion_form import SuggestionRefused

EXPIRED = "This form has expired (the bot restarted, or it is someone else's): start again."
Style = discord.TextStyle


def _input(
    custom_id: str, label: str, default: str, max_length: int, *, long: bool = False
) -> discord.ui.TextInput[Any]:
    return discord.ui.TextInput(
        custom_id=custom_id,
        label=label,
        default=default or None,
        max_length=max_length,
        style=Style.paragraph if long else Style.short,
        required=False,  # the validator names every empty field at once
    )


class AnswersModal(discord.ui.Modal):
    """Step 1: the question, its correct answer and three wrong ones."""

    def __init__(self, token: str, draft: Draft) -> None:
        step = f"Edit #{draft.editing}" if draft.editing else "Suggest a question"
        super().__init__(title=f"{step} (1/2)", custom_id=f"sg:m1:{token}", timeout=None)
        self.token = token
        self.prompt = _input("prompt", "Question", draft.prompt, MAX_PROMPT, long=True)
        self.correct = _input("correct", "Correct answer", draft.correct, MAX_CHOICE)
        self.wrong = [
            _input(f"wrong{n}", f"Wrong answer {n}", text, MAX_CHOICE)
            for n, text in enumerate(draft.wrong, start=1)
        ]
        for item in (self.prompt, self.correct, *self.wrong):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Keep the answers; offer step 2 behind a button (a modal cannot open a modal)."""

        async def handle() -> None:
            drafts = quiz_of(interaction).community.drafts
            draft = drafts.get(self.token, str(interaction.user.id))
            if draft is None:
                raise InvalidInput(EXPIRED)
            wrong = tuple(item.value for item in self.wrong)
            drafts.put(
                draft.with_changes(
                    prompt=self.prompt.value, correct=self.correct.value, wrong=wrong
                ),
                self.token,
            )
            view = discord.ui.View(timeout=None)
            view.add_item(StepButton(self.token))
            await interaction.response.send_message(
                "Step 2 of 2: say why each wrong answer is wrong, and explain the answer.",
                view=view,
                ephemeral=True,
            )

        await guarded(interaction, handle)


class ReasonsModal(discord.ui.Modal):
    """Step 2: why each wrong answer is wrong, and the explanation."""

    def __init__(self, token: str, draft: Draft) -> None:
        step = f"Edit #{draft.editing}" if draft.editing else "Suggest a question"
        super().__init__(title=f"{step} (2/2)", custom_id=f"sg:m2:{token}", timeout=None)
        self.token = token
        self.why = [
            _input(f"why{n}", f"Why wrong answer {n} is wrong", text, MAX_WHY, long=True)
            for n, text in enumerate(draft.why, start=1)
        ]
        self.explanation = _input(
            "explanation", "Explanation", draft.explanation, MAX_EXPLANATION, long=True
        )
        self.meta = _input("meta", "Level: topics", f"{draft.level}: {draft.topics}", 200)
        self.meta.placeholder = "senior: asyncio, closures"
        for item in (*self.why, self.explanation, self.meta):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Validate and save the whole suggestion (or the edit)."""

        async def handle() -> None:
            ctx = quiz_of(interaction)
            drafts = ctx.community.drafts
            draft = drafts.get(self.token, str(interaction.user.id))
            if draft is None:
                raise InvalidInput(EXPIRED)
            level, _, topics = self.meta.value.partition(":")
            draft = draft.with_changes(
                why=tuple(item.value for item in self.why),
                explanation=self.explanation.value,
                level=level.strip(),
                topics=topics.strip(),
            )
            drafts.put(draft, self.token)
            await save(interaction, self.token, draft)

        await guarded(interaction, handle)


async def save(interaction: discord.Interaction, token: str, draft: Draft) -> None:
    """Submit (or, for a reviewer, apply) the draft; on problems offer to fix it."""
    suggestions = quiz_of(interaction).community.community.suggestions
    try:
        if draft.editing is not None:
            done = await suggestions.edit(
                draft.guild_id, draft.editing, member_of(interaction), draft.form()
            )
        else:
            done = await suggestions.submit(draft.guild_id, member_of(interaction), draft.form())
    except SuggestionRefused as exc:
        view = discord.ui.View(timeout=None)
        view.add_item(FixButton(token))
        text = str(exc)
        if len(text) > 1900:
            text = text[:1899] + "…"
        await interaction.response.send_message(text, view=view, ephemeral=True)
        return
    quiz_of(interaction).community.drafts.drop(token)
    number = done.suggestion.suggestion_id
    if draft.editing is not None:
        text = f"Suggestion #{number} is updated."
    else:
        where = done.suggestion.review_channel_id
        text = f"Thanks! Your question is suggestion #{number}; it waits for review in <#{where}>."
    if done.problem:
        text += f"\nBut: {done.problem}"
    await reply(interaction, text)


class StepButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"sg:step:(?P<token>\w+)"
):
    """Opens step 2 of the form."""

    def __init__(self, token: str) -> None:
        self.token = token
        super().__init__(
            discord.ui.Button(
                label="Continue", style=discord.ButtonStyle.primary, custom_id=f"sg:step:{token}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StepButton:
        """Rebuild from the custom id."""
        return cls(match["token"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the second modal."""

        async def handle() -> None:
            draft = quiz_of(interaction).community.drafts.get(self.token, str(interaction.user.id))
            if draft is None:
                raise InvalidInput(EXPIRED)
            await interaction.response.send_modal(ReasonsModal(self.token, draft))

        await guarded(interaction, handle)


class FixButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"sg:fix:(?P<token>\w+)"):
    """Reopens the form, filled in as it was, after the validator refused it."""

    def __init__(self, token: str) -> None:
        self.token = token
        super().__init__(
            discord.ui.Button(
                label="Fix it", style=discord.ButtonStyle.primary, custom_id=f"sg:fix:{token}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FixButton:
        """Rebuild from the custom id."""
        return cls(match["token"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the first modal again, with what was typed."""

        async def handle() -> None:
            draft = quiz_of(interaction).community.drafts.get(self.token, str(interaction.user.id))
            if draft is None:
                raise InvalidInput(EXPIRED)
            await interaction.response.send_modal(AnswersModal(self.token, draft))

        await guarded(interaction, handle)


FORM_ITEMS = (StepButton, FixButton)
