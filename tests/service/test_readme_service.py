"""README.md's « Service » walk-through is true, command by command.

The server starts with the README's own ``tamis servir`` arguments (on a free port: the
README's 8765 may be taken), from a folder holding the shipped ``policies/``; then each ``$``
line of the second block runs in order: ``sed -n 2p … > inv-02.json`` as sed does, each
``curl`` as curl would send it (``--data @FILE`` drops the file's line ends, as curl does;
``--data-binary`` sends it as is), and ``tamis journal pourquoi``. The answer the README
prints under the first ``POST /decisions`` must be the one the server gives, field for
field; every other request must succeed with a JSON answer.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import httpx
from servir_harness import ROOT, run_tamis, serve

README = (ROOT / "README.md").read_text(encoding="utf-8")


def service_section() -> str:
    start = README.index("\n## Service\n")
    return README[start : README.index("\n## ", start + 1)]


def console_blocks() -> list[list[str]]:
    blocks = re.findall(r"^```console\n(.*?)^```$", service_section(), re.DOTALL | re.MULTILINE)
    return [block.splitlines() for block in blocks]


def curl(words: list[str], base: str, cwd: Path) -> httpx.Response:
    """The request ``curl WORDS`` sends, to ``base`` instead of the README's address."""
    method, headers, body, url = "GET", {}, None, None
    arguments = iter(words[1:])
    for word in arguments:
        if word == "-s":
            continue
        if word == "-X":
            method = next(arguments)
        elif word == "-H":
            name, value = next(arguments).split(":", 1)
            headers[name.strip()] = value.strip()
        elif word in ("--data", "--data-binary"):
            value = next(arguments)
            assert value.startswith("@"), value
            body = (cwd / value[1:]).read_bytes()
            if word == "--data":  # curl's --data @FILE leaves out carriage returns and newlines
                body = body.replace(b"\r", b"").replace(b"\n", b"")
            method = "POST" if method == "GET" else method
        else:
            assert url is None and word.startswith("http://127.0.0.1:8765"), word
            url = base + word.removeprefix("http://127.0.0.1:8765")
    assert url is not None
    return httpx.request(method, url, headers=headers, content=body, timeout=60)


def test_the_service_walk_through_runs_as_the_readme_says(tmp_path: Path) -> None:
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    start, calls = console_blocks()
    words = shlex.split(start[0].removeprefix("$ "))
    assert words[:2] == ["tamis", "servir"]
    served = serve(*words[2:], cwd=tmp_path)
    try:
        answered = 0
        for number, line in enumerate(calls):
            if not line.startswith("$ "):
                continue
            words = shlex.split(line.removeprefix("$ "), comments=True)
            if words[0] == "sed":  # sed -n 2p FILE > OUT
                assert words[1:3] == ["-n", "2p"] and words[4] == ">"
                text = (tmp_path / words[3]).read_text(encoding="utf-8")
                (tmp_path / words[5]).write_text(text.splitlines()[1] + "\n", encoding="utf-8")
            elif words[0] == "curl":
                response = curl(words, served.url, tmp_path)
                assert response.status_code == 200, (line, response.text)
                answer = response.json()
                shown = calls[number + 1] if number + 1 < len(calls) else "$"
                if not shown.startswith("$ "):  # the README prints this answer
                    assert answer == httpx.Response(200, content=shown).json(), line
                    answered += 1
            else:
                assert words[:3] == ["tamis", "journal", "pourquoi"], line
                done = run_tamis(*words[1:], cwd=tmp_path)
                assert done.returncode == 0, done.stderr
                assert "message par défaut" in done.stdout  # the rule of the answer shown
        assert answered == 1
    finally:
        assert served.stop() == 0
