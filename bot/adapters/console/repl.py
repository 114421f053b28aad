"""`quizbot console`: the quiz in a terminal, one command per line, on the same engine."""

from __future__ import annotations

import asyncio
import random
import shlex
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from prompt_toolkit import PromptSession

from bot.adapters.console import learning_render, render
from bot.adapters.console.community import HELP as COMMUNITY_HELP
from bot.adapters.console.community import CommunityConsole, ConsoleCommunityPublisher
from bot.adapters.console.shell import HISTORY_FILE, edit_lines, line_editor
from bot.core.admin import GuildAdmin
from bot.core.audit import AuditedAdmin
from bot.core.bank import QuestionBank
from bot.core.community import Community
from bot.core.errors import DrawAlreadyOpen, QuizError
from bot.core.model import Member, Period, Post, PostKind, PostView, RankBy, RevealView
from bot.core.moderation import MemberAction, Moderation, describe, parse_action, parse_switch
from bot.core.parsing import parse_difficulty
from bot.core.ports import Attempt, Clock, SystemClock
from bot.core.questions import CHOICE_LETTERS, Difficulty
from bot.core.reloading import Reload
from bot.core.reviewing import Reviews
from bot.core.service import QuizService
from bot.core.text import WITHDRAWN_NOTICE, WITHDRAWN_TITLE
from bot.storage.factory import open_store
from bot.storage.pg_connect import redacted

CHANNEL = "console"

HELP = f"""\
Commands:
  /quiz [LEVEL] [TOPIC] [private]   draw a question (levels: entry junior mid senior expert)
  A, B, C ...                       answer the newest open question by letter
  /answer TEXT                      answer an open (free-text) question
  /got, /missed                     grade yourself after an open question is revealed
  /daily                            post today's question of the day now (= /admin postnow)
  /reveal                           reveal every open question whose time has come, now
  /leaderboard [week|month|all] [points|streak]
  /stats [NAME]                     your stats, or someone else's
  /why                              your answer to the last revealed question, explained
  /review [remind on|off]           a question due for your spaced review (private, no points)
  /as NAME                          play as another member
  /topics                           list the topics
  /admin setup CHANNEL HH:MM ZONE | reveal daily:8h draw:60s | difficulty LEVEL|mixed|ramp
         days mon-fri|every|LIST | pause | resume | postnow | ping ROLE|none | status
         reload (read the question packs again) | selfgrade on|off | audit
         member NAME reset|exclude|include|forget [confirm]
{COMMUNITY_HELP}
  /help, /quit (or Ctrl-D)          Ctrl-C clears the line you are typing; arrows recall history"""


