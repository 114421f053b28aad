"""Opening a PostgreSQL database: parse the URL, connect a pool, migrate, or refuse in one line."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.pg_migrate import migrate_pg
from bot.storage.preflight import DatabaseRefused

SCHEMES = ("postgresql", "postgres")
POOL_MIN = 1
# Enough for concurrent write jobs, the answer batch and reads; a shard process seldom needs more.
POOL_MAX = 10
CONNECT_TIMEOUT_S = 10.0


def is_postgres_url(target: str | os.PathLike[str]) -> bool:
    """True for postgresql:// (or postgres://) URLs; anything else names a SQLite file."""
    return urlsplit(str(target)).scheme in SCHEMES


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


async def _keep_session(conn: asyncpg.Connection[Any]) -> None:
    """Skip asyncpg's reset query on release: a round trip per read, for nothing.

    The store never changes session state (no SET, LISTEN or session advisory lock; every
    transaction is closed by its context manager, and asyncpg rolls back a stray one).
    """


async def connect(url: str) -> asyncpg.Connection[Any]:
    """One connection to the database at `url`; DatabaseRefused, in one line, if refused."""
    where = redacted(url)
    try:
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_S)
    except (TimeoutError, OSError) as exc:
        raise DatabaseRefused(f"cannot reach PostgreSQL at {where}: {exc}") from None
    except asyncpg.InvalidCatalogNameError:
        raise DatabaseRefused(f"{where}: the database does not exist; create it first") from None
    except (asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InvalidPasswordError) as exc:
        raise DatabaseRefused(f"PostgreSQL refused the login at {where}: {exc}") from None
    except (asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        raise DatabaseRefused(f"cannot use PostgreSQL at {where}: {exc}") from None


async def connect_pool(url: str) -> asyncpg.Pool[Any]:
    """A pool on the migrated database at `url`; DatabaseRefused when that cannot be had."""
    where = redacted(url)
    conn = await connect(url)
    try:
        await migrate_pg(conn)
    finally:
        await conn.close()
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=POOL_MIN,
            max_size=POOL_MAX,
            timeout=CONNECT_TIMEOUT_S,
            reset=_keep_session,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise DatabaseRefused(f"cannot use PostgreSQL at {where}: {exc}") from None
    if pool is None:  # only when create_pool is awaited without a running loop
        raise RuntimeError("asyncpg returned no pool")
    return pool
