"""schemathesis against /openapi.json: no server error, no answer that breaks the schema.

Runs the schemathesis command (all its checks but ``positive_data_acceptance``: a request
the schema allows may still be refused, e.g. an invitation without the fields the domain
requires, and that refusal is itself documented) on every operation, bounded by a small
number of examples per operation.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from servir_harness import BLOGUE, CONTEXT, serve

TOKEN = "jeton-schemathesis-0123456789abcdef"


def test_every_operation_answers_within_its_schema(tmp_path: Path) -> None:
    shutil.copy(BLOGUE, tmp_path / "blogue.tamis")
    server = serve(
        "-p",
        "blogue.tamis",
        "--contexte",
        str(CONTEXT),
        "--journal",
        "j.jsonl",
        cwd=tmp_path,
        env={"TAMIS_JETON": TOKEN},
    )
    try:
        with server.client(TOKEN) as http:
            paths = http.get("/openapi.json").json()["paths"]
        operations = sum(len(methods) for methods in paths.values())
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{server.url}/openapi.json",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            "8",
            "--header",
            f"Authorization: Bearer {TOKEN}",
            "--seed",
            "20261202",
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
        server_lines = "\n".join(server.lines)
    finally:
        assert server.stop() == 0
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert f"Tested: {operations}" in result.stdout
    assert operations == 2 * 11 + 2  # every route with and without its workspace prefix
    assert "Traceback" not in server_lines