class ConsolePublisher:
    """Publishes by printing: the terminal is the channel."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    async def publish(self, view: PostView, ping_role: str | None, attempt: Attempt) -> str:
        """Print a new post; its message id is the post id."""
        print(render.post(view), file=self._out)
        return str(view.post.post_id)

    async def find(self, post: Post) -> str | None:
        """A terminal keeps no history to search."""
        return None

    async def show_reveal(self, view: RevealView) -> None:
        """Print the revealed post."""
        print(render.reveal(view), file=self._out)

    async def show_withdrawn(self, post: Post) -> None:
        """Say that the post closed without its answer."""
        print(f"[post {post.post_id}] {WITHDRAWN_TITLE}. {WITHDRAWN_NOTICE}", file=self._out)


class Console:
    """Turns one line of input into a call on the engine and prints the result."""

    def __init__(
        self, service: QuizService, guild_id: str, out: TextIO, reload: Reload | None = None
    ) -> None:
        self.service = service
        self._reload = reload
        self.admin = AuditedAdmin(GuildAdmin(service), service)
        self.reviews = Reviews(service)
        self.moderation = Moderation(service)
        self.guild_id = guild_id
        self.member = Member("console:you", "you")
        self._out = out
        self._last_post: int | None = None
        # Suggestions, recaps and threads; the terminal shows their posts.
        self.community = CommunityConsole(
            Community(service, ConsoleCommunityPublisher(out)),
            guild_id,
            lambda: self.member,
            self.say,
        )
        self._commands: dict[str, Callable[[list[str]], Awaitable[None]]] = {
            "quiz": self._quiz,
            "answer": self._answer_text,
            "got": lambda args: self._grade(True),
            "missed": lambda args: self._grade(False),
            "daily": self._daily,
            "reveal": self._reveal_all,
            "leaderboard": self._leaderboard,
            "stats": self._stats,
            "why": self._why,
            "review": self._review,
            "as": self._switch,
            "topics": self._topics,
            "admin": self._admin,
            "help": self._help,
        }

    @property
    def prompt_text(self) -> str:
        """The prompt: who is playing."""
        return f"{self.member.name}> "

    def say(self, text: str) -> None:
        """Print one reply."""
        print(text, file=self._out)

    async def handle(self, line: str) -> bool:
        """Run one command; False when the user asked to quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        if line in ("/quit", "/exit"):
            return False
        await self.reveal_due()
        await self.community.community.tick()
        if await self.community.handle_raw(line):
            return True
        try:
            words = shlex.split(line)
        except ValueError as exc:
            self.say(f"Could not read that line: {exc}.")
            return True
        try:
            if len(words) == 1 and len(words[0]) == 1 and words[0].upper() in CHOICE_LETTERS:
                await self._answer_letter(words[0].upper())
            elif words[0].startswith("/") and words[0][1:] in self._commands:
                await self._commands[words[0][1:]](words[1:])
            else:
                self.say(f"Unknown command '{words[0]}': type /help for the list.")
        except QuizError as exc:
            self.say(str(exc))
        # The console has no worker: what the command left in the outbox is shown now.
        await self.service.deliveries.run_due()
        return True

    async def reveal_due(self) -> None:
        """Reveal every post whose time has come (the console has no scheduler)."""
        now = self.service.clock.now()
        for post in await self.service.due_reveals():
            if post.reveal_at <= now and post.kind is not PostKind.PRIVATE:
                await self.service.reveal(post.post_id)

    async def _quiz(self, args: list[str]) -> None:
        difficulty: Difficulty | None = None
        topic: str | None = None
        private = False
        for arg in args:
            if arg.lower() == "private":
                private = True
            elif arg.lower() in {d.value for d in Difficulty}:
                difficulty = parse_difficulty(arg)
            elif topic is None:
                topic = arg
            else:
                self.say(f"Unexpected argument '{arg}': /quiz [LEVEL] [TOPIC] [private].")
                return
        try:
            view = await self.service.draw(
                self.guild_id,
                CHANNEL,
                self.member,
                difficulty=difficulty,
                topic=topic,
                private=private,
            )
        except DrawAlreadyOpen as exc:
            zone = ZoneInfo((await self.service.config(self.guild_id)).timezone)
            at = datetime.fromtimestamp(exc.reveal_at_unix, zone).strftime("%H:%M:%S %Z")
            self.say(f"{exc} It reveals at {at}; /reveal reveals it now.")
            return
        await self.service.attach_message(view.post.post_id, str(view.post.post_id))
        self._last_post = view.post.post_id
        self.say(render.post(view))

    async def _answer_letter(self, letter: str) -> None:
        view = await self._current()
        shown = {shown_letter: index for shown_letter, index, _ in view.shown_choices}
        if letter not in shown:
            letters = "".join(shown) or "none"
            self.say(f"'{letter}' is not a choice of #{view.post.post_id} (choices: {letters}).")
            return
        receipt = await self.service.answer(view.post.post_id, self.member, choice=shown[letter])
        if receipt.correct is None:
            self.say(f"{self.member.name}: answer {letter} recorded for #{view.post.post_id}.")
        else:
            verdict = "correct" if receipt.correct else "not quite"
            right = view.letter_of(view.question.correct_index or 0)
            self.say(f"{self.member.name}: {letter} is {verdict} (answer: {right}).")
            await self._why([])

    async def _answer_text(self, args: list[str]) -> None:
        view = await self._current()
        await self.service.answer(view.post.post_id, self.member, text=" ".join(args))
        self.say(f"{self.member.name}: answer recorded for #{view.post.post_id}.")

    async def _grade(self, correct: bool) -> None:
        if self._last_post is None:
            self.say("There is no question to grade yet.")
            return
        await self.service.self_grade(self._last_post, self.member, correct=correct)
        self.say(f"{self.member.name}: graded as {'right' if correct else 'missed'}.")

    async def _current(self) -> PostView:
        if self._last_post is None:
            raise QuizError("There is no open question: draw one with /quiz or post /daily.")
        return await self.service.view(self._last_post)

    async def _daily(self, args: list[str]) -> None:
        view = await self.admin.post_now(self.guild_id, by=self.member)
        if view is None:
            self.say("Today's question is already posted.")
        else:
            self._last_post = view.post.post_id

    async def _reveal_all(self, args: list[str]) -> None:
        revealed = [
            await self.service.reveal(post.post_id) for post in await self.service.due_reveals()
        ]
        if not any(revealed):
            self.say("Nothing to reveal.")

    async def _leaderboard(self, args: list[str]) -> None:
        period, by = Period.ALL, RankBy.POINTS
        for arg in args:
            if arg.lower() in {p.value for p in Period}:
                period = Period(arg.lower())
            elif arg.lower() in {r.value for r in RankBy}:
                by = RankBy(arg.lower())
            else:
                usage = "/leaderboard [week|month|all] [points|streak]"
                self.say(f"Unexpected argument '{arg}': {usage}.")
                return
        board = await self.service.leaderboard(self.guild_id, self.member.id, period=period, by=by)
        self.say(render.board(board))

    async def _stats(self, args: list[str]) -> None:
        name = " ".join(args) or self.member.name
        stats = await self.service.stats(self.guild_id, _member_id(name))
        self.say(render.stats(name, stats))
        zone = (await self.service.config(self.guild_id)).timezone
        learning = await self.reviews.learning_stats(self.guild_id, _member_id(name))
        self.say(learning_render.learning(learning, zone))

    async def _why(self, args: list[str]) -> None:
        if self._last_post is None:
            self.say("There is no question to explain yet.")
            return
        explained = await self.reviews.explain(self._last_post, self.member)
        self.say(learning_render.explanation(explained))

    async def _review(self, args: list[str]) -> None:
        if args:
            if len(args) != 2 or args[0].lower() != "remind":
                self.say("Usage: /review, or /review remind on|off.")
                return
            on = await self.reviews.set_reminder(self.guild_id, self.member, parse_switch(args[1]))
            self.say(f"Review reminders are {'on' if on else 'off'} for {self.member.name}.")
            return
        offer = await self.reviews.review(self.guild_id, CHANNEL, self.member)
        if offer.view is None:
            zone = (await self.service.config(self.guild_id)).timezone
            self.say(learning_render.nothing_due(offer, zone))
            return
        self._last_post = offer.view.post.post_id
        self.say("Review (private, no points):\n" + render.post(offer.view))

    async def _switch(self, args: list[str]) -> None:
        name = " ".join(args).strip()
        if not name:
            self.say("Say who: /as NAME.")
            return
        self.member = Member(_member_id(name), name)
        self.say(f"You are now {name}.")

    async def _topics(self, args: list[str]) -> None:
        counts = self.service.bank.counts_by_topic()
        described = self.service.bank.topics
        lines = []
        for topic, count in counts.items():
            about = described.get(topic, "")
            lines.append(f"{topic} ({count}): {about}" if about else f"{topic} ({count})")
        self.say("\n".join(lines))

    async def _help(self, args: list[str]) -> None:
        self.say(HELP)

    async def _admin(self, args: list[str]) -> None:
        if await self.community.admin(args):
            return
        if not args:
            self.say(
                "Usage: /admin setup|reveal|difficulty|days|pause|resume|postnow|ping|status"
                "|reload|selfgrade|audit|member"
            )
            return
        action, rest = args[0].lower(), args[1:]
        if action == "reload" and not rest:
            await self._reload_packs()
            return
        by = self.member
        if action == "postnow" and not rest:
            await self._daily(rest)
            return
        if action in ("selfgrade", "audit", "member"):
            await self._moderate(action, rest)
            return
        if action == "ping" and len(rest) == 1:
            role = None if rest[0].lower() == "none" else rest[0]
            await self.admin.set_ping(self.guild_id, role, by=by)
        elif action == "setup" and len(rest) == 3:
            await self.admin.setup(self.guild_id, *rest, by=by)
        elif action == "reveal" and rest:
            delays = dict(part.split(":", 1) for part in rest if ":" in part)
            if set(delays) - {"daily", "draw"} or len(delays) != len(rest):
                self.say("Usage: /admin reveal daily:8h draw:60s")
                return
            await self.admin.set_reveal(self.guild_id, **delays, by=by)
        elif action == "difficulty" and len(rest) == 1:
            await self.admin.set_difficulty(self.guild_id, rest[0], by=by)
        elif action == "days" and rest:
            await self.admin.set_days(self.guild_id, " ".join(rest), by=by)
        elif action in ("pause", "resume") and not rest:
            await self.admin.set_paused(self.guild_id, action == "pause", by=by)
        elif action != "status":
            self.say(f"Unknown or incomplete admin command '{' '.join(args)}': type /help.")
            return
        self.say(render.status(await self.admin.status(self.guild_id)))

    async def _reload_packs(self) -> None:
        if self._reload is None:
            self.say("Reloading is not available here.")
            return
        result = await self._reload()
        for problem in result.problems:
            self.say(problem)
        self.say(result.summary())

    async def _moderate(self, action: str, rest: list[str]) -> None:
        zone = (await self.service.config(self.guild_id)).timezone
        if action == "audit" and not rest:
            self.say(learning_render.audit(await self.admin.recent(self.guild_id), zone))
        elif action == "selfgrade" and len(rest) == 1:
            on = await self.moderation.set_selfgrade(
                self.guild_id, parse_switch(rest[0]), by=self.member
            )
            self.say(
                f"Self-graded answers {'score' if on else 'no longer score'} points and streaks."
            )
        elif action == "member" and len(rest) >= 2:
            confirmed = len(rest) >= 3 and rest[-1].lower() == "confirm"
            words = rest[:-1] if confirmed else rest
            what = parse_action(words[-1])
            name = " ".join(words[:-1])
            target = Member(_member_id(name), name)
            if what is not MemberAction.FORGET:
                self.say(await self.moderation.apply(self.guild_id, what, target, by=self.member))
            elif not confirmed:
                found = await self.moderation.footprint(self.guild_id, target.id)
                self.say(
                    f"This deletes every row about {name} here: {describe(found)}. "
                    f"Repeat with confirm to go ahead: /admin member {name} forget confirm"
                )
            else:
                gone = await self.moderation.forget(self.guild_id, target, by=self.member)
                self.say(f"Forgot {name}: deleted {describe(gone)}.")
        else:
            self.say(
                "Usage: /admin selfgrade on|off | /admin audit | "
                "/admin member NAME reset|exclude|include|forget [confirm]"
            )


