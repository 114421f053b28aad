"""Pictures drawn with Pillow: the member's stats card and the recap's leaderboard.

Drawing is CPU work, so callers run it off the event loop (`render_*_async`); the stats
card is cached per member and day, keyed by what it shows, so a repeated `/stats` costs
nothing and a new answer still shows at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from bot.core.activity import CALENDAR_WEEKS, Calendar, DayMark
from bot.core.model import BoardEntry, LevelStats
from bot.core.questions import Difficulty

WIDTH = 800
CARD_HEIGHT = 300
BACKGROUND = (30, 31, 34)
TEXT = (242, 243, 245)
MUTED = (148, 155, 164)
TRACK = (54, 57, 63)
BAR = (88, 101, 242)
MARK_COLOURS: dict[DayMark, tuple[int, int, int]] = {
    DayMark.NONE: (43, 45, 49),
    DayMark.MISSED: (128, 132, 142),
    DayMark.WRONG: (237, 66, 69),
    DayMark.RIGHT: (59, 165, 92),
}
CELL = 18
GAP = 4
GRID_X, GRID_Y = 64, 78
DAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri", 6: "Sun"}
CACHE_SIZE = 512


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font at a size: no font file to ship or find."""
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class StatsCard:
    """What the stats card shows."""

    name: str
    streak: int
    best_streak: int
    levels: tuple[tuple[Difficulty, int, int], ...]  # (level, answered, correct)
    calendar: Calendar

    @classmethod
    def of(
        cls,
        name: str,
        streak: int,
        best_streak: int,
        by_level: dict[Difficulty, LevelStats],
        calendar: Calendar,
    ) -> StatsCard:
        """A card from a member's figures, every level listed in order."""
        levels = tuple(
            (level, by_level[level].answered, by_level[level].correct)
            if level in by_level
            else (level, 0, 0)
            for level in Difficulty
        )
        return cls(name, streak, best_streak, levels, calendar)

    def fingerprint(self) -> str:
        """A digest of everything drawn, so that a changed figure misses the cache."""
        marks = sorted((day.isoformat(), mark.value) for day, mark in self.calendar.marks.items())
        text = repr((self.name, self.streak, self.best_streak, self.levels, marks))
        return hashlib.sha256(text.encode()).hexdigest()


def cell_box(calendar: Calendar, day: date) -> tuple[int, int, int, int]:
    """The square of a day in the calendar: columns are weeks, rows Monday to Sunday."""
    offset = (day - calendar.first).days
    week, weekday = divmod(offset, 7)
    if not 0 <= week < CALENDAR_WEEKS:
        raise ValueError(f"{day} is not in the calendar")
    x = GRID_X + week * (CELL + GAP)
    y = GRID_Y + weekday * (CELL + GAP)
    return x, y, x + CELL - 1, y + CELL - 1


def level_bar(index: int) -> tuple[int, int, int, int]:
    """The full track of a level's accuracy bar (entry is 0)."""
    x, y = 420, GRID_Y + index * 34 + 16
    return x, y, x + 240, y + 12


def render_stats_card(card: StatsCard) -> bytes:
    """The stats card as a PNG."""
    image = Image.new("RGB", (WIDTH, CARD_HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((24, 18), card.name, font=font(26), fill=TEXT)
    streak = f"Streak {card.streak} · best {card.best_streak}"
    draw.text((WIDTH - 24, 22), streak, font=font(20), fill=TEXT, anchor="ra")
    draw.text((GRID_X, 56), f"Answers, last {CALENDAR_WEEKS} weeks", font=font(14), fill=MUTED)
    for weekday, label in DAY_LABELS.items():
        y = GRID_Y + weekday * (CELL + GAP) + CELL // 2
        draw.text((GRID_X - 8, y), label, font=font(12), fill=MUTED, anchor="rm")
    for day in card.calendar.days():
        if day > card.calendar.today:
            continue  # days to come stay blank
        mark = card.calendar.mark(day)
        draw.rounded_rectangle(cell_box(card.calendar, day), radius=3, fill=MARK_COLOURS[mark])
    legend_y = GRID_Y + 7 * (CELL + GAP) + 8
    x = GRID_X
    for mark, label in (
        (DayMark.RIGHT, "right"),
        (DayMark.WRONG, "wrong"),
        (DayMark.MISSED, "missed"),
    ):
        draw.rounded_rectangle(
            (x, legend_y, x + 12, legend_y + 12), radius=2, fill=MARK_COLOURS[mark]
        )
        draw.text((x + 18, legend_y + 6), label, font=font(12), fill=MUTED, anchor="lm")
        x += 24 + int(draw.textlength(label, font=font(12))) + 12
    draw.text((420, 56), "Accuracy by level", font=font(14), fill=MUTED)
    for index, (level, answered, correct) in enumerate(card.levels):
        x0, y0, x1, y1 = level_bar(index)
        draw.text((x0, y0 - 3), level.value, font=font(13), fill=TEXT, anchor="ld")
        draw.rounded_rectangle((x0, y0, x1, y1), radius=6, fill=TRACK)
        if answered:
            filled = x0 + round((x1 - x0) * correct / answered)
            if filled > x0:
                draw.rounded_rectangle((x0, y0, filled, y1), radius=6, fill=BAR)
            figure = f"{round(100 * correct / answered)}% ({correct}/{answered})"
        else:
            figure = "no answers"
        draw.text((x1 + 12, (y0 + y1) // 2), figure, font=font(13), fill=TEXT, anchor="lm")
    return _png(image)


def render_board(title: str, entries: list[BoardEntry], unit: str) -> bytes:
    """A leaderboard picture: one bar per member, longest first."""
    rows = max(len(entries), 1)
    image = Image.new("RGB", (WIDTH, 76 + rows * 48), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((24, 22), title, font=font(24), fill=TEXT)
    top = max((entry.value for entry in entries), default=0) or 1
    for row, entry in enumerate(entries):
        y = 72 + row * 48
        draw.text((44, y + 14), f"{entry.rank}.", font=font(20), fill=MUTED, anchor="rm")
        draw.text((56, y + 14), entry.name, font=font(20), fill=TEXT, anchor="lm")
        x0, x1 = 300, 300 + round(380 * entry.value / top)
        draw.rounded_rectangle((300, y + 4, 680, y + 24), radius=8, fill=TRACK)
        draw.rounded_rectangle((x0, y + 4, max(x1, x0 + 16), y + 24), radius=8, fill=BAR)
        draw.text((692, y + 14), f"{entry.value} {unit}", font=font(18), fill=TEXT, anchor="lm")
    if not entries:
        draw.text((24, 86), "Nobody scored this week.", font=font(18), fill=MUTED)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class CardCache:
    """Rendered stats cards per (guild, member, local day), reused while their figures hold."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._cards: OrderedDict[tuple[str, str, date], tuple[str, bytes]] = OrderedDict()

    async def render(self, guild_id: str, member_id: str, card: StatsCard) -> bytes:
        """The card's PNG: from the cache, or drawn in a worker thread."""
        key = (guild_id, member_id, card.calendar.today)
        digest = card.fingerprint()
        cached = self._cards.get(key)
        if cached is not None and cached[0] == digest:
            self._cards.move_to_end(key)
            return cached[1]
        png = await asyncio.to_thread(render_stats_card, card)
        self._cards[key] = (digest, png)
        self._cards.move_to_end(key)
        while len(self._cards) > self._size:
            self._cards.popitem(last=False)
        return png
