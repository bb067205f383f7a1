"""Under load, with worker processes: every acknowledged decision is in the journal exactly
once and the chain verifies; SIGTERM finishes in-flight requests; SIGKILL loses no
acknowledged decision. Bounded: 20 clients x 250 requests (the client, httpx, costs more CPU
than the server on a 2-core machine).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from servir_harness import POLICY, decisions_in, run_tamis, serve

CLIENTS = 20
REQUESTS = 250  # per client


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    return tmp_path


def invitation(client: int, number: int) -> dict:
    return {
        "id": f"c{client}-{number}",
        "expediteur": {"photo": number % 3 != 0, "connexions": number},
    }


async def client_loop(url: str, client: int, count: int, acknowledged: list[str]) -> None:
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        for number in range(count):
            sent = invitation(client, number)
            try:
                answer = await http.post("/decisions", json=sent)
            except httpx.TransportError:
                return  # the server was killed: what was answered before counts
            if answer.status_code == 200:
                assert answer.json()["id"] == sent["id"]
                acknowledged.append(sent["id"])


async def load(url: str, clients: int, count: int, acknowledged: list[str]) -> None:
    await asyncio.gather(*(client_loop(url, c, count, acknowledged) for c in range(clients)))


def verified(work: Path) -> None:
    result = run_tamis("journal", "verifier", "--journal", "j.jsonl", cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr


def test_two_workers_journal_every_acknowledged_decision_exactly_once(work: Path) -> None:
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", "--processus", "2", cwd=work)
    acknowledged: list[str] = []
    try:
        started = time.monotonic()
        asyncio.run(load(server.url, CLIENTS, REQUESTS, acknowledged))
        elapsed = time.monotonic() - started
        with server.client() as http:
            metrics = http.get("/metriques").text
    finally:
        assert server.stop() == 0
    assert len(acknowledged) == CLIENTS * REQUESTS, f"{elapsed:.1f} s"
    journaled = Counter(d["id"] for d in decisions_in(work / "j.jsonl"))
    assert journaled == Counter(acknowledged)
    assert max(journaled.values()) == 1
    verified(work)
    total = f'tamis_journal_ajouts_total{{espace="defaut"}} {float(CLIENTS * REQUESTS)}'
    assert total in metrics  # both workers' counts, added up
    pids = {e.get("pid") for e in server.events() if e.get("evenement") == "processus_arrete"}
    assert pids == set()  # no worker died


def test_sigterm_during_a_batch_finishes_it_and_exits_zero(work: Path) -> None:
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", "--invitations-max", "5000", cwd=work)
    batch = [invitation(0, n) for n in range(5000)]
    answers: list[httpx.Response] = []
    with server.client() as http:
        assert http.get("/sante").status_code == 200  # the connection is open and warm
        poster = threading.Thread(
            target=lambda: answers.append(http.post("/decisions", json=batch))
        )
        poster.start()
        time.sleep(0.5)  # the body is in; deciding 5,000 invitations takes longer than this
        server.send(signal.SIGTERM)
        poster.join(120)
    # Waited for, not stopped: a second SIGTERM while it closes (a busy machine) would force it.
    assert server.wait(60) == 0
    (answer,) = answers
    assert answer.status_code == 200 and len(answer.json()["decisions"]) == 5000
    assert len(decisions_in(work / "j.jsonl")) == 5000
    assert server.events()[-1]["evenement"] == "arret"
    verified(work)


def test_sigkill_mid_load_loses_no_acknowledged_decision(work: Path) -> None:
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", "--processus", "2", cwd=work)
    acknowledged: list[str] = []

    workers = children_of(server.process.pid)
    assert len(workers) == 2

    def killer() -> None:
        while len(acknowledged) < 500:
            time.sleep(0.01)
        server.process.kill()  # first the parent, which would start new workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)

    threading.Thread(target=killer, daemon=True).start()
    asyncio.run(load(server.url, 10, 300, acknowledged))
    server.stop()
    assert 500 <= len(acknowledged) < 3000
    journaled = Counter(whole_decisions(work / "j.jsonl"))
    missing = [ident for ident in acknowledged if journaled[ident] != 1]
    assert missing == []
    verified(work)  # a torn last line, if any, is set aside, not an error


def whole_decisions(path: Path) -> list[str]:
    """Ids of the decision records, a last line torn by the kill left out."""
    ids = []
    for line in path.read_bytes().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record["evenement"] == "decision":
            ids.append(record["contenu"]["id"])
    return ids


def _is_worker(process: Path) -> bool:
    """A worker, not multiprocessing's resource tracker."""
    try:
        command = (process / "cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in command and b"resource_tracker" not in command


def children_of(parent: int) -> list[int]:
    """The worker processes of the server (started within the readiness wait)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent and _is_worker(stat.parent):
                found.append(int(stat.parent.name))
        if len(found) >= 2:
            return found
        time.sleep(0.05)
    return []
