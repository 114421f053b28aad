"""Reloading the question packs while the bot runs: validate first, swap only when clean."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.bank import QuestionBank
from bot.core.packs import PackSet, read_packs

log = logging.getLogger(__name__)


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
