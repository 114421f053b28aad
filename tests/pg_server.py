"""A throwaway PostgreSQL server for tests and benchmarks: initdb in a temp folder, start, stop.

Debian's server binaries (/usr/lib/postgresql/N/bin) are used; as root the server runs as
the unprivileged `postgres` user, since PostgreSQL refuses to run as root. The server
listens on a free loopback port and on a unix socket in its own folder, and is stopped and
deleted by `stop()`. A failure to start raises PgServerError with the server's log: tests
that need PostgreSQL fail loudly rather than skip.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
# A test server trades durability for speed: a crash of the test machine loses nothing we keep.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
# Room for bulk loads (the benchmark's 1M-answer COPY) without a checkpoint every few seconds.
COMMON_SETTINGS = {"max_connections": "300", "shared_buffers": "256MB", "max_wal_size": "8GB"}


class PgServerError(RuntimeError):
    """The throwaway server could not be found, created or started."""


def find_bindir() -> Path:
    """The newest Debian PostgreSQL bin folder, or the one on PATH holding initdb."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise PgServerError(
        "PostgreSQL's server binaries are missing (no /usr/lib/postgresql/*/bin/initdb): "
        "run `bash scripts/ensure-postgres` or `apt-get install postgresql`"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PgServer:
    """A running throwaway server; `url(db)` names a database on it."""

    root: Path
    port: int
    bindir: Path
    run_as: str | None

    @classmethod
    def start(cls, *, durable: bool = False, settings: dict[str, str] | None = None) -> PgServer:
        """initdb a fresh cluster and start it; `durable` keeps fsync on (for benchmarks)."""
        bindir = find_bindir()
        run_as = SUPERUSER if os.geteuid() == 0 else None
        if run_as is None:
            root = Path(tempfile.mkdtemp(prefix="quizbot-pg-"))
        else:
            try:
                entry = pwd.getpwnam(run_as)
            except KeyError:
                raise PgServerError(
                    f"running as root, but there is no `{run_as}` user to run PostgreSQL as "
                    "(Debian's postgresql package creates it)"
                ) from None
            # /tmp, not $TMPDIR: the server's user must be able to reach its folder.
            root = Path(tempfile.mkdtemp(prefix="quizbot-pg-", dir="/tmp"))
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = cls(root, free_port(), bindir, run_as)
        try:
            server._initdb()
            server._pg_ctl_start({**({} if durable else FAST_SETTINGS), **(settings or {})})
        except BaseException:
            server.stop()
            raise
        return server

    @property
    def data(self) -> Path:
        """The cluster's data folder."""
        return self.root / "data"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        """A URL for `database` over the unix socket (as the superuser, trust auth)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.root}&port={self.port}"

    def tcp_url(self, database: str = "postgres") -> str:
        """The same database over loopback TCP."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(PgServerError):
                self._run(
                    [str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w"]
                )
        shutil.rmtree(self.root, ignore_errors=True)

    def _initdb(self) -> None:
        self._run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )

    def _pg_ctl_start(self, settings: dict[str, str]) -> None:
        options = {
            **COMMON_SETTINGS,
            **settings,
            "port": str(self.port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.root),
        }
        flags = " ".join(f"-c {key}={value}" for key, value in options.items())
        try:
            self._run(
                [
                    str(self.bindir / "pg_ctl"),
                    "start",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    flags,
                ]
            )
        except PgServerError as exc:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PgServerError(f"{exc}\nserver log:\n{tail}") from None

    def _run(self, argv: list[str]) -> None:
        if self.run_as is not None:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=self.root)
        if done.returncode != 0:
            raise PgServerError(
                f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )


@contextlib.contextmanager
def running(*, durable: bool = False) -> Iterator[PgServer]:
    """A throwaway server for the duration of the block."""
    server = PgServer.start(durable=durable)
    try:
        yield server
    finally:
        server.stop()
