"""The deliveries table (the outbox): record, claim with a lease, and settle platform effects."""

from __future__ import annotations

from datetime import datetime

from bot.core.model import Delivery, DeliveryKind
from bot.core.ports import NewDelivery
from bot.storage import rows
from bot.storage.rows import DELIVERY_COLUMNS, Queries, ts

# Due and not held by anyone: a lapsed claim counts as no claim.
_AVAILABLE = "status = 'pending' AND due_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)"


class OutboxStatements(Queries):
    """Delivery statements; they run inside the writer's current transaction."""

    async def add_delivery(self, draft: NewDelivery) -> Delivery:
        """Record a pending platform effect."""
        row = await self._one(
            "INSERT INTO deliveries (platform, guild_id, post_id, kind, created_at, due_at, "
            "expires_at, claimed_by, claimed_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            f"RETURNING {DELIVERY_COLUMNS}",
            rows.delivery_values(draft),
        )
        return rows.delivery(row)

    async def claim_deliveries(
        self, platform: str, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        """Take up to `limit` due, unclaimed deliveries (oldest due first) until `until`."""
        found = await self._all(
            f"UPDATE deliveries SET claimed_by = ?, claimed_until = ? WHERE delivery_id IN ("
            f"  SELECT delivery_id FROM deliveries WHERE platform = ? AND {_AVAILABLE} "
            f"  ORDER BY due_at, delivery_id LIMIT ?) RETURNING {DELIVERY_COLUMNS}",
            (owner, ts(until), platform, ts(now), ts(now), limit),
        )
        return sorted(
            (rows.delivery(row) for row in found), key=lambda d: (d.due_at, d.delivery_id)
        )

    async def claim_delivery(
        self, delivery_id: int, owner: str, now: datetime, until: datetime
    ) -> Delivery | None:
        """Take one pending delivery unless another owner holds it."""
        row = await self._one(
            "UPDATE deliveries SET claimed_by = ?, claimed_until = ? "
            "WHERE delivery_id = ? AND status = 'pending' "
            "AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?) "
            f"RETURNING {DELIVERY_COLUMNS}",
            (owner, ts(until), delivery_id, ts(now), owner),
        )
        return rows.delivery(row) if row else None

    async def release_claims(self, platform: str, owner: str) -> int:
        """Drop every claim `owner` holds on this platform's pending deliveries."""
        return await self._changed(
            "UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL "
            "WHERE platform = ? AND claimed_by = ? AND status = 'pending' RETURNING delivery_id",
            (platform, owner),
        )

    async def pending_delivery(self, post_id: int, kind: DeliveryKind) -> Delivery | None:
        """A post's delivery of one kind that is still to be done, if any."""
        row = await self._one(
            f"SELECT {DELIVERY_COLUMNS} FROM deliveries "
            "WHERE post_id = ? AND kind = ? AND status = 'pending' ORDER BY delivery_id LIMIT 1",
            (post_id, kind.value),
        )
        return rows.delivery(row) if row else None

    async def finish_delivery(self, delivery_id: int, at: datetime) -> None:
        """The effect happened."""
        await self._conn.execute(
            "UPDATE deliveries SET status = 'done', finished_at = ?, attempts = attempts + 1, "
            "claimed_by = NULL, claimed_until = NULL WHERE delivery_id = ?",
            (ts(at), delivery_id),
        )

    async def retry_delivery(self, delivery_id: int, due_at: datetime, error: str) -> None:
        """Count a failed attempt and try again at `due_at`."""
        await self._conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, due_at = ?, last_error = ?, "
            "claimed_by = NULL, claimed_until = NULL WHERE delivery_id = ?",
            (ts(due_at), error, delivery_id),
        )

    async def fail_delivery(self, delivery_id: int, at: datetime, error: str) -> None:
        """Stop trying."""
        await self._conn.execute(
            "UPDATE deliveries SET status = 'failed', finished_at = ?, last_error = ?, "
            "attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL "
            "WHERE delivery_id = ?",
            (ts(at), error, delivery_id),
        )

    async def next_delivery_at(self, platform: str) -> datetime | None:
        """When the earliest pending delivery can next be tried."""
        row = await self._one(
            "SELECT MIN(MAX(due_at, COALESCE(claimed_until, 0))) FROM deliveries "
            "WHERE platform = ? AND status = 'pending'",
            (platform,),
        )
        return rows.dt(row[0]) if row else None
