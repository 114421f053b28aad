"""The `quizbot` command: the one place that wires concrete parts together."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import random
import signal
import sys
from collections.abc import Coroutine, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.config import Settings
from bot.core.bank import RUNNING_PYTHON, QuestionBank
from bot.core.errors import PackError
from bot.core.packs import declared_topics, expand_pack_paths, load_bank, read_packs
from bot.core.questions import Pack
from bot.core.reloading import PackReloader
from bot.logs import configure_logging
from bot.sharding import ShardPlan, ShardPlanError
from bot.storage.factory import sqlite_path
from bot.storage.pg_connect import is_postgres_url
from bot.storage.preflight import DatabaseRefused, check_database_file

log = logging.getLogger(__name__)

SCHEMA_ID = "https://quizbot.example/questions.schema.json"

NOT_ON_POSTGRES = (
    "quizbot: `{command}` works on SQLite files; on PostgreSQL use pg_dump and psql "
    "(or `quizbot migrate-db` to copy the database into a SQLite file)"
)


def pack_schema() -> dict[str, object]:
    """The JSON Schema of the pack format, as committed in data/questions.schema.json."""
    schema = Pack.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _version() -> str:
    try:
        return metadata.version("quizbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


PACK_SETTINGS = frozenset({"packs", "default_pack"})


def _with_defaults(fields: set[str]) -> Settings:
    """Settings from the environment, with `fields` (the invalid ones) at their defaults."""
    # Keyword arguments win over the environment, so the bad values are never read again.
    defaults = {
        Settings.model_fields[name].alias or name: Settings.model_fields[name].get_default(
            call_default_factory=True
        )
        for name in fields
        if name in Settings.model_fields
    }
    return Settings(**defaults)


def _setting_name(field: str) -> str:
    """The environment variable behind a settings field, as the user wrote it."""
    info = Settings.model_fields.get(field)
    if info is not None and info.alias:
        return info.alias
    return f"QUIZBOT_{field.upper()}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="Python interview practice quiz for Discord, Slack and the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_db(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--db", help="SQLite database file or postgresql:// URL (overrides QUIZBOT_DB)"
        )
        return sub

    run = with_db(commands.add_parser("run", help="run the Discord bot"))
    run.add_argument("--sync", action="store_true", help="sync slash commands before serving")
    run.add_argument(
        "--shard-count", type=int, help="Discord shards in all, across every process (PostgreSQL)"
    )
    run.add_argument(
        "--shard-ids", help="the shards this process runs, e.g. 0,1 (default: all of them)"
    )
    with_db(commands.add_parser("sync", help="sync Discord slash commands, then exit"))
    slack = with_db(commands.add_parser("slack", help="run the Slack app (Socket Mode by default)"))
    slack.add_argument(
        "--port", type=int, help="serve HTTP on this port instead (needs SLACK_SIGNING_SECRET)"
    )
    console = with_db(commands.add_parser("console", help="play in the terminal"))
    console.add_argument("--guild", default="console", help="the guild id the console plays in")
    backup = with_db(commands.add_parser("backup", help="copy the live database safely"))
    backup.add_argument("path", type=Path, help="the new backup file (never overwritten)")
    export = with_db(commands.add_parser("export", help="print a server's member stats"))
    export.add_argument("--guild", required=True, help="the server (guild) or workspace id")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export_pack = with_db(
        commands.add_parser("export-pack", help="print a server's approved suggestions as a pack")
    )
    export_pack.add_argument("--guild", required=True, help="the server (guild) or workspace id")
    export_pack.add_argument("--out", type=Path, help="write to this new file instead")
    health = with_db(commands.add_parser("health", help="exit 0 when the bot looks healthy"))
    health.add_argument("--no-heartbeat", action="store_true", help="check the database only")
    with_db(commands.add_parser("guilds", help="list the servers and workspaces in a database"))
    copy = commands.add_parser(
        "migrate-db", help="copy a whole database between SQLite and PostgreSQL"
    )
    copy.add_argument("source", metavar="SRC", help="SQLite file or postgresql:// URL to copy")
    copy.add_argument("dest", metavar="DEST", help="an empty (or new) database to copy into")
    forget = with_db(
        commands.add_parser("forget", help="delete every row about a member of a server")
    )
    forget.add_argument("--guild", required=True, help="the server (guild) or workspace id")
    forget.add_argument("--member", required=True, help="the member's platform user id")
    forget.add_argument("--yes", action="store_true", help="delete (without it: only count)")
    validate = commands.add_parser("validate", help="check question packs")
    validate.add_argument("paths", nargs="*", type=Path, help="pack files or folders")
    commands.add_parser("schema", help="print the JSON Schema of the pack format")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quizbot` console script."""
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`quizbot schema | head`): stop quietly, as `cat` does. Point
        # stdout at /dev/null so the interpreter's own flush at exit cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    # The schema depends on nothing configurable, so no setting can block it.
    if args.command == "schema":
        print(json.dumps(pack_schema(), indent=2))
        return 0
    try:
        settings = Settings()
    except ValidationError as exc:
        bad = {str(error["loc"][0]) if error["loc"] else "?" for error in exc.errors()}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            print(f"quizbot: {_setting_name(field)}: {error['msg']}", file=sys.stderr)
        # Checking packs needs only the pack settings: any other bad one is reported, not fatal.
        if args.command != "validate" or bad & PACK_SETTINGS:
            return 2
        settings = _with_defaults(bad)
    if getattr(args, "db", None) is not None:
        settings = settings.model_copy(update={"db": args.db})
    configure_logging(settings.log_level, settings.log_format)

    if args.command == "validate":
        return _validate(args.paths, settings)
    try:
        return _dispatch(args, settings)
    except DatabaseRefused as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    # Operations work on the database alone, so a broken pack never blocks a backup.
    if args.command in ("backup", "export", "export-pack") and is_postgres_url(settings.db):
        print(NOT_ON_POSTGRES.format(command=args.command), file=sys.stderr)
        return 2
    if args.command == "migrate-db":
        from bot.ops.copydb import migrate_db_command

        return migrate_db_command(args.source, args.dest)
    if args.command == "guilds" and is_postgres_url(settings.db):
        from bot.ops.cli import guilds_command

        return guilds_command(settings.db)
    if args.command == "forget" and is_postgres_url(settings.db):
        from bot.ops.cli import forget_command

        return forget_command(settings.db, args.guild, args.member, confirmed=args.yes)
    db = sqlite_path(settings.db)
    if args.command in ("backup", "export", "export-pack", "guilds", "forget"):
        check_database_file(db, create=False)
    if args.command == "backup":
        from bot.ops.cli import backup_command

        return backup_command(db, args.path)
    if args.command == "export":
        from bot.ops.cli import export_command

        return export_command(db, args.guild, args.format)
    if args.command == "export-pack":
        from bot.ops.export_pack import export_pack_command

        topics: dict[str, str] = {}
        for path in expand_pack_paths(settings.pack_paths()):
            for slug, description in declared_topics(path).items():
                topics.setdefault(slug, description)
        return export_pack_command(db, args.guild, args.out, topics)
    if args.command == "guilds":
        from bot.ops.cli import guilds_command

        return guilds_command(db)
    if args.command == "forget":
        from bot.ops.cli import forget_command

        return forget_command(db, args.guild, args.member, confirmed=args.yes)
    if args.command == "health":
        from bot.ops.cli import health_command

        return health_command(settings.db, heartbeat=not args.no_heartbeat)
    paths = settings.pack_paths()
    try:
        bank = load_bank(paths)
    except PackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("quizbot: refusing to start with invalid question packs", file=sys.stderr)
        return 1
    reloader = PackReloader(paths, bank)
    # Commands that serve open the store, which refuses an unusable file (DatabaseRefused).
    if args.command == "console":
        from bot.adapters.console.repl import run_console

        return asyncio.run(
            run_console(
                bank,
                settings.db,
                guild_id=args.guild,
                rng=random.Random(),
                reload=reloader.reload_async,
            )
        )
    if args.command == "slack":
        from bot.adapters.slack_app import run_slack

        _freeze_startup_heap()
        return asyncio.run(
            _reloading_on_sighup(
                run_slack(settings, bank, http_port=args.port, reload=reloader.reload_async),
                reloader,
            )
        )
    return _run_discord(args, settings, reloader)


