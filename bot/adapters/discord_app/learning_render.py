"""The learning loop and moderation rendered for Discord; nothing here can ping anyone."""

from __future__ import annotations

import discord

from bot.adapters.discord_app.render import plain, timestamp
from bot.core.learning_model import AuditEntry, Explanation, LearningStats, ReviewOffer
from bot.core.model import PostView

EXPLAIN_LABEL = "Why was I wrong?"


def explanation_embed(e: Explanation) -> discord.Embed:
    """A member's own answer: right or not, why their choice was wrong, the explanation."""
    view, q = e.view, e.view.question
    lines = []
    if e.answer.choice is not None:
        mine, right = view.letter_of(e.answer.choice), view.letter_of(q.correct_index or 0)
        if e.correct:
            lines.append(f"✅ You answered **{mine}**, and that is right.")
        else:
            lines.append(f"❌ You answered **{mine}**; the answer is **{right}**.")
        if e.why:
            lines.append(f"**Why not {mine}:** {e.why}")
    else:
        graded = {True: "you graded it right", False: "you graded it missed", None: "not graded"}
        lines.append(f"You answered: {plain(e.answer.text or '')} ({graded[e.correct]})")
    lines += ["", "**Answer**", *(f"• {line}" for line in q.answer), "", q.explanation]
    return discord.Embed(title="Your answer", description="\n".join(lines)[:4096])


def add_why(embed: discord.Embed, view: PostView, choice: int) -> discord.Embed:
    """A practice result gets the note on the picked choice, when it was wrong and has one."""
    question = view.question
    if question.choices is None or choice == question.correct_index:
        return embed
    why = question.choices[choice].why
    if why:
        embed.add_field(name=f"Why not {view.letter_of(choice)}", value=why[:1024], inline=False)
    return embed


def add_learning(embed: discord.Embed, s: LearningStats) -> discord.Embed:
    """The fields /stats adds: reviews due, weakest topics, streak savers."""
    if s.due:
        due = f"{s.due} · `/review`"
    elif s.next_due:
        due = f"none, next {timestamp(int(s.next_due.timestamp()))}"
    else:
        due = "none yet"
    embed.add_field(name="Reviews due", value=due)
    saver = f"{s.savers.held} held"
    if s.savers.last_used_at:
        saver += f", last used {timestamp(int(s.savers.last_used_at.timestamp()))}"
    embed.add_field(name="Streak savers", value=saver)
    weakest = "\n".join(
        f"{t.topic}: {round(100 * t.accuracy)}% ({t.correct}/{t.answered})" for t in s.weakest
    )
    embed.add_field(
        name="Weakest topics", value=weakest or "not enough answers yet (3 per topic)", inline=False
    )
    if s.excluded:
        embed.add_field(name="Scoring", value="excluded by an admin", inline=False)
    return embed


def nothing_due(offer: ReviewOffer) -> str:
    """Why /review served nothing."""
    if offer.held_back:
        return (
            "Your due review question is open in this server right now: answer it there; "
            "it comes back after its reveal."
        )
    if offer.next_due is None:
        return "Nothing to review yet: answer some questions first."
    return (
        f"Nothing due for review. The next one is due {timestamp(int(offer.next_due.timestamp()))}."
    )


def audit_embed(entries: list[AuditEntry]) -> discord.Embed:
    """The latest admin actions, newest first."""
    lines = [
        f"{timestamp(int(e.at.timestamp()))} · {plain(e.actor_name)} · **{e.action}** · "
        f"{plain(e.detail)}"
        for e in entries
    ]
    return discord.Embed(
        title="Audit log · last 20", description="\n".join(lines)[:4096] or "No admin actions yet."
    )
