"""Stopping `quizbot run` at the worst moments: SIGTERM during a burst of answers or while a
/quiz waits for Discord, and SIGKILL while a post is half done."""

from __future__ import annotations

from tests.fake_discord import (
    DEFAULT_MEMBER_PERMISSIONS,
    MANAGE_GUILD,
    FakeDiscord,
    FakeInteraction,
    InteractionEvent,
    WaitTimeout,
    make_guild,
)

# isort: split
import asyncio
import os
import signal
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

CHILD = Path(__file__).with_name("child_bot.py")
ROOT = Path(__file__).resolve().parents[3]


async def acknowledged(interaction: FakeInteraction) -> InteractionEvent | None:
    try:
        return await interaction.response(timeout=15)
    except WaitTimeout:
        return None  # the bot stopped before answering: not acknowledged


async def test_sigterm_keeps_every_acknowledged_answer(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    async with FakeDiscord(guilds=[make_guild("G", channels=("quiz",))]) as fake:
        env = {
            **os.environ,
            "DISCORD_TOKEN": "fake-token",
            "FAKE_DISCORD_API": fake.api_url,
            "FAKE_DISCORD_GATEWAY": fake.gateway_url,
            "QUIZBOT_LOG_LEVEL": "WARNING",
        }
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CHILD),
            "--db",
            str(db),
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.wait_until_connected(timeout=30)
            await fake.wait_for_command_sync(timeout=30)
            quiz = fake.channel("quiz")
            starter = fake.make_user("starter", "Starter")
            drawn = await (
                await fake.slash_command(fake.guild.id, quiz.id, starter, "quiz")
            ).response()
            assert drawn.message is not None
            button = drawn.message.custom_ids()[0]

            users = [fake.make_user(f"m{i}", f"Member {i}") for i in range(300)]
            clicks = await asyncio.gather(
                *(fake.click(quiz.id, drawn.message.id, button, u) for u in users)
            )
            await acknowledged(clicks[20])  # some answers are through; the rest are in flight
            child.send_signal(signal.SIGTERM)
            acks = await asyncio.gather(*(acknowledged(c) for c in clicks))
            # Read its output while waiting, so a full pipe can never block it.
            _, err = await asyncio.wait_for(child.communicate(), timeout=60)
            code = child.returncode
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
        stderr = err.decode()
        assert code == 0, stderr

    acked = {
        str(u.id) for u, a in zip(users, acks, strict=True) if a is not None and "is in" in a.text
    }
    with closing(sqlite3.connect(db)) as conn, conn:
        committed = {row[0] for row in conn.execute("SELECT member_id FROM answers")}
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(acked) >= 1
    assert acked <= committed, f"{len(acked - committed)} acknowledged answers were lost"
    assert "Traceback" not in stderr


