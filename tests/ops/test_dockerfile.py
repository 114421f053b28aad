"""The Dockerfile and docker-compose.yml, checked as text (no image can be built here)."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    args: str
    stage: int


def parse(text: str) -> list[Instruction]:
    """Instructions in order; `stage` counts FROM lines from 0."""
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")))
    instructions: list[Instruction] = []
    stage = -1
    for item in parser.structure:
        keyword = str(item["instruction"]).upper()
        if keyword == "COMMENT":
            continue
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, " ".join(str(item["value"]).split()), stage))
    return instructions


def exec_form(args: str) -> list[str]:
    """The JSON array of an exec-form instruction."""
    value = json.loads(args)
    assert isinstance(value, list)
    return [str(part) for part in value]


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    """The project's Dockerfile, parsed."""
    return parse((ROOT / "Dockerfile").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def final(dockerfile: list[Instruction]) -> list[Instruction]:
    """The instructions of the last stage, the image that ships."""
    last = dockerfile[-1].stage
    return [i for i in dockerfile if i.stage == last]


def only(instructions: list[Instruction], keyword: str) -> Instruction:
    """The single instruction with this keyword."""
    found = [i for i in instructions if i.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {len(found)}"
    return found[0]


def test_multi_stage_on_python_slim(dockerfile: list[Instruction]) -> None:
    bases = [i.args for i in dockerfile if i.keyword == "FROM"]
    assert len(bases) >= 2
    # Pinned to a release, so a rebuild cannot silently move to another Python or Debian.
    assert all(re.fullmatch(r"python:3\.12\.\d+-slim-bookworm", base.split()[0]) for base in bases)
    builder = bases[0].split()
    assert builder[1:] == ["AS", "builder"]
    assert any(
        i.keyword == "COPY" and "--from=builder" in i.args for i in dockerfile if i.stage > 0
    )


def test_final_stage_runs_as_a_fixed_non_root_user(final: list[Instruction]) -> None:
    user = only(final, "USER").args.split(":")[0]
    assert user == "quizbot"
    created = " ".join(i.args for i in final if i.keyword == "RUN")
    uid = re.search(r"useradd .*--uid (\d+) .*\bquizbot\b", created)
    assert uid is not None, "the user is created with a fixed uid"
    assert int(uid[1]) >= 1000, "outside the range of system users on the host"


def test_database_volume_and_environment(final: list[Instruction]) -> None:
    assert only(final, "VOLUME").args in ("/data", '["/data"]')
    env = " ".join(i.args for i in final if i.keyword == "ENV")
    assert "QUIZBOT_DB=/data/quizbot.db" in env.split()
    assert "QUIZBOT_DEFAULT_PACK=/app/data/questions.yaml" in env.split()
    assert any(i.keyword == "COPY" and i.args == "data/ /app/data/" for i in final)
    run_lines = " ".join(i.args for i in final if i.keyword == "RUN")
    assert "chown quizbot:quizbot /data" in run_lines, "the volume is writable by the user"
    assert final.index(only(final, "VOLUME")) > max(
        final.index(i) for i in final if i.keyword == "RUN"
    ), "changes to /data after VOLUME would be discarded"


def test_entrypoint_command_and_healthcheck(final: list[Instruction]) -> None:
    assert exec_form(only(final, "ENTRYPOINT").args) == ["quizbot"]
    assert exec_form(only(final, "CMD").args) == ["run"]
    health = only(final, "HEALTHCHECK").args
    options, _, command = health.partition("CMD ")
    assert exec_form(command) == ["quizbot", "health"]
    assert "--start-period=" in options


def test_dependencies_are_installed_before_the_code_is_copied(
    dockerfile: list[Instruction],
) -> None:
    builder = [i for i in dockerfile if i.stage == 0]
    copies = [i for i in builder if i.keyword == "COPY"]
    assert copies[0].args == "requirements/runtime.txt ./requirements/", "the lock comes alone"
    deps = next(n for n, i in enumerate(builder) if i.keyword == "RUN" and "pip install" in i.args)
    code = next(n for n, i in enumerate(builder) if i.keyword == "COPY" and "bot/" in i.args)
    project = next(
        n
        for n, i in enumerate(builder)
        if i.keyword == "RUN" and "pip install --no-deps ." in i.args
    )
    assert builder.index(copies[0]) < deps < code < project
    # The image installs exactly the hashed lock file that `make` installs.
    assert builder[deps].args == "pip install --require-hashes -r requirements/runtime.txt"


def test_dockerignore_keeps_secrets_venv_and_databases_out() -> None:
    patterns = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".env", "*.db", "**/*.db", ".pytest_cache", ".mypy_cache"} <= patterns
    assert not {"bot", "data", "pyproject.toml", "README.md"} & patterns, "needed by the build"


def compose_file() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    )
    return loaded


def test_compose_services() -> None:
    compose = compose_file()
    services = {
        name: s for name, s in compose["services"].items() if s.get("profiles") != ["postgres"]
    }
    assert set(services) == {"quizbot", "quizbot-slack"}
    assert "profiles" not in services["quizbot"], "Discord starts with a plain `up`"
    assert services["quizbot-slack"]["profiles"] == ["slack"]
    assert services["quizbot-slack"]["command"] == ["slack"]
    for service in services.values():
        assert service["build"] in (".", {"context": "."})
        assert service["env_file"] in (".env", [".env"])
        assert service["restart"] == "unless-stopped"
        assert service["logging"]["options"]["max-size"], "logs rotate"
        data, packs = service["volumes"]
        volume, _, target = data.partition(":")
        assert target == "/data"
        assert volume in compose["volumes"], "a named volume, not a host folder"
        assert packs == "./packs:/app/packs:ro"
    # Two processes never share one SQLite file.
    assert services["quizbot-slack"]["environment"]["QUIZBOT_DB"] != "/data/quizbot.db"


def test_docs_use_the_image_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    deploying = readme.split("## Deploying", 1)[1]
    for command in ("docker compose up -d", "quizbot backup", "quizbot export", "quizbot health"):
        assert command in deploying
    # The invite asks for exactly the permissions the table lists.
    url = re.search(r"permissions=(\d+)", deploying)
    assert url is not None
    bits = [int(shift) for shift in re.findall(r"`1 << (\d+)`", deploying)]
    assert int(url[1]) == sum(1 << bit for bit in bits) == 84992


def test_compose_postgres_profile() -> None:
    compose = compose_file()
    services = compose["services"]
    profiled = {name for name, s in services.items() if s.get("profiles") == ["postgres"]}
    assert profiled == {"postgres", "quizbot-shard1"}
    server = services["postgres"]
    assert re.fullmatch(r"postgres:\d+\.\d+-\w+", server["image"]), "a pinned version"
    (mount,) = server["volumes"]
    volume, _, target = mount.partition(":")
    assert volume in compose["volumes"]
    assert target == "/var/lib/postgresql/data"
    assert "pg_isready" in " ".join(server["healthcheck"]["test"])
    # Shard 0 is the default bot (QUIZBOT_SHARD_IDS=0 in .env), shard 1 its own service,
    # started once the server is healthy.
    shard1 = services["quizbot-shard1"]
    assert shard1["environment"] == {"QUIZBOT_SHARD_IDS": "1"}
    assert shard1["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert shard1["build"] == services["quizbot"]["build"] == "."
    assert shard1["restart"] == "unless-stopped"
