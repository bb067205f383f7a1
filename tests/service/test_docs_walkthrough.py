"""docs/service.md's « Pas à pas avec curl » is a real session: replayed, it prints what it shows.

The server starts with the arguments of the page's « Démarrer » block (on a free port), in a
folder holding the shipped ``policies/`` (the page runs « depuis la racine du projet »); then
each ``$`` command of the walk-through runs in order, through bash, with real curl, and
its output must be the one the page prints, line for line. In what the page prints, « … »
stands for what it leaves out (a line of its own: any lines), and dates and times for
whatever date and time the run has. A command the page shows without output and without
writing a file (``> FILE``) only illustrates a form of request: it is not run, as the page's
own session did not (its later answers count two decisions).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from servir_harness import ROOT, serve

PAGE = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
WALK = PAGE[PAGE.index("\n## Démarrer\n") : PAGE.index("\n## L'API\n")]
HOME = "127.0.0.1:8765"
_VARYING = re.compile(r"(…|\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d(?:\.\d+)?)")


def console_blocks() -> list[list[str]]:
    found = re.findall(r"^```console\n(.*?)^```$", WALK, re.DOTALL | re.MULTILINE)
    return [block.splitlines() for block in found]


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
        for index in range(1, len(parts), 2):
            part = parts[index]
            parts[index] = (
                ".*" if part == "…" else r"\d{4}-\d\d-\d\d" if "-" in part else r"[\d:.]+"
            )
        for index in range(0, len(parts), 2):
            parts[index] = re.escape(parts[index])
        lines.append("".join(parts))
    return "\n".join(lines)


def test_the_curl_walk_through_prints_what_the_page_shows(tmp_path: Path) -> None:
    assert shutil.which("curl"), "curl (paquet Debian curl) : .ci/run l'installe"
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    start, *blocks = console_blocks()
    (command, _), *_ = session(start)
    assert command.startswith("tamis servir ")
    served = serve(*command.split()[2:], cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("TAMIS_JOURNAL", "TAMIS_JETON")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    address = served.url.removeprefix("http://")
    ran = 0
    try:
        for block in blocks:
            for command, shown in session(block):
                if not shown and ">" not in command:
                    continue  # a form of request shown without its answer: not run
                done = subprocess.run(
                    ["bash", "-c", command.replace(HOME, address)],
                    cwd=tmp_path,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                assert done.returncode == 0, (command, done.stdout, done.stderr)
                output = done.stdout.rstrip("\n")
                assert re.fullmatch(pattern(shown), output), (
                    f"docs/service.md montre, après « $ {command} » :\n"
                    + "\n".join(shown)
                    + f"\nmais le service répond :\n{output}"
                )
                ran += 1
    finally:
        assert served.stop() == 0
    assert ran >= 12
