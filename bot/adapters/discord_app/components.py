"""Persistent buttons and the answer form: their custom ids carry the post (and the choice,
or the member), so they keep working after a restart and never share state."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.adapters.discord_app import render
from bot.adapters.discord_app.context import (
    guarded,
    guild_key,
    in_time,
    member_of,
    quiz_of,
    reply,
    show_result,
)
from bot.adapters.discord_app.learning_components import ExplainButton, ForgetButton
from bot.adapters.discord_app.learning_render import add_why
from bot.core.model import PostKind, PostView, RevealView
from bot.core.service import MAX_OPEN_ANSWER

# The answer form of one member on one post. discord.py routes a modal submit only to a
# Modal object stored under its exact custom id, which a second member's form (same id)
# replaced and a restart forgot; forms are therefore never stored, and every submit
# whose id matches is handled from the interaction alone (QuizClient.on_interaction).
ANSWER_FORM = re.compile(r"^quiz:m:(?P<post>\d+):(?P<member>\d+)$")
ANSWER_INPUT = "answer"


# A choice button's click, routed by its id in QuizClient.on_interaction straight from the
# interaction: answer clicks come in bursts, and a DynamicItem would have discord.py rebuild
# the clicked message's whole view and the button before each one.
CHOICE = re.compile(r"^quiz:c:(?P<post>\d+):(?P<choice>\d+)$")


class ChoiceButton(discord.ui.Button[discord.ui.View]):
    """One lettered choice of a post; its click is handled by `choose`."""

    def __init__(
        self,
        post_id: int,
        choice: int,
        letter: str,
        *,
        disabled: bool = False,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(
            label=letter, style=style, disabled=disabled, custom_id=f"quiz:c:{post_id}:{choice}"
        )


async def choose(interaction: discord.Interaction, post_id: int, choice: int) -> None:
    """Record the answer; acknowledge privately without hinting at correctness.

    The acknowledgement waits for the commit; a commit running late defers the click
    first. A private question (its message only the member sees) shows its result in
    place of its buttons, so its click defers as an update of that message.
    """

    async def handle() -> None:
        service = quiz_of(interaction).service
        answering = service.answer(
            post_id, member_of(interaction), choice=choice, guild_id=guild_key(interaction)
        )
        receipt = await in_time(interaction, answering, update=_on_private_message(interaction))
        view = receipt.view
        if receipt.correct is not None:
            embed = add_why(render.private_result(view, choice, receipt.correct), view, choice)
            await show_result(interaction, embed)
            return
        letter = view.letter_of(choice)
        reveal = render.timestamp(int(view.post.reveal_at.timestamp()))
        await reply(
            interaction,
            f"Your answer **{letter}** is in. You can change it until the reveal {reveal}.",
        )

    await guarded(interaction, handle)


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"quiz:o:(?P<post>\d+)"
):
    """Opens the modal of an open (free-text) question."""

    def __init__(self, post_id: int, *, disabled: bool = False) -> None:
        self.post_id = post_id
        super().__init__(
            discord.ui.Button(
                label="Answer",
                style=discord.ButtonStyle.primary,
                disabled=disabled,
                custom_id=f"quiz:o:{post_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        """Rebuild from the custom id."""
        return cls(int(match["post"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the text box (only while the post is open)."""

        async def handle() -> None:
            post = await quiz_of(interaction).service.post(self.post_id)
            if not post.is_open:
                await reply(
                    interaction, "This question has already been revealed; answers are closed."
                )
                return
            form = AnswerModal(self.post_id, interaction.user.id)
            form.stop()  # a stopped modal is not stored: the submit is handled statelessly
            await interaction.response.send_modal(form)

        await guarded(interaction, handle)


class AnswerModal(discord.ui.Modal, title="Your answer"):
    """The form for a free-text answer; its id names the post and the member."""

    text: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
        label="Your answer",
        style=discord.TextStyle.paragraph,
        max_length=MAX_OPEN_ANSWER,
        custom_id=ANSWER_INPUT,
    )

    def __init__(self, post_id: int, member_id: int) -> None:
        super().__init__(custom_id=f"quiz:m:{post_id}:{member_id}", timeout=None)