def _member_id(name: str) -> str:
    return "console:" + name.strip().lower()


async def run_console(
    bank: QuestionBank,
    db: str | Path,
    *,
    guild_id: str = "console",
    rng: random.Random,
    clock: Clock | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    prompt: PromptSession[str] | None = None,
    reload: Reload | None = None,
) -> int:
    """Play until end of input or /quit: a line editor on a terminal, plain lines from a pipe."""
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    if prompt is None and stdin.isatty() and out.isatty():
        prompt = line_editor(HISTORY_FILE)
    store = await open_store(db)
    try:
        service = QuizService(
            bank=bank,
            store=store,
            clock=clock or SystemClock(),
            rng=rng,
            platform="console",
            publisher=ConsolePublisher(out),
        )
        console = Console(service, guild_id, out, reload)
        await console.community.community.start()
        if (await service.config(guild_id)).channel_id is None:
            await service.update_config(guild_id, channel_id=CHANNEL)
        # The terminal has no server name: its guild is called by its id ("console").
        await service.name_guilds({guild_id: guild_id})
        if prompt is not None:
            shown = redacted(str(db))
            console.say(f"quizbot console · {len(bank)} questions · {shown} · /help for commands")
            await edit_lines(console, prompt)
        else:
            while True:
                line = await asyncio.to_thread(stdin.readline)
                if not line or not await console.handle(line):
                    break
    finally:
        await store.close()
    return 0
