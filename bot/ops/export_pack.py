"""`quizbot export-pack`: a guild's approved suggestions as a question pack (YAML)."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

import yaml

from bot.core.community_model import Suggestion
from bot.ops.readonly import connect_readonly
from bot.storage.sqlite_community import read_approved

HEADER = (
    "# yaml-language-server: $schema=questions.schema.json\n"
    "# Questions suggested by members of {guild} and approved by its reviewers.\n"
)
UNDESCRIBED = "(not described in the configured packs)"


def pack_text(guild_id: str, suggestions: list[Suggestion], topics: Mapping[str, str]) -> str:
    """The pack file: its topic map, then every question in pack order, credited in a comment.

    A pack declares the topics it uses, so the map holds each used topic with its
    description from the configured packs.
    """
    used = sorted({topic for s in suggestions for topic in s.question.topics})
    vocabulary = {topic: topics.get(topic) or UNDESCRIBED for topic in used}
    lines = [
        HEADER.format(guild=guild_id),
        yaml.safe_dump({"topics": vocabulary}, sort_keys=False, allow_unicode=True, width=100),
        "questions:\n",
    ]
    for suggestion in suggestions:
        data = suggestion.question.model_dump(mode="json", exclude_none=True)
        item = yaml.safe_dump([data], sort_keys=False, allow_unicode=True, width=100)
        lines.append(f"  # suggested by {suggestion.author.name}\n")
        lines.extend(f"  {line}\n" for line in item.splitlines())
    return "".join(lines)


def export_pack(db: Path, guild_id: str, topics: Mapping[str, str], out: TextIO) -> int:
    """Write the guild's approved suggestions as a pack to `out`; returns how many."""
    conn = connect_readonly(db)
    try:
        suggestions = read_approved(conn, guild_id)
    finally:
        conn.close()
    if suggestions:
        out.write(pack_text(guild_id, suggestions, topics))
    return len(suggestions)


def export_pack_command(
    db: Path,
    guild_id: str,
    dest: Path | None,
    topics: Mapping[str, str],
    out: TextIO | None = None,
) -> int:
    """Print (or write to a new file) the guild's pack: 0, or 1 with a message on stderr.

    `topics` are the configured packs' topic descriptions, for the pack's own topic map.
    """
    try:
        if dest is not None and dest.exists():
            print(f"quizbot: export-pack: {dest} exists; choose a new file", file=sys.stderr)
            return 1
        if dest is None:
            count = export_pack(db, guild_id, topics, out or sys.stdout)
        else:
            with dest.open("x", encoding="utf-8") as handle:
                count = export_pack(db, guild_id, topics, handle)
            if not count:
                dest.unlink()
    except (OSError, sqlite3.Error) as exc:
        print(f"quizbot: export-pack failed: {exc}", file=sys.stderr)
        return 1
    if not count:
        print(
            f"quizbot: {guild_id!r} has no approved suggestions in {db}; nothing to export",
            file=sys.stderr,
        )
        return 1
    where = f" to {dest}" if dest else ""
    print(f"exported {count} question(s) of guild {guild_id}{where}", file=sys.stderr)
    return 0
