"""The dependency direction of ARCHITECTURE.md, checked on the import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(folder: str) -> list[Path]:
    return sorted((BOT / folder).rglob("*.py"))


FORBIDDEN_IN_CORE = (
    "bot.storage",
    "bot.scheduling",
    "bot.adapters",
    "discord",
    "slack_bolt",
    "slack_sdk",
    "aiosqlite",
    "apscheduler",
)


@pytest.mark.parametrize("path", modules("core"), ids=lambda p: p.name)
def test_core_is_platform_free(path: Path) -> None:
    bad = {name for name in imports_of(path) if name.startswith(FORBIDDEN_IN_CORE)}
    assert bad == set()


def test_adapters_never_import_each_other_or_storage() -> None:
    adapters = [
        p for p in (BOT / "adapters").iterdir() if p.is_dir() and not p.name.startswith("_")
    ]
    for adapter in adapters:
        others = tuple(f"bot.adapters.{o.name}" for o in adapters if o != adapter)
        for path in adapter.rglob("*.py"):
            names = imports_of(path)
            assert not {n for n in names if n.startswith(others)}, path
            # Only the entry module that wires a platform may open the store.
            if path.name not in ("repl.py", "main.py", "runner.py"):
                assert not {n for n in names if n.startswith("bot.storage")}, path


def test_adapter_folders_do_not_shadow_libraries() -> None:
    names = {p.name for p in (BOT / "adapters").iterdir() if p.is_dir()}
    assert not names & {"discord", "slack", "slack_bolt", "console"} - {"console"}
