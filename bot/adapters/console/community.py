"""The community features in the terminal: `/suggest` on one line, and the admin's review."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.core.community import Community
from bot.core.community_model import Recap, Suggestion, SuggestionStatus
from bot.core.community_ports import RoleChangeFailed
from bot.core.errors import InvalidInput, QuizError
from bot.core.model import Member, RevealView
from bot.core.parsing import DAY_NAMES
from bot.core.questions import CHOICE_LETTERS
from bot.core.suggestion_form import SuggestionForm
from bot.core.text import board_figure

REVIEW_CHANNEL = "console"
FIELDS = (
    "LEVEL | TOPICS | QUESTION | CORRECT | WRONG1 | WHY1 | WRONG2 | WHY2 | WRONG3 | WHY3 | "
    "EXPLANATION"
)
USAGE = f"Usage: /suggest {FIELDS}"
HELP = f"""\
  /suggest {FIELDS}
                                    suggest a question, one line, fields split by |
  /admin suggestions on|off | review | approve N | reject N | edit N {FIELDS}
  /admin recap on|off|day mon..sun|time HH:MM | threads on|off | community"""


def parse_form(text: str, usage: str = USAGE) -> SuggestionForm:
    """Eleven `|`-separated fields; the validator checks their values afterwards."""
    fields = [field.strip() for field in text.split("|")]
    if len(fields) != 11:
        raise InvalidInput(f"Expected 11 fields separated by |, got {len(fields)}.\n{usage}")
    level, topics, prompt, correct, w1, y1, w2, y2, w3, y3, explanation = fields
    return SuggestionForm(level, topics, prompt, correct, (w1, w2, w3), (y1, y2, y3), explanation)


def describe(suggestion: Suggestion) -> str:
    """A suggestion as the reviewer reads it."""
    q = suggestion.question
    lines = [
        f"[suggestion #{suggestion.suggestion_id} · {suggestion.status.value} · "
        f"{q.difficulty.value} · {', '.join(q.topics)} · by {suggestion.author.name}]",
        q.prompt,
    ]
    if suggestion.status is SuggestionStatus.APPROVED:
        return "\n".join(
            [*lines, f"Approved by {suggestion.reviewer_name}; the answers are hidden."]
        )
    for letter, choice in zip(CHOICE_LETTERS, q.choices or [], strict=False):
        mark = "✓" if choice.correct else " "
        lines.append(f"  {mark} {letter}) {choice.text}")
        if choice.why:
            lines.append(f"       why not: {choice.why}")
    lines.append(q.explanation)
    if suggestion.status is SuggestionStatus.PENDING:
        lines.append(f"Review: /admin approve {suggestion.suggestion_id} | reject | edit")
    else:
        lines.append(f"{suggestion.status.value.capitalize()} by {suggestion.reviewer_name}.")
    return "\n".join(lines)


class ConsoleCommunityPublisher:
    """Shows community posts by printing: the terminal is every channel."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    async def show_suggestion(self, suggestion: Suggestion) -> str | None:
        """Print the review post."""
        print(describe(suggestion), file=self._out)
        return suggestion.review_message_id or f"suggestion-{suggestion.suggestion_id}"

    async def post_recap(self, recap: Recap) -> None:
        """Print the weekly recap."""
        lines = [f"[weekly recap · {recap.week}]", "Top 5 by points:"]
        lines += [f"  {e.rank}. {e.name} — {board_figure(True, e.value)}" for e in recap.top] or [
            "  nobody"
        ]
        lines.append("Longest current streaks:")
        lines += [
            f"  {e.rank}. {e.name} — {board_figure(False, e.value)}" for e in recap.streaks
        ] or ["  none"]
        if recap.hardest is not None:
            hard = recap.hardest
            lines.append(
                f"Hardest question: #{hard.post.post_id} {hard.question.prompt.splitlines()[0]} "
                f"({hard.result.correct}/{hard.result.answered} right)"
            )
        now, before = recap.this_week, recap.last_week
        lines.append(f"Participation: {now.summary()} (the week before: {before.summary()})")
        print("\n".join(lines), file=self._out)

    async def open_discussion(self, view: RevealView, title: str) -> None:
        """Print the discussion's heading under the reveal."""
        print(f"[thread on #{view.post.post_id}] {title}", file=self._out)

    async def change_role(self, guild_id: str, member_id: str, role_id: str, add: bool) -> None:
        """The terminal has no roles."""
        raise RoleChangeFailed("the console has no roles", retry=False)


