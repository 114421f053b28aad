"""Column lists and row mapping shared by the SQLite store's reads and transactions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from typing import Any

import aiosqlite

from bot.core.model import (
    Answer,
    BoardEntry,
    Delivery,
    DeliveryKind,
    GuildConfig,
    Member,
    Post,
    PostKind,
)
from bot.core.ports import NewDelivery
from bot.core.questions import Difficulty

POST_COLUMNS = (
    "post_id, guild_id, platform, channel_id, message_id, kind, question_id, difficulty, "
    "choice_order, owner_id, local_date, daily_seq, posted_at, reveal_at, revealed_at, "
    "week_key, month_key, delivered_at, voided_at"
)
GUILD_COLUMNS = (
    "guild_id, platform, channel_id, post_time, timezone, daily_reveal_s, draw_reveal_s, "
    "difficulty, days, paused, ping_role, last_error, last_error_at"
)
ANSWER_COLUMNS = "post_id, member_id, member_name, choice, text, answered_at"
DELIVERY_COLUMNS = (
    "delivery_id, platform, guild_id, kind, post_id, attempts, created_at, due_at, expires_at, "
    "last_error"
)


def ts(when: datetime) -> int:
    """A datetime as stored: UTC unix seconds."""
    return int(when.timestamp())


def opt_ts(when: datetime | None) -> int | None:
    """An optional datetime as stored."""
    return None if when is None else ts(when)


def dt(value: int | None) -> datetime | None:
    """A stored time back as an aware UTC datetime."""
    return None if value is None else datetime.fromtimestamp(value, UTC)


def post(row: Sequence[Any]) -> Post:
    """A posts row (POST_COLUMNS) as a Post."""
    return Post(
        post_id=row[0],
        guild_id=row[1],
        platform=row[2],
        channel_id=row[3],
        message_id=row[4],
        kind=PostKind(row[5]),
        question_id=row[6],
        difficulty=Difficulty(row[7]),
        choice_order=tuple(int(i) for i in row[8].split(",") if i),
        owner_id=row[9],
        local_date=row[10],
        daily_seq=row[11],
        posted_at=datetime.fromtimestamp(row[12], UTC),
        reveal_at=datetime.fromtimestamp(row[13], UTC),
        revealed_at=dt(row[14]),
        week_key=row[15],
        month_key=row[16],
        delivered_at=dt(row[17]),
        voided_at=dt(row[18]),
    )


def guild(row: Sequence[Any]) -> GuildConfig:
    """A guilds row (GUILD_COLUMNS, then next_due_at) as a GuildConfig."""
    hour, minute = (int(part) for part in row[3].split(":"))
    return GuildConfig(
        guild_id=row[0],
        platform=row[1],
        channel_id=row[2],
        post_time=time(hour, minute),
        timezone=row[4],
        daily_reveal_s=row[5],
        draw_reveal_s=row[6],
        difficulty=row[7],
        days=frozenset(int(d) for d in row[8].split(",") if d),
        paused=bool(row[9]),
        ping_role=row[10],
        last_error=row[11],
        last_error_at=dt(row[12]),
        next_due_at=dt(row[13]),
    )


def answer(row: Sequence[Any]) -> Answer:
    """An answers row (ANSWER_COLUMNS) as an Answer."""
    return Answer(
        post_id=row[0],
        member=Member(row[1], row[2]),
        choice=row[3],
        text=row[4],
        answered_at=datetime.fromtimestamp(row[5], UTC),
    )


def delivery_values(draft: NewDelivery) -> tuple[Any, ...]:
    """A new delivery's values, in the order of the INSERT both stores write."""
    return (
        draft.platform,
        draft.guild_id,
        draft.post_id,
        draft.kind.value,
        ts(draft.created_at),
        ts(draft.due_at),
        opt_ts(draft.expires_at),
        draft.claimed_by,
        opt_ts(draft.claimed_until),
    )


def delivery(row: Sequence[Any]) -> Delivery:
    """A deliveries row (DELIVERY_COLUMNS) as a Delivery."""
    return Delivery(
        delivery_id=row[0],
        platform=row[1],
        guild_id=row[2],
        kind=DeliveryKind(row[3]),
        post_id=row[4],
        attempts=row[5],
        created_at=datetime.fromtimestamp(row[6], UTC),
        due_at=datetime.fromtimestamp(row[7], UTC),
        expires_at=dt(row[8]),
        last_error=row[9],
    )


def ranked(rows: Iterable[Sequence[Any]], first_rank: int = 1) -> list[BoardEntry]:
    """Competition ranking: equal values share a rank, the next rank skips (1, 2, 2, 4)."""
    entries: list[BoardEntry] = []
    for position, (member_id, name, value) in enumerate(rows):
        rank = entries[-1].rank if entries and entries[-1].value == value else first_rank + position
        entries.append(BoardEntry(rank, member_id, name, value))
    return entries


class Queries:
    """Statement helpers on one connection; each query is a single trip to its thread."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _one(self, sql: str, params: Sequence[Any]) -> Any:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def _all(self, sql: str, params: Sequence[Any]) -> Iterable[Any]:
        return await self._conn.execute_fetchall(sql, params)

    async def _changed(self, sql: str, params: Sequence[Any]) -> int:
        """Rows a statement with a RETURNING clause touched, in one trip."""
        return len(list(await self._conn.execute_fetchall(sql, params)))
