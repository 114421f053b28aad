"""SIGTERM during a burst of answers: every acknowledged answer is committed, exit code 0."""

from __future__ import annotations

from tests.fake_discord import (
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
