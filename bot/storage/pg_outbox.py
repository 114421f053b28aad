"""The deliveries table (the outbox) on PostgreSQL: record, claim with a lease, settle.

Several processes claim at once, so a claim skips rows another transaction has locked
(FOR UPDATE SKIP LOCKED) rather than waiting for them: each delivery goes to one worker.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.model import Delivery, DeliveryKind
from bot.core.ports import NewDelivery
from bot.storage import rows
from bot.storage.pg_queries import PgQueries
from bot.storage.rows import DELIVERY_COLUMNS, ts


class PgOutbox(PgQueries):
    """Delivery statements inside one transaction."""

    async def add_delivery(self, draft: NewDelivery) -> Delivery:
        """Record a pending platform effect."""
        row = await self._one(
            "INSERT INTO deliveries (platform, guild_id, post_id, kind, created_at, due_at, "
            "expires_at, claimed_by, claimed_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            f"RETURNING {DELIVERY_COLUMNS}",
            *rows.delivery_values(draft),
        )
        return rows.delivery(row)

    async def claim_deliveries(
        self, platform: str, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        """Take up to `limit` due, unclaimed deliveries (oldest due first) until `until`."""
        found = await self._all(
            "UPDATE deliveries SET claimed_by = $1, claimed_until = $2 WHERE delivery_id IN ("
            "  SELECT delivery_id FROM deliveries WHERE platform = $3 AND status = 'pending' "
            "  AND due_at <= $4 AND (claimed_until IS NULL OR claimed_until <= $4) "
            "  ORDER BY due_at, delivery_id LIMIT $5 FOR UPDATE SKIP LOCKED) "
            f"RETURNING {DELIVERY_COLUMNS}",
            owner,
            ts(until),
            platform,
            ts(now),
            limit,
        )
        return sorted(
            (rows.delivery(row) for row in found), key=lambda d: (d.due_at, d.delivery_id)
        )

    async def claim_delivery(
        self, delivery_id: int, owner: str, now: datetime, until: datetime
    ) -> Delivery | None:
        """Take one pending delivery unless another owner holds it."""
        row = await self._one(
            "UPDATE deliveries SET claimed_by = $1, claimed_until = $2 "
            "WHERE delivery_id = $3 AND status = 'pending' "
            "AND (claimed_until IS NULL OR claimed_until <= $4 OR claimed_by = $1) "
            f"RETURNING {DELIVERY_COLUMNS}",
            owner,
            ts(until),
            delivery_id,
            ts(now),
        )
        return rows.delivery(row) if row else None

    async def release_claims(self, platform: str, owner: str) -> int:
        """Drop every claim `owner` holds on this platform's pending deliveries."""
        return await self._count(
            "UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL "
            "WHERE platform = $1 AND claimed_by = $2 AND status = 'pending'",
            platform,
            owner,
        )

    async def pending_delivery(self, post_id: int, kind: DeliveryKind) -> Delivery | None:
        """A post's delivery of one kind that is still to be done, if any."""
        row = await self._one(
            f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE post_id = $1 AND kind = $2 "
            "AND status = 'pending' ORDER BY delivery_id LIMIT 1",
            post_id,
            kind.value,
        )
        return rows.delivery(row) if row else None

    async def finish_delivery(self, delivery_id: int, at: datetime) -> None:
        """The effect happened."""
        await self._conn.execute(
            "UPDATE deliveries SET status = 'done', finished_at = $1, attempts = attempts + 1, "
            "claimed_by = NULL, claimed_until = NULL WHERE delivery_id = $2",
            ts(at),
            delivery_id,
        )

    async def retry_delivery(self, delivery_id: int, due_at: datetime, error: str) -> None:
        """Count a failed attempt and try again at `due_at`."""
        await self._conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, due_at = $1, last_error = $2, "
            "claimed_by = NULL, claimed_until = NULL WHERE delivery_id = $3",
            ts(due_at),
            error,
            delivery_id,
        )

    async def fail_delivery(self, delivery_id: int, at: datetime, error: str) -> None:
        """Stop trying."""
        await self._conn.execute(
            "UPDATE deliveries SET status = 'failed', finished_at = $1, last_error = $2, "
            "attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL "
            "WHERE delivery_id = $3",
            ts(at),
            error,
            delivery_id,
        )

    async def next_delivery_at(self, platform: str) -> datetime | None:
        """When the earliest pending delivery can next be tried."""
        row = await self._one(
            "SELECT MIN(GREATEST(due_at, COALESCE(claimed_until, 0))) FROM deliveries "
            "WHERE platform = $1 AND status = 'pending'",
            platform,
        )
        return rows.dt(row[0]) if row else None
