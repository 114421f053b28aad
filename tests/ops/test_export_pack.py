"""`quizbot export-pack`: approved suggestions become a pack the pack loader accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import DEFAULT_PACK
from bot.core.community import Community
from bot.core.model import Member
from bot.core.packs import check_packs, declared_topics
from bot.core.service import QuizService
from bot.storage.sqlite import SqliteStore
from tests.community_fakes import GOOD_FORM, form
from tests.conftest import GUILD

ALICE, ADMIN = Member("u1", "Alice"), Member("u9", "Admin")


@pytest.fixture
async def approved(service: QuizService, store: SqliteStore) -> list[str]:
    """Two approved suggestions, one rejected and one pending, in GUILD (the bot still runs)."""
    community = Community(service)
    await community.admin.set_review_channel(GUILD, "review")
    tricky = form(
        prompt='What does `print(f"{x!r}")` show for x = "it\'s"?\n```python\nx = "it\'s"\n```',
        correct='"it\'s"',
        wrong=("it's", "'it\\'s'", "`it's`"),
        explanation="repr() picks double quotes when the text holds a single quote: «ok».",
        topics="basics, asyncio",
        level="mid",
    )
    ids = []
    for n, submitted in enumerate(
        (GOOD_FORM, tricky, form(prompt="Rejected?"), form(prompt="Later?"))
    ):
        done = await community.suggestions.submit(GUILD, ALICE, submitted)
        sid = done.suggestion.suggestion_id
        if n < 2:
            ids.append((await community.suggestions.approve(GUILD, sid, ADMIN)).suggestion)
        elif n == 2:
            await community.suggestions.reject(GUILD, sid, ADMIN)
    return [s.question_id for s in ids]


async def test_the_export_is_a_valid_pack_of_the_approved_questions(
    approved: list[str],
    db_path: Path,
    tmp_path: Path,
    service: QuizService,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["export-pack", "--db", str(db_path), "--guild", GUILD]) == 0
    captured = capsys.readouterr()
    assert captured.err == f"exported 2 question(s) of guild {GUILD}\n"
    pack = tmp_path / "suggested.yaml"
    pack.write_text(captured.out, encoding="utf-8")
    assert "  # suggested by Alice\n  - id: suggested-1\n" in captured.out
    bundled = declared_topics(DEFAULT_PACK)
    declared = declared_topics(pack)
    assert declared["asyncio"] == bundled["asyncio"], "topics described as the packs do"
    assert set(declared) == {"asyncio", "basics"}

    questions, problems = check_packs([pack])
    assert problems == []
    assert [q.id for q in questions] == approved
    for question in questions:
        assert question.model_dump() == service.question(question.id).model_dump()

    _, together = check_packs([DEFAULT_PACK, pack])
    assert together == [], "the exported pack loads beside the bundled one"


async def test_export_to_a_new_file_only(
    approved: list[str], db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pack.yaml"
    assert main(["export-pack", "--db", str(db_path), "--guild", GUILD, "--out", str(out)]) == 0
    _, problems = check_packs([out])
    assert problems == []
    assert main(["export-pack", "--db", str(db_path), "--guild", GUILD, "--out", str(out)]) == 1


async def test_a_guild_without_approved_questions_exports_nothing(
    approved: list[str], db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "none.yaml"
    assert main(["export-pack", "--db", str(db_path), "--guild", "g-none", "--out", str(out)]) == 1
    assert not out.exists()
    assert "'g-none' has no approved suggestions" in capsys.readouterr().err