def _shard_plan(args: argparse.Namespace, settings: Settings) -> ShardPlan | None:
    """The shards to run, or None for one unsharded connection; ShardPlanError if unusable."""
    count = getattr(args, "shard_count", None) or settings.shard_count
    ids = getattr(args, "shard_ids", None) or settings.shard_ids
    if count is None:
        if ids is not None:
            raise ShardPlanError("--shard-ids needs --shard-count")
        return None
    plan = ShardPlan.parse(count, ids)
    if plan.count > 1 and not is_postgres_url(settings.db):
        raise ShardPlanError(
            f"--shard-count {plan.count} needs PostgreSQL (QUIZBOT_DB=postgresql://...): "
            "a SQLite file serves one process"
        )
    return plan


def _run_discord(args: argparse.Namespace, settings: Settings, reloader: PackReloader) -> int:
    from bot.adapters.discord_app.main import run_discord

    try:
        shards = _shard_plan(args, settings)
    except ShardPlanError as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 2
    serve = args.command == "run"
    sync = getattr(args, "sync", False)
    serving = run_discord(
        settings,
        reloader.bank,
        sync=sync,
        serve=serve,
        shards=shards,
        reload=reloader.reload_async,
    )
    _freeze_startup_heap()
    return asyncio.run(_reloading_on_sighup(serving, reloader))


