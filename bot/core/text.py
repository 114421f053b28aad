"""User-supplied text made safe to show back: names that cannot spoof, echoes that stay short."""

from __future__ import annotations

import unicodedata

MAX_ECHO = 60
MAX_NAME = 64


def echo(text: str, limit: int = MAX_ECHO) -> str:
    """`text` quoted for an error message: control characters dropped, clipped to `limit`."""
    return f"'{_clean(text, limit)}'"


def clean_name(name: str, limit: int = MAX_NAME) -> str:
    """A display name with no control or format characters, whitespace collapsed, clipped.

    Format characters (Unicode category Cf) include the bidirectional overrides and the
    zero-width ones, which could reorder or hide text on a leaderboard line; control
    characters (Cc) include CR and ANSI escapes, which split CSV rows and repaint terminals.
    """
    return _clean(name, limit) or "?"


def _clean(text: str, limit: int) -> str:
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text
        if unicodedata.category(ch) != "Cf"
    )
    collapsed = " ".join(kept.split())
    if len(collapsed) > limit:
        collapsed = collapsed[: limit - 1].rstrip() + "…"
    return collapsed


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 point`, `2 points`: the count with the word that agrees with it."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


# The caller's own line when they are not on a board, by whether it ranks points: a points
# board lists everyone who answered in its period, the streak board only running streaks
# (where "not yet" would be wrong for a member whose streak just ended).
NOT_ON_BOARD = {
    True: "You are not on this board yet.",
    False: "You have no current streak.",
}


def board_figure(by_points: bool, value: int) -> str:
    """A leaderboard figure in words: `1 point`, `3 points`, `1 day in a row`."""
    return plural(value, "point") if by_points else f"{plural(value, 'day')} in a row"


# What a post says once its question left the packs before its reveal could be shown.
WITHDRAWN_TITLE = "Question withdrawn"
WITHDRAWN_NOTICE = (
    "This question was withdrawn from the question packs before its answer could be shown "
    "here. Answers to it are closed."
)
