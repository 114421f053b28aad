"""Reloading the question packs while the bot runs: validate first, swap only when clean."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.bank import QuestionBank
from bot.core.packs import PackSet, read_packs

log = logging.getLogger(__name__)

# What an admin's reply shows of a refused reload: the first few problems, each clipped;
# the log holds every one of them.
SHOWN_PROBLEMS = 8
PROBLEM_WIDTH = 200


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: the problems that refused it, or the new question count."""

    ok: bool
    questions: int
    problems: list[str]

    def summary(self) -> str:
        """One line for an admin."""
        if self.ok:
            return f"Packs reloaded: {self.questions} questions."
        return (
            f"Reload refused: {len(self.problems)} problem(s); "
            f"still serving the {self.questions} questions loaded before."
        )


class PackReloader:
    """The configured packs and the live bank they fill; every adapter reloads through this."""

    def __init__(self, paths: Sequence[Path], bank: QuestionBank) -> None:
        self.paths = list(paths)
        self.bank = bank
        self._lock = asyncio.Lock()

    def reload(self) -> ReloadResult:
        """Read and validate the packs again; on any problem keep the current questions."""
        return self._apply(read_packs(self.paths))

    async def reload_async(self) -> ReloadResult:
        """`reload` with the parsing off the event loop; concurrent calls run one at a time."""
        async with self._lock:
            packs = await asyncio.to_thread(read_packs, self.paths)
            return self._apply(packs)

    def _apply(self, packs: PackSet) -> ReloadResult:
        problems = [str(problem) for problem in packs.problems]
        if not problems and not packs.questions:
            problems = ["the configured packs hold no questions"]
        if problems:
            for problem in problems:
                log.error("pack problem: %s", problem)
            log.error("pack reload refused; keeping the %d questions loaded before", len(self.bank))
            return ReloadResult(False, len(self.bank), problems)
        self.bank.replace(packs.bank())
        log.info("packs reloaded: %d questions", len(self.bank))
        return ReloadResult(True, len(self.bank), [])


Reload = Callable[[], Awaitable[ReloadResult]]
"""How an adapter asks for a reload (`PackReloader.reload_async`)."""


def reload_report(result: ReloadResult, block: Callable[[list[str]], str], limit: int) -> str:
    """An admin's reply to a reload, at most `limit` characters long.

    The summary; for a refused reload, the first problems (FILE:LINE lines, each clipped)
    as `block` shows them, which is where a platform escapes them. Problems that do not
    fit are counted, and every one of them is in the log. Length is counted in UTF-16
    units, never less than the characters a platform counts.
    """
    if result.ok:
        return result.summary()
    lines = [_clip(problem, PROBLEM_WIDTH) for problem in result.problems[:SHOWN_PROBLEMS]]
    while True:
        left = len(result.problems) - len(lines)
        parts = [result.summary()]
        if lines:
            parts.append(block(lines))
        if left:
            parts.append(f"…and {left} more: every problem is in the log.")
        text = "\n".join(parts)
        if _size(text) <= limit or not lines:
            return text
        lines.pop()


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