async def submit_answer(interaction: discord.Interaction, post_id: int) -> None:
    """Record a submitted answer form; the text is graded by its author after the reveal."""

    async def handle() -> None:
        text = _submitted_text(interaction.data or {})
        answering = quiz_of(interaction).service.answer(
            post_id, member_of(interaction), text=text, guild_id=guild_key(interaction)
        )
        receipt = await in_time(interaction, answering)
        view = receipt.view
        if view.post.kind is PostKind.PRIVATE:
            await reply(interaction, render.model_answer(view))
            return
        reveal = render.timestamp(int(view.post.reveal_at.timestamp()))
        await reply(interaction, f"Your answer is in. Compare it with the model answer {reveal}.")

    await guarded(interaction, handle)


def _on_private_message(interaction: discord.Interaction) -> bool:
    """True when the clicked message is ephemeral: a private practice question."""
    message = interaction.message
    return message is not None and message.flags.ephemeral


def _submitted_text(data: Any) -> str:
    """The answer field's value, wherever the form's layout nests it."""
    stack = list(data.get("components") or [])
    while stack:
        component = stack.pop()
        if component.get("custom_id") == ANSWER_INPUT and "value" in component:
            return str(component["value"] or "")
        stack.extend(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            stack.append(component["component"])
    return ""


class GradeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"quiz:g:(?P<post>\d+):(?P<ok>[01])"
):
    """ "I got it" / "I missed it" after an open question's reveal."""

    def __init__(self, post_id: int, correct: bool) -> None:
        self.post_id, self.correct = post_id, correct
        super().__init__(
            discord.ui.Button(
                label="I got it" if correct else "I missed it",
                style=discord.ButtonStyle.success if correct else discord.ButtonStyle.secondary,
                custom_id=f"quiz:g:{post_id}:{int(correct)}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> GradeButton:
        """Rebuild from the custom id."""
        return cls(int(match["post"]), match["ok"] == "1")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Count the self-grade once."""

        async def handle() -> None:
            grading = quiz_of(interaction).service.self_grade(
                self.post_id,
                member_of(interaction),
                correct=self.correct,
                guild_id=guild_key(interaction),
            )
            await in_time(interaction, grading)
            await reply(interaction, "Counted. " + ("Nice one!" if self.correct else "Next time!"))

        await guarded(interaction, handle)


DYNAMIC_ITEMS = (AnswerButton, GradeButton, ExplainButton, ForgetButton)


def post_buttons(view: PostView) -> discord.ui.View:
    """Letter buttons, or an Answer button for an open question."""
    buttons = discord.ui.View(timeout=None)
    post_id = view.post.post_id
    if view.question.is_choice:
        for letter, index, _ in view.shown_choices:
            buttons.add_item(ChoiceButton(post_id, index, letter))
    else:
        buttons.add_item(AnswerButton(post_id))
    return _unstored(buttons)


def reveal_buttons(view: RevealView) -> discord.ui.View:
    """Disabled letters with the correct one green, or the self-grade buttons."""
    buttons = discord.ui.View(timeout=None)
    post_id = view.post.post_id
    if view.question.is_choice:
        for letter, index, _ in view.shown_choices:
            style = (
                discord.ButtonStyle.success
                if index == view.question.correct_index
                else discord.ButtonStyle.secondary
            )
            buttons.add_item(ChoiceButton(post_id, index, letter, disabled=True, style=style))
    else:
        buttons.add_item(GradeButton(post_id, True))
        buttons.add_item(GradeButton(post_id, False))
    if view.post.kind is not PostKind.PRIVATE:
        buttons.add_item(ExplainButton(post_id))
    return _unstored(buttons)


def _unstored(buttons: discord.ui.View) -> discord.ui.View:
    """A stopped view: discord.py keeps no copy per message sent with it, as every click on
    it is routed by its id (see DYNAMIC_ITEMS and QuizClient.on_interaction)."""
    buttons.stop()
    return buttons
