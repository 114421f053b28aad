"""Members suggest questions; Manage Server members review them; approved ones are served."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from bot.core.community_model import (
    NewSuggestion,
    Suggestion,
    SuggestionStatus,
)
from bot.core.community_ports import CommunityPublisher
from bot.core.community_settings import audit, record_problem, settings_of
from bot.core.errors import ChannelUnavailable, InvalidInput, NotAllowed, NotFound
from bot.core.model import Member
from bot.core.ports import StoreTx
from bot.core.questions import Question
from bot.core.service import QuizService
from bot.core.suggestion_form import (
    SuggestionForm,
    SuggestionRefused,
    check_form,
    same_prompt,
)

log = logging.getLogger(__name__)

MAX_PENDING = 5
SUGGESTIONS_OFF = (
    "Suggestions are not open here yet: an admin can open them by choosing a review channel."
)


@dataclass(frozen=True)
class Submitted:
    """A stored suggestion, and why it could not be shown for review (None when it was)."""

    suggestion: Suggestion
    problem: str | None = None


class Suggestions:
    """The suggestion use cases of one platform, over the quiz service and its store."""

    def __init__(self, service: QuizService, publisher: CommunityPublisher | None = None) -> None:
        self._service = service
        self._publisher = publisher

    async def load(self) -> int:
        """Serve every approved suggestion of the platform (at start); returns how many."""
        approved = await self._service.store.approved_suggestions(self._service.platform)
        for suggestion in approved:
            self._service.guild_questions.add(suggestion.guild_id, suggestion.question)
        return len(approved)

    async def submit(self, guild_id: str, author: Member, form: SuggestionForm) -> Submitted:
        """Validate and store a suggestion, then show it in the review channel."""
        settings = await settings_of(self._service, guild_id)
        if settings.review_channel_id is None:
            raise NotAllowed(SUGGESTIONS_OFF)
        question = self.check(guild_id, form)
        draft = NewSuggestion(
            guild_id, self._service.platform, author, question, self._service.clock.now()
        )

        async def job(tx: StoreTx) -> Suggestion:
            if await tx.pending_suggestions_of(guild_id, author.id) >= MAX_PENDING:
                raise InvalidInput(
                    f"You already have {MAX_PENDING} suggestions waiting for review; "
                    "suggest more once an admin has reviewed them."
                )
            return await tx.insert_suggestion(draft)

        suggestion = await self._service.store.write(job)
        channel = settings.review_channel_id
        return await self._show(dataclasses.replace(suggestion, review_channel_id=channel))

    async def pending(self, guild_id: str) -> list[Suggestion]:
        """The guild's suggestions waiting for review, oldest first."""
        return await self._service.store.suggestions(guild_id, SuggestionStatus.PENDING)

    async def get(self, guild_id: str, suggestion_id: int) -> Suggestion:
        """A suggestion of this guild, or NotFound."""
        found = await self._service.store.suggestion(suggestion_id)
        if found is None or found.guild_id != guild_id:
            raise NotFound(f"There is no suggestion #{suggestion_id} here.")
        return found

    async def approve(self, guild_id: str, suggestion_id: int, reviewer: Member) -> Submitted:
        """Serve a pending suggestion in the guild from now on."""
        suggestion = await self._review(
            guild_id, suggestion_id, reviewer, SuggestionStatus.APPROVED, None
        )
        self._service.guild_questions.add(guild_id, suggestion.question)
        await audit(self._service, guild_id, reviewer, "suggestion", f"approved #{suggestion_id}")
        return await self._show(suggestion)

    async def reject(self, guild_id: str, suggestion_id: int, reviewer: Member) -> Submitted:
        """Turn a pending suggestion down."""
        suggestion = await self._review(
            guild_id, suggestion_id, reviewer, SuggestionStatus.REJECTED, None
        )
        await audit(self._service, guild_id, reviewer, "suggestion", f"rejected #{suggestion_id}")
        return await self._show(suggestion)

    async def edit(
        self, guild_id: str, suggestion_id: int, reviewer: Member, form: SuggestionForm
    ) -> Submitted:
        """Replace a pending suggestion's question with a reviewer's corrected one."""
        current = await self.get(guild_id, suggestion_id)
        question = self.check(guild_id, form, editing=current.question.id)
        suggestion = await self._review(
            guild_id, suggestion_id, reviewer, SuggestionStatus.PENDING, question
        )
        await audit(self._service, guild_id, reviewer, "suggestion", f"edited #{suggestion_id}")
        return await self._show(suggestion)

    # -- internals ------------------------------------------------------------

    def check(self, guild_id: str, form: SuggestionForm, *, editing: str | None = None) -> Question:
        """The form's question, or SuggestionRefused naming every problem (nothing is stored).

        An edit (`editing`: the question id it replaces) may keep its own prompt.
        """
        lead = "The edit was not saved:" if editing else "Your question was not saved:"
        try:
            question = check_form(form, self._service.bank.topics)
        except SuggestionRefused as exc:
            raise SuggestionRefused(exc.problems, lead) from None
        known = [*self._service.bank, *self._service.guild_questions.of(guild_id)]
        twin = next(
            (q for q in known if q.id != editing and same_prompt(q.prompt, question.prompt)), None
        )
        if twin is not None:
            problem = f"Question: the same question exists already ({twin.id})."
            raise SuggestionRefused([problem], lead)
        return question

    async def _review(
        self,
        guild_id: str,
        suggestion_id: int,
        reviewer: Member,
        status: SuggestionStatus,
        question: Question | None,
    ) -> Suggestion:
        await self.get(guild_id, suggestion_id)
        now = self._service.clock.now()
        verdict = status is not SuggestionStatus.PENDING

        async def job(tx: StoreTx) -> tuple[bool, Suggestion | None]:
            found = await tx.suggestion(suggestion_id)
            if found is None:
                return False, None
            changed = await tx.review_suggestion(
                suggestion_id,
                status,
                question or found.question,
                reviewer.name if verdict else None,
                now if verdict else None,
            )
            return changed, await tx.suggestion(suggestion_id)

        changed, updated = await self._service.store.write(job)
        if updated is None:
            raise NotFound(f"There is no suggestion #{suggestion_id} here.")
        if not changed:
            by = f" by {updated.reviewer_name}" if updated.reviewer_name else ""
            raise InvalidInput(f"Suggestion #{suggestion_id} was already {updated.status}{by}.")
        return updated

    async def _show(self, suggestion: Suggestion) -> Submitted:
        if self._publisher is None or suggestion.review_channel_id is None:
            return Submitted(suggestion)
        try:
            message_id = await self._publisher.show_suggestion(suggestion)
        except ChannelUnavailable as exc:
            log.warning("guild %s: review channel refused: %s", suggestion.guild_id, exc)
            problem = f"Could not show suggestion #{suggestion.suggestion_id} for review: {exc}"
            await record_problem(self._service, suggestion.guild_id, problem)
            return Submitted(suggestion, problem)
        if message_id is not None and message_id != suggestion.review_message_id:
            channel = suggestion.review_channel_id

            async def job(tx: StoreTx) -> None:
                await tx.set_review_message(suggestion.suggestion_id, channel, message_id)

            await self._service.store.write(job)
            suggestion = dataclasses.replace(suggestion, review_message_id=message_id)
        return Submitted(suggestion)
