"""Logging out of the web interface holds on every process and instance of a deployment.

Real processes only: two ``tamis servir`` started as a user would (``servir_harness``), on
one PostgreSQL journal (a real server, ``tests/pg_cluster.py``) or on one file journal, the
same signing key (``TAMIS_CLE_SESSIONS``, as an operator sets it on every machine); one
browser (Debian's Chromium) logs in and clicks « Se déconnecter » on one instance, and the
same cookie is then refused by the other. Also: the logged-out sessions pruned once expired,
the grants the service's role needs, and a store out of reach answered with the journal's 503
(a French page, with its ``Retry-After``), never with the page asked for.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from browser import launch
from pg_cluster import grant, login_role
from playwright.sync_api import expect, sync_playwright
from servir_harness import POLICY, Served, serve

from tamis.service import revocations
from tamis.service.web_session import LIFETIME

TOKEN = "jeton-de-test-deconnexion-0123456789"
KEY = secrets.token_urlsafe(32)
LOGIN = "/interface/connexion"
TABLE = "tamis_sessions_revoquees"
UNAVAILABLE_PAGE = (
    "Le journal est momentanément injoignable (base de données arrêtée ou en redémarrage) : "
    "aucune décision n&#39;est confirmée. Réessayez dans 2 s."
)


def tamis(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "tamis"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "essai.tamis"
    path.write_text(POLICY, encoding="utf-8")
    return path


@pytest.fixture
def journal(pg_url: str) -> str:
    done = tamis("journal", "initialiser", pg_url)
    assert done.returncode == 0, done.stderr
    return pg_url


def on_database(url: str, policy: Path, folder: Path) -> Served:
    """An instance on the PostgreSQL journal ``url`` (named by ``TAMIS_JOURNAL``)."""
    folder.mkdir(exist_ok=True)
    env = {"TAMIS_JOURNAL": url, "TAMIS_JETON": TOKEN, "TAMIS_CLE_SESSIONS": KEY}
    return serve("-p", str(policy), cwd=folder, env=env)


def on_file(policy: Path, folder: Path) -> Served:
    """An instance on the file journal ``folder/journal.jsonl``."""
    env = {"TAMIS_JETON": TOKEN, "TAMIS_CLE_SESSIONS": KEY}
    return serve("-p", str(policy), "--journal", "journal.jsonl", cwd=folder, env=env)


def logged_in(served: Served) -> dict[str, str]:
    """The session cookie a login on ``served`` gives."""
    with httpx.Client(base_url=served.url, timeout=30) as client:
        login = client.post(LOGIN, data={"jeton": TOKEN}, headers={"Origin": served.url})
    assert login.status_code == 303 and login.headers["location"] == "/interface/"
    return dict(login.cookies)


def log_out(served: Served, cookies: dict[str, str]) -> httpx.Response:
    with httpx.Client(base_url=served.url, timeout=30, cookies=cookies) as client:
        return client.post("/interface/deconnexion", headers={"Origin": served.url})


def shown(served: Served, cookies: dict[str, str]) -> httpx.Response:
    """A page that reads nothing from the journal: only the session decides its answer."""
    with httpx.Client(base_url=served.url, timeout=30, cookies=cookies) as client:
        return client.get("/interface/politique")


def refused(answer: httpx.Response) -> bool:
    """Sent back to the login page (told which page to open next), as the web interface
    does for no session."""
    location = answer.headers.get("location", "").partition("?suite=")[0]
    return answer.status_code == 303 and location == LOGIN


def test_a_logout_in_the_browser_on_one_instance_holds_on_another(journal, policy, tmp_path):
    a = on_database(journal, policy, tmp_path / "a")
    b = on_database(journal, policy, tmp_path / "b")
    try:
        with sync_playwright() as playwright:
            chromium = launch(playwright)
            page = chromium.new_context(base_url=a.url, locale="fr-CA").new_page()
            page.goto("/")
            page.fill("#jeton", TOKEN)
            page.click("form[action$='/connexion'] button")
            expect(page.locator("h1")).to_have_text("Décisions")
            cookies = {c["name"]: c["value"] for c in page.context.cookies()}
            before = shown(b, cookies)
            page.click(".deconnexion button")
            expect(page.locator("h1")).to_have_text("Connexion")
            chromium.close()
        after_on_b, after_on_a = shown(b, cookies), shown(a, cookies)
        fresh = shown(b, logged_in(b))
    finally:
        assert a.stop() == 0 and b.stop() == 0
    assert before.status_code == 200
    assert refused(after_on_b) and refused(after_on_a)
    assert fresh.status_code == 200  # logging out ended that session, not the others
    with psycopg.connect(journal) as connection:
        rows = connection.execute(f"SELECT extract(epoch FROM expire_le) FROM {TABLE}").fetchall()
    assert len(rows) == 1 and abs(float(rows[0][0]) - (time.time() + LIFETIME)) < 120


def test_a_logout_holds_across_two_services_on_one_file_journal(policy, tmp_path):
    a, b = on_file(policy, tmp_path), on_file(policy, tmp_path)
    try:
        cookies = logged_in(a)
        before = shown(b, cookies)
        out = log_out(a, cookies)
        after_on_b, after_on_a = shown(b, cookies), shown(a, cookies)
        out_again = log_out(b, cookies)  # an old cookie logged out again: nothing to revoke
    finally:
        assert a.stop() == 0 and b.stop() == 0
    assert before.status_code == 200
    assert out.status_code == 303 and out.headers["location"] == LOGIN
    assert 'tamis_session=""' in out.headers["set-cookie"]
    assert refused(after_on_b) and refused(after_on_a)
    assert out_again.status_code == 303
    store = tmp_path / ("journal.jsonl" + revocations.SUFFIX)
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    with sqlite3.connect(store) as connection:
        assert connection.execute("SELECT count(*) FROM revocations").fetchone() == (1,)


def test_a_database_out_of_reach_gives_the_503_of_the_journal_as_a_page(
    own_cluster, policy, tmp_path
):
    url = own_cluster.url
    assert tamis("journal", "initialiser", url).returncode == 0
    served = on_database(url, policy, tmp_path / "a")
    try:
        cookies = logged_in(served)
        up = shown(served, cookies)
        own_cluster.restart()  # the connection held for the look-ups is lost: a new one
        restarted = shown(served, cookies)
        own_cluster.pause()
        down, out_while_down = shown(served, cookies), log_out(served, cookies)
        own_cluster.resume()
        back = shown(served, cookies)
        out = log_out(served, cookies)
        gone = shown(served, cookies)
    finally:
        assert served.stop() == 0
    assert up.status_code == restarted.status_code == 200
    for answer in (down, out_while_down):  # the logout was not kept: it says so
        assert answer.status_code == 503 and answer.headers["retry-after"] == "2"
        assert answer.headers["content-type"].startswith("text/html")  # a page, not the API's
        assert UNAVAILABLE_PAGE in answer.text and "<h1>Journal indisponible</h1>" in answer.text
    assert 'href="/interface/politique">Réessayer' in down.text  # a GET: tried again from it
    assert back.status_code == 200  # still valid: its logout had failed
    assert out.status_code == 303 and refused(gone)
    assert own_cluster.password not in "\n".join(served.lines)


def test_expired_logouts_are_pruned_from_the_database(journal, policy, tmp_path):
    now = time.time()
    kept = {"recente": now - 600, "vivante": now + 3600}  # within the margin, or not expired
    with psycopg.connect(journal, autocommit=True) as admin:
        for number, expires in {**kept, "ancienne": now - 2 * revocations.MARGIN_S}.items():
            admin.execute(
                f"INSERT INTO {TABLE} (numero, expire_le) VALUES (%s, to_timestamp(%s))",
                (number, expires),
            )
    served = on_database(journal, policy, tmp_path / "a")
    try:
        pruned = served.wait_event(20, evenement="sessions_purge")
    finally:
        assert served.stop() == 0
    assert pruned == {**pruned, "espace": "defaut", "sessions": 1}
    with psycopg.connect(journal) as connection:
        left = connection.execute(f"SELECT numero FROM {TABLE} ORDER BY numero").fetchall()
    assert [n for (n,) in left] == sorted(kept)


def test_expired_logouts_are_pruned_beside_a_file_journal(policy, tmp_path):
    now = time.time()
    store = revocations.FileStore(tmp_path / "journal.jsonl")
    rows = {"ancienne": now - 2 * revocations.MARGIN_S, "recente": now - 600, "vivante": now + 60}
    for number, expires in rows.items():
        store.add(number, expires)
    store.close()
    served = on_file(policy, tmp_path)
    try:
        pruned = served.wait_event(20, evenement="sessions_purge")
    finally:
        assert served.stop() == 0
    assert pruned == {**pruned, "espace": "defaut", "sessions": 1}
    with sqlite3.connect(store.path) as connection:
        left = connection.execute("SELECT numero FROM revocations ORDER BY numero").fetchall()
    assert left == [("recente",), ("vivante",)]


def test_the_service_role_needs_select_and_insert_on_the_logouts(journal, policy, tmp_path):
    with login_role(
        journal,
        "service",
        "SELECT, INSERT ON tamis_journal, tamis_schema, tamis_verification",
        "SELECT, INSERT, DELETE ON tamis_idempotence",
    ) as role:
        environment = {k: v for k, v in os.environ.items() if k != "TAMIS_JOURNAL"}
        environment["TAMIS_JOURNAL"] = role.url
        without = tamis("servir", "-p", str(policy), "--port", "0", env=environment)
        grant(journal, role, f"SELECT, INSERT ON {TABLE}")
        served = on_database(role.url, policy, tmp_path / "a")
        try:
            unpruned = served.wait_event(20, evenement="sessions_purge_non_accordee")
            cookies = logged_in(served)
            out = log_out(served, cookies)
            gone = shown(served, cookies)
        finally:
            assert served.stop() == 0
    assert without.returncode == 1
    assert without.stderr.strip().splitlines()[-1] == (
        f"Erreur : espace « defaut » : le rôle du service ne peut pas garder les déconnexions "
        f"de l'interface web dans le journal PostgreSQL {role.shown} "
        f": il lui faut SELECT, INSERT sur {TABLE} (GRANT SELECT, INSERT ON {TABLE} TO …;) ; le "
        "service n'a pas démarré."
    )
    assert role.secret not in without.stdout + without.stderr
    assert unpruned == {**unpruned, "espace": "defaut"}
    assert out.status_code == 303 and refused(gone)


def test_a_journal_out_of_use_gives_a_page_of_503_to_a_browser_and_json_to_the_api(
    policy, tmp_path
):
    """A file journal damaged by another program: the web page that would write to it is a
    French page of 503 (no ``Retry-After``: waiting will not repair it), the API's answer
    the JSON it documents."""
    served = on_file(policy, tmp_path)
    try:
        cookies = logged_in(served)
        with (tmp_path / "journal.jsonl").open("a", encoding="utf-8") as journal:
            journal.write("pas un enregistrement\n")
        with httpx.Client(base_url=served.url, timeout=30, cookies=cookies) as client:
            form = {"espace": "defaut", "nom": "Zoé", "photo": "oui", "connexions": "300"}
            web = client.post("/interface/nouvelle", data=form, headers={"Origin": served.url})
        api = httpx.post(
            f"{served.url}/decisions",
            json={"id": "a-1", "expediteur": {}},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    finally:
        assert served.stop() == 0
    assert web.status_code == api.status_code == 503
    assert "retry-after" not in web.headers and "retry-after" not in api.headers
    assert web.headers["content-type"].startswith("text/html") and "Réessayer" not in web.text
    assert "<title>Erreur : Service indisponible — tamis</title>" in web.text
    assert (
        "Le journal est inutilisable ; l&#39;opérateur du service en trouvera la cause dans "
        "ses journaux. Aucune décision n&#39;est confirmée." in web.text
    )
    assert web.headers["content-security-policy"].startswith("default-src 'self'")
    assert api.json()["erreur"].startswith("journal inutilisable")
