"""The interactive side of the console: line editing, history, Ctrl-C and Ctrl-D as in a shell."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory

HISTORY_FILE = Path.home() / ".quizbot_history"


class LineHandler(Protocol):
    """What the editor feeds: the console's command dispatcher."""

    @property
    def prompt_text(self) -> str:
        """The prompt shown before each line."""
        ...

    def say(self, text: str) -> None:
        """Print one reply."""
        ...

    async def handle(self, line: str) -> bool:
        """Run one line; False to quit."""
        ...


def line_editor(history: Path) -> PromptSession[str]:
    """A prompt with emacs-style editing and history kept across sessions in `history`."""
    return PromptSession(history=FileHistory(str(history)))


async def edit_lines(console: LineHandler, prompt: PromptSession[str]) -> None:
    """Read and run lines until /quit or Ctrl-D; Ctrl-C drops the line being typed."""
    while True:
        try:
            line = await prompt.prompt_async(console.prompt_text)
        except KeyboardInterrupt:
            continue
        except EOFError:
            console.say("")  # leave the shell's next prompt on a line of its own
            return
        if not await console.handle(line):
            return