async def spawn(fake: FakeDiscord, db: Path) -> asyncio.subprocess.Process:
    """`quizbot run --sync` against the fake, logging at INFO to its stderr pipe."""
    env = {
        **os.environ,
        "DISCORD_TOKEN": "fake-token",
        "FAKE_DISCORD_API": fake.api_url,
        "FAKE_DISCORD_GATEWAY": fake.gateway_url,
        "QUIZBOT_LOG_LEVEL": "INFO",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(CHILD),
        "--db",
        str(db),
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def read_until(child: asyncio.subprocess.Process, text: str) -> list[str]:
    """Lines of the child's log up to the first containing `text`."""
    assert child.stderr is not None
    lines: list[str] = []
    while True:
        line = (await asyncio.wait_for(child.stderr.readline(), timeout=30)).decode()
        assert line, f"the bot exited before logging {text!r}: {''.join(lines)}"
        lines.append(line)
        if text in line:
            return lines


async def sigterm_and_wait(child: asyncio.subprocess.Process) -> str:
    child.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(child.communicate(), timeout=60)
    return err.decode()


async def settled(db: Path, sql: str, expected: object) -> None:
    """Wait (up to 30 s) until a query on the database answers `expected`."""
    for _ in range(300):
        with closing(sqlite3.connect(db)) as conn, conn:
            if conn.execute(sql).fetchall() == expected:
                return
        await asyncio.sleep(0.1)
    with closing(sqlite3.connect(db)) as conn, conn:
        raise AssertionError(f"{sql} gave {conn.execute(sql).fetchall()}, not {expected}")


def posts(db: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute("SELECT kind, message_id, voided_at FROM posts").fetchall()


async def test_sigterm_while_quiz_waits_for_discord_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    async with FakeDiscord(guilds=[make_guild("G", channels=("quiz",))]) as fake:
        child = await spawn(fake, db)
        try:
            await fake.wait_until_connected(timeout=30)
            await fake.wait_for_command_sync(timeout=30)
            quiz = fake.channel("quiz")
            hold = fake.hold(lambda method, path: path.endswith("/callback"))
            await fake.slash_command(fake.guild.id, quiz.id, fake.make_user("a", "A"), "quiz")
            await asyncio.wait_for(hold.arrived.wait(), 30)  # the draw is out, its id not stored
            child.send_signal(signal.SIGTERM)
            early = await read_until(child, "stopping:")
            hold.release()
            _, err = await asyncio.wait_for(child.communicate(), timeout=60)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
        log = "".join(early) + err.decode()
        assert child.returncode == 0, log
        assert "Traceback" not in log
        assert "ERROR" not in log
        [message] = fake.messages(quiz.id, include_ephemeral=False)
    assert posts(db) == [("draw", str(message.id), None)]


async def test_a_kill_while_quiz_waits_for_discord_is_recovered_without_a_second_copy(
    tmp_path: Path,
) -> None:
    db = tmp_path / "quiz.db"
    async with FakeDiscord(guilds=[make_guild("G", channels=("quiz",))]) as fake:
        child = await spawn(fake, db)
        try:
            await fake.wait_until_connected(timeout=30)
            await fake.wait_for_command_sync(timeout=30)
            quiz = fake.channel("quiz")
            hold = fake.hold(lambda method, path: path.endswith("/callback"))
            await fake.slash_command(fake.guild.id, quiz.id, fake.make_user("a", "A"), "quiz")
            await asyncio.wait_for(hold.arrived.wait(), 30)
            child.kill()  # SIGKILL: no chance to record the message
            await child.wait()
            hold.release()
            assert posts(db) == [("draw", None, None)]

            child = await spawn(fake, db)
            [message] = fake.messages(quiz.id, include_ephemeral=False)
            await settled(db, "SELECT message_id FROM posts", [(str(message.id),)])
            err = await sigterm_and_wait(child)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
        assert child.returncode == 0, err
        assert "Traceback" not in err
        assert len(fake.messages(quiz.id, include_ephemeral=False)) == 1


async def test_a_kill_while_the_daily_is_being_posted_never_posts_it_twice(
    tmp_path: Path,
) -> None:
    db = tmp_path / "quiz.db"
    async with FakeDiscord(guilds=[make_guild("G", channels=("quiz",))]) as fake:
        child = await spawn(fake, db)
        try:
            await fake.wait_until_connected(timeout=30)
            await fake.wait_for_command_sync(timeout=30)
            quiz = fake.channel("quiz")
            owner = fake.make_user("owner", "Owner")
            setup = await fake.slash_command(
                fake.guild.id,
                quiz.id,
                owner,
                "quizadmin",
                {"channel": quiz, "time": "09:00", "timezone": "UTC"},
                subcommand="setup",
                permissions=DEFAULT_MEMBER_PERMISSIONS | MANAGE_GUILD,
            )
            await setup.response(timeout=30)
            # Discord creates the daily, then the bot is killed before it reads the answer.
            hold = fake.hold(
                lambda method, path: method == "POST" and path == f"/channels/{quiz.id}/messages"
            )
            await fake.slash_command(
                fake.guild.id,
                quiz.id,
                owner,
                "quizadmin",
                {},
                subcommand="postnow",
                permissions=DEFAULT_MEMBER_PERMISSIONS | MANAGE_GUILD,
            )
            await asyncio.wait_for(hold.arrived.wait(), 30)
            child.kill()
            await child.wait()
            hold.release()
            assert posts(db) == [("daily", None, None)]

            child = await spawn(fake, db)
            [message] = fake.messages(quiz.id, include_ephemeral=False)
            await settled(db, "SELECT message_id FROM posts", [(str(message.id),)])
            err = await sigterm_and_wait(child)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
        assert child.returncode == 0, err
        assert "Traceback" not in err
        assert len(fake.messages(quiz.id, include_ephemeral=False)) == 1
        nonces = {
            r.body.get("nonce")
            for r in fake.requests
            if r.method == "POST" and r.path == f"/channels/{quiz.id}/messages"
        }
        assert len(nonces) == 1, "every try carried the same nonce"
