"""Which Discord shards a process runs, and so which guilds it schedules."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass


class ShardPlanError(ValueError):
    """--shard-count / --shard-ids that cannot work; the message says why, in one line."""


@dataclass(frozen=True)
class ShardPlan:
    """`count` shards in all, of which this process runs `ids`."""

    count: int
    ids: tuple[int, ...]

    @classmethod
    def parse(cls, count: int, ids: str | None) -> ShardPlan:
        """From the command line: `ids` is a comma-separated list (default: every shard)."""
        if count < 1:
            raise ShardPlanError(f"--shard-count must be at least 1, not {count}")
        if ids is None:
            return cls(count, tuple(range(count)))
        try:
            chosen = tuple(int(part) for part in ids.split(",") if part.strip())
        except ValueError:
            raise ShardPlanError(f"--shard-ids takes numbers like 0,1, not {ids!r}") from None
        if not chosen:
            raise ShardPlanError("--shard-ids names no shard")
        if len(set(chosen)) != len(chosen):
            raise ShardPlanError(f"--shard-ids repeats a shard: {ids}")
        outside = [shard for shard in chosen if not 0 <= shard < count]
        if outside:
            raise ShardPlanError(
                f"--shard-ids {outside[0]} is outside 0..{count - 1} (--shard-count {count})"
            )
        return cls(count, tuple(sorted(chosen)))

    def owns(self, guild_id: str) -> bool:
        """Whether this process's shards carry the guild (Discord's `(id >> 22) % count`)."""
        return (int(guild_id) >> 22) % self.count in self.ids

    def label(self) -> str:
        """The shards this process runs, as `shards 0,1/4` (the same across restarts)."""
        shards = ",".join(str(shard) for shard in self.ids)
        return f"shards {shards}/{self.count}"

    def worker_name(self) -> str:
        """How this process signs the leases it takes: host, pid and shards."""
        shards = ",".join(str(shard) for shard in self.ids)
        return f"{socket.gethostname()}:{os.getpid()}:shards {shards}/{self.count}"