def _freeze_startup_heap() -> None:
    """Keep what start-up made (modules, the question bank) out of the garbage collector's
    full passes: they live as long as the process, and scanning them again and again took
    a fifth of the CPU of a click burst."""
    gc.collect()
    gc.freeze()


async def _reloading_on_sighup(serving: Coroutine[Any, Any, int], reloader: PackReloader) -> int:
    """Run the bot; SIGHUP reloads the packs (validated first, the old set kept on error)."""
    loop = asyncio.get_running_loop()
    reloads: set[asyncio.Task[Any]] = set()

    def reload() -> None:
        log.info("SIGHUP: reloading the question packs")
        task = loop.create_task(reloader.reload_async())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    hangup = getattr(signal, "SIGHUP", None)
    if hangup is not None:
        loop.add_signal_handler(hangup, reload)
    try:
        return await serving
    finally:
        if hangup is not None:
            loop.remove_signal_handler(hangup)


def _validate(paths: Sequence[Path], settings: Settings) -> int:
    if paths:
        # Packs checked on their own may use the vocabulary the bundled pack declares.
        vocabulary = (
            declared_topics(settings.bundled_pack) if settings.default_pack != "off" else {}
        )
        packs = read_packs(paths, vocabulary=vocabulary)
    else:
        paths = settings.pack_paths()
        packs = read_packs(paths)
    for problem in packs.problems:
        print(problem)
    if packs.problems:
        print(f"{len(packs.problems)} problem(s) found", file=sys.stderr)
        return 1
    bank = QuestionBank(packs.questions, packs.topics)
    print(f"{len(bank)} questions in {len(paths)} pack(s)")
    skipped = len(bank) - sum(bank.counts_by_difficulty().values())
    if skipped:
        print(
            f"{skipped} of them not served on Python {RUNNING_PYTHON} (their `python:` excludes it)"
        )
    print("by difficulty:")
    for level, count in bank.counts_by_difficulty().items():
        print(f"  {level.value:<8} {count:>4}")
    print("by topic:")
    for topic, count in bank.counts_by_topic().items():
        print(f"  {topic:<24} {count:>4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
