"""docs/service.md's « Pas à pas avec curl » is a real session: replayed, it prints what it shows.

The server starts with the arguments of the page's « Démarrer » block (on a free port), in a
folder holding the shipped ``policies/`` (the page runs « depuis la racine du projet »); then
each ``$`` command of the walk-through runs in order, through bash, with real curl, and
its output must be the one the page prints (``doc_sessions``). A command the page shows
without output and without writing a file only illustrates a form of request: it is not
run, as the page's own session did not (its later answers count two decisions).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from doc_sessions import console_blocks, run_session, session
from servir_harness import ROOT, serve

PAGE = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
WALK = PAGE[PAGE.index("\n## Démarrer\n") : PAGE.index("\n## L'API\n")]
HOME = "127.0.0.1:8765"


def test_the_curl_walk_through_prints_what_the_page_shows(tmp_path: Path) -> None:
    assert shutil.which("curl"), "curl (paquet Debian curl) : .ci/run l'installe"
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    start, *blocks = console_blocks(WALK)
    (command, _), *_ = session(start)
    assert command.startswith("tamis servir ")
    served = serve(*command.split()[2:], cwd=tmp_path)
    address = served.url.removeprefix("http://")
    ran = 0
    try:
        for block in blocks:
            ran += run_session(block, tmp_path, lambda c: c.replace(HOME, address), True)
    finally:
        assert served.stop() == 0
    assert ran >= 12
