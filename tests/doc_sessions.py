"""Console sessions printed in the docs, replayed: what a ``console`` block shows, as a check.

The docs print real sessions (« Sortie réelle ») in ``console`` blocks: ``$ COMMAND`` lines
(a line ending in ``\\`` goes on to the next one), each followed by what it printed. The
tests replay them (``replay``) and hold each output to what the page shows (``matches``):
« … » stands for what the page leaves out (a line of its own: any lines, even none), and
dates and times (with their zone, « EST », « EDT » or « UTC ») for whatever date and time
the run has: the pages show Québec's local time; an advice's identifier
(``conseil-`` and 16 hexadecimal digits, drawn at random) for any other one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

_VARYING = re.compile(
    r"(…|conseil-[0-9a-f]{16}|\d{4}-\d\d-\d\d"
    r"|\d\d:\d\d(?::\d\d(?:\.\d+)?)? (?:EST|EDT|UTC)\b"
    r"|\d\d:\d\d:\d\d(?:\.\d+)?)"
)
PRIVATE = ("TAMIS_JOURNAL", "TAMIS_JETON")  # a developer's own settings stay out of the replay


_BLOCK = re.compile(r"^```console\n(.*?)^```$", re.DOTALL | re.MULTILINE)
_REAL = re.compile(r"\n+\(Sorties? réelles?")


def console_blocks(text: str) -> list[list[str]]:
    """The lines of each ``console`` block of ``text``, in order."""
    return [found[1].splitlines() for found in _BLOCK.finditer(text)]


def real_blocks(text: str) -> list[list[str]]:
    """The ``console`` blocks of ``text`` that the page says are real: those followed by a
    paragraph starting « (Sortie réelle » or « (Sorties réelles » (the others illustrate)."""
    return [
        found[1].splitlines() for found in _BLOCK.finditer(text) if _REAL.match(text, found.end())
    ]


def session(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Each ``$`` command of a block (its ``\\`` continuations joined) and the lines shown
    after it."""
    steps: list[tuple[str, list[str]]] = []
    continued = False
    for line in lines:
        if continued:
            steps[-1] = (steps[-1][0] + "\n" + line, [])
        elif line.startswith("$ "):
            steps.append((line.removeprefix("$ "), []))
        else:
            steps[-1][1].append(line)
        continued = line.endswith("\\")
    return steps


def pattern(shown: list[str]) -> str:
    """The output ``shown`` stands for, as a regular expression over the whole output."""
    lines = []
    for line in shown:
        if line == "…":
            lines.append("(?s:.*)")
            continue
        parts = _VARYING.split(line)
        for index, part in enumerate(parts):
            if index % 2 == 0:
                parts[index] = re.escape(part)
            elif part == "…":
                parts[index] = ".*"
            elif part.startswith("conseil-"):
                parts[index] = r"conseil-[0-9a-f]{16}"
            else:
                parts[index] = r"\d{4}-\d\d-\d\d" if "-" in part else r"[\d:.]+(?: [A-Z]{3})?"
        lines.append("".join(parts))
    return "\n".join(lines)


def matches(shown: list[str], output: str) -> bool:
    """Whether ``output`` is what ``shown`` prints, spaces at the end of its lines and its
    last line ends left out (a page keeps none; rich pads a centred title with them)."""
    lines = "\n".join(line.rstrip() for line in output.rstrip("\n").split("\n"))
    return re.fullmatch(pattern(shown), lines) is not None


def blocks(text: str) -> list[tuple[str, str]]:
    """Every fenced block of ``text`` in order: (language, content)."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)


def run_session(
    lines: list[str],
    cwd: Path,
    rewrite: Callable[[str], str] = str,
    shown_only: bool = False,
) -> int:
    """Each command of a ``console`` block replayed in ``cwd`` (through ``rewrite``), its
    output held to what the block shows, its exit code 0 unless ``echo $?`` follows to
    show it (it then prints that code, as the shell would); an ``AssertionError`` names the
    first command that differs. ``shown_only``: a command shown without output that writes
    no file (``> FILE``) only illustrates a form of request, and is not run. Returns how
    many commands ran."""
    steps = session(lines)
    code, ran = 0, 0
    for number, (command, shown) in enumerate(steps):
        if shown_only and not shown and ">" not in command:
            continue
        if command == "echo $?":
            code, output = 0, str(code)
        else:
            code, output = replay(rewrite(command), cwd)
            shown_next = steps[number + 1][0] == "echo $?" if number + 1 < len(steps) else False
            assert code == 0 or shown_next, (command, output)
        assert matches(shown, output), (
            f"après « $ {command} », la page montre :\n"
            + "\n".join(shown)
            + f"\nmais la commande affiche :\n{output}"
        )
        ran += 1
    return ran


def replay(command: str, cwd: Path, typed: str | None = None) -> tuple[int, str]:
    """``command`` run by bash in ``cwd``, with this environment's ``tamis`` first on the
    path: its exit code, and its output then its error output, as a terminal shows them
    when the error output comes last (a summary). ``typed``: what a person answers to the
    command's question, given as its input; both outputs then come in the order written,
    the question (on the error output) before what the answer brings."""
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        input=typed,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if typed is None else subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + (done.stderr or "")