class CommunityConsole:
    """The community commands of the console."""

    def __init__(
        self,
        community: Community,
        guild_id: str,
        member: Callable[[], Member],
        say: Callable[[str], None],
    ) -> None:
        self.community = community
        self._guild_id = guild_id
        self._member = member
        self._say = say

    async def handle_raw(self, line: str) -> bool:
        """Run `/suggest` and `/admin edit` on the raw line (their fields may hold quotes)."""
        command, _, rest = line.partition(" ")
        try:
            if command == "/suggest":
                await self._suggest(rest)
                return True
            words = rest.split(maxsplit=2)
            if command == "/admin" and words[:1] == ["edit"]:
                await self._edit(
                    words[1] if len(words) > 1 else "", words[2] if len(words) > 2 else ""
                )
                return True
        except QuizError as exc:
            self._say(str(exc))
            return True
        return False

    async def _suggest(self, text: str) -> None:
        done = await self.community.suggestions.submit(
            self._guild_id, self._member(), parse_form(text)
        )
        self._say(f"Saved as suggestion #{done.suggestion.suggestion_id}; it waits for review.")

    async def _edit(self, number: str, text: str) -> None:
        usage = f"Usage: /admin edit N {FIELDS}"
        if not number.isdigit():
            raise InvalidInput(usage)
        await self.community.suggestions.edit(
            self._guild_id, int(number), self._member(), parse_form(text, usage)
        )
        self._say(f"Suggestion #{number} is updated.")

    async def admin(self, args: list[str]) -> bool:
        """Community `/admin` actions; False for any other action."""
        action, rest = (args[0].lower(), args[1:]) if args else ("", [])
        suggestions, admin = self.community.suggestions, self.community.admin
        if action == "suggestions" and rest in (["on"], ["off"]):
            channel = REVIEW_CHANNEL if rest == ["on"] else None
            await admin.set_review_channel(self._guild_id, channel, by=self._member())
        elif action == "review" and not rest:
            pending = await suggestions.pending(self._guild_id)
            self._say("\n".join(describe(s) for s in pending) or "No suggestion waits for review.")
            return True
        elif action in ("approve", "reject") and len(rest) == 1 and rest[0].isdigit():
            review = suggestions.approve if action == "approve" else suggestions.reject
            await review(self._guild_id, int(rest[0]), self._member())
            return True
        elif action == "recap" and rest:
            await self._recap(rest)
        elif action == "threads" and len(rest) == 1:
            await admin.set_threads(self._guild_id, rest[0], by=self._member())
        elif action != "community":
            return False
        self._say(await self.status())
        return True

    async def _recap(self, rest: list[str]) -> None:
        word = rest[0].lower()
        admin = self.community.admin
        by = self._member()
        if word in ("on", "off") and len(rest) == 1:
            await admin.set_recap(self._guild_id, on=word, by=by)
        elif word == "day" and len(rest) == 2:
            await admin.set_recap(self._guild_id, day=rest[1], by=by)
        elif word == "time" and len(rest) == 2:
            await admin.set_recap(self._guild_id, time=rest[1], by=by)
        else:
            raise InvalidInput("Usage: /admin recap on|off|day mon..sun|time HH:MM")

    async def status(self) -> str:
        """The community switches."""
        status = await self.community.admin.status(self._guild_id)
        s = status.settings
        if s.recap_on:
            at = (s.recap_time or status.config.post_time).strftime("%H:%M")
            recap = f"on, {DAY_NAMES[s.recap_day]} {at} {status.config.timezone}"
        else:
            recap = "off"
        return "\n".join(
            [
                f"suggestions: {'on' if s.review_channel_id else 'off'}",
                f"weekly recap: {recap}",
                f"discussion threads: {'on' if s.threads_on else 'off'}",
            ]
        )
