"""Running pack programs as `python code.py` would, isolated, offline and concurrently."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 5.0
RAISED = "__quizbot_raised__ "

# Runs inside the child: an audit hook refuses the network before the program starts,
# then the program runs as __main__; an escaping exception is named on stderr's last line.
RUNNER = f"""\
import os, runpy, site, sys

# Started with -S (the site-packages scan is most of the start-up time; programs use the
# standard library only), so add the builtins `site` would: exit, quit, help, copyright.
site.setquit()
site.setcopyright()
site.sethelper()

BLOCKED = {{"socket.connect", "socket.getaddrinfo", "socket.sendto", "socket.sendmsg",
            "socket.gethostbyname", "socket.gethostbyaddr"}}

def no_network(event, args):
    # Unix sockets stay open: multiprocessing managers talk through them on this machine.
    if event in BLOCKED and not (event == "socket.connect" and args[0].family == 1):
        raise PermissionError("network access is disabled for pack programs")

sys.addaudithook(no_network)
# As `python code.py` does: argv as typed, the script's folder first on the path.
program = os.path.abspath(sys.argv[1])
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(program))
try:
    runpy.run_path(program, run_name="__main__")
except SystemExit:
    raise
except BaseException as exc:
    sys.stdout.flush()
    import traceback
    traceback.print_exc()
    sys.stderr.write("\\n{RAISED}" + type(exc).__name__ + "\\n")
    sys.exit(1)
"""


@dataclass(frozen=True)
class Outcome:
    """What a program did: its stdout and the name of the exception that ended it, if any."""

    stdout: str
    raised: str | None
    stderr: str
    timed_out: bool = False
    returncode: int = 0


def run_programs(programs: Mapping[str, str], python: str = sys.executable) -> dict[str, Outcome]:
    """Run every program (name -> source) in its own temporary folder, several at a time."""
    # Many programs wait (sleeps, timeouts, asyncio), so run more of them than there are CPUs.
    with ThreadPoolExecutor(max_workers=max(4, (os.cpu_count() or 1) * 4)) as pool:
        futures = {name: pool.submit(run_program, code, python) for name, code in programs.items()}
        return {name: future.result() for name, future in futures.items()}


def run_program(code: str, python: str = sys.executable) -> Outcome:
    """One program as `python -I code.py` in a folder of its own, offline, with a timeout."""
    with tempfile.TemporaryDirectory(prefix="quizbot-key-") as folder:
        cwd = Path(folder)
        (cwd / "code.py").write_text(code, encoding="utf-8")
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"}
        try:
            done = subprocess.run(
                [python, "-I", "-S", "-X", "utf8", "-c", RUNNER, "code.py"],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            return Outcome(out, None, "", timed_out=True)
    raised = None
    lines = done.stderr.rstrip("\n").splitlines()
    if lines and lines[-1].startswith(RAISED):
        raised = lines[-1].removeprefix(RAISED)
        lines = lines[:-1]
    return Outcome(done.stdout, raised, "\n".join(lines), returncode=done.returncode)
