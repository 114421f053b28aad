"""Pack validation at scale: 10,000 generated questions validated, and the bot's bank loaded.

The questions are written the way the bundled pack is (a program on half of them, four
choices each with a `why`, two answer lines, a few sentences of explanation), with
words drawn at random so that no two are near-duplicates, except a few planted ones
the validator must find (in a file of their own, so the bot's bank stays valid).
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter, process_time

import yaml

from bot.core.packs import read_packs

QUESTIONS = 10_000
FILES = 10  # a pack file is capped at 5 MB, so a bank this size spans several
PLANTED_COPIES = 5
LEVELS = ("entry", "junior", "mid", "senior", "expert")
TOPICS = {
    "basics": "Syntax, operators, control flow.",
    "collections": "list, tuple, set, dict.",
    "functions": "Parameters, defaults, lambdas.",
    "classes": "Classes, instances, inheritance.",
    "asyncio": "Coroutines, tasks, the event loop.",
    "concurrency": "Threads, processes, asyncio.",
    "memory": "Reference counting, garbage collection.",
    "typing": "Type hints and generics.",
}
STEMS = """
list dict set tuple string number float generator iterator closure decorator context manager
thread process coroutine task future lock queue module package class instance attribute method
property descriptor slot metaclass exception traceback frame buffer socket file path bytes
encoding hash equality identity copy reference cycle loop event scope binding default argument
keyword value object type protocol interface cache
"""
VOCABULARY = [f"{stem}{suffix}" for stem in STEMS.split() for suffix in ("", "s", "ed", "ing")]


@dataclass(frozen=True)
class PackResult:
    """The two timings (wall and CPU), and what the validator found in the generated packs."""

    validate_s: float
    validate_cpu_s: float
    start_s: float
    start_cpu_s: float
    questions: int
    problems: int


def generate(folder: Path, planted: Path, count: int = QUESTIONS, seed: int = 20240611) -> None:
    """Write `count` questions as FILES packs, and near-copies of a few into `planted`."""
    rng = random.Random(seed)

    def words(n: int) -> str:
        return " ".join(rng.choice(VOCABULARY) for _ in range(n))

    questions = []
    for index in range(count):
        question: dict[str, object] = {
            "id": f"generated-{index}",
            "difficulty": LEVELS[index % len(LEVELS)],
            "topics": rng.sample(sorted(TOPICS), 2),
            "prompt": f"Which is true about {words(rng.randint(15, 35))}?",
            "answer": [words(12), words(10)],
            "explanation": ". ".join(words(18) for _ in range(3)) + ".",
            "choices": [
                {"text": f"{chr(65 + c)} {words(8)}", **({"correct": True} if c == 0 else {})}
                | ({} if c == 0 else {"why": words(14)})
                for c in range(4)
            ],
        }
        if index % 2:
            question["code"] = "\n".join(f"x{i} = {rng.randint(0, 10**6)}" for i in range(4))
        questions.append(question)
    twins = [
        dict(original, id=f"planted-{copy}", prompt=str(original["prompt"]) + " Really?")
        for copy, original in enumerate(rng.sample(questions, PLANTED_COPIES))
    ]
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    per_file = -(-count // FILES)
    for number in range(FILES):
        part = questions[number * per_file : (number + 1) * per_file]
        text = yaml.dump({"topics": TOPICS, "questions": part}, Dumper=dumper, sort_keys=False)
        (folder / f"pack-{number:02d}.yaml").write_text(text, encoding="utf-8")
    planted.write_text(yaml.dump({"questions": twins}, Dumper=dumper, sort_keys=False))


def run(folder: Path) -> PackResult:
    """Time `validate` in this process and a bot's bank loading in a fresh interpreter."""
    pack, planted = folder / "generated", folder / "planted.yaml"
    pack.mkdir()
    generate(pack, planted)
    read_packs([folder / "missing.yaml"])  # imports warm, as in `quizbot validate`
    started, cpu = perf_counter(), process_time()
    packs = read_packs([pack, planted])
    validate_s, validate_cpu_s = perf_counter() - started, process_time() - cpu
    # What `quizbot run` does before it connects: start Python, import, load and check.
    loader = (
        "import sys; from pathlib import Path; from bot.core.packs import load_bank; "
        "print(len(load_bank([Path(sys.argv[1])])))"
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", loader, str(pack)], capture_output=True, text=True, check=False
    )
    start_s = perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    start_cpu_s = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    if done.returncode != 0 or done.stdout.strip() != str(QUESTIONS):
        raise RuntimeError(f"the generated bank did not load: {done.stderr[-2000:]}")
    return PackResult(
        validate_s, validate_cpu_s, start_s, start_cpu_s, len(packs.questions), len(packs.problems)
    )
