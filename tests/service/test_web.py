"""The web interface in a real browser: headless Chromium driven by Playwright against a real
``tamis servir`` on loopback. Logging in, deciding through the form, the explanation, the
filters, the CSV upload, the policy editor with live diagnostics, « Et si… » and saving,
logging out, hostile invitation data, accessibility (axe-core, WCAG 2.1 AA) and 360 px."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest
from browser import accessibility_violations, launch
from playwright.sync_api import expect, sync_playwright
from servir_harness import BLOGUE, CONTEXT, decisions_in, journal_records, run_tamis, serve

from tamis.audit import layout

TOKEN = "jeton-de-test-web-0123456789"
OURS = {"espace": "defaut"}  # what every form of the pages carries: the workspace it is for
HOSTILE = {
    "nom": "Marie <script>window.piege=1;alert('x')</script> Gagnon",
    "titre": '"><img src=x onerror="window.piege=2">',
    "message": "Bonjour <svg onload=alert(3)>, au congrès on s'est parlé du projet.",
}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("web")
    shutil.copy(BLOGUE, folder / "politique.tamis")
    return folder


@pytest.fixture(scope="module")
def served(work: Path):
    server = serve(
        "-p", "politique.tamis", "--contexte", str(CONTEXT), "--journal", "journal.jsonl",
        cwd=work, env={"TAMIS_JETON": TOKEN},
    )  # fmt: skip
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(base_url=served.url, locale="fr-CA")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def log_in(page, token: str = TOKEN) -> None:
    page.goto("/")
    page.fill("#jeton", token)
    page.click("form[action$='/connexion'] button")


def decide_by_hand(page, **fields: str) -> None:
    page.goto("/interface/nouvelle")
    for name in ("nom", "profil_url", "titre", "entreprise", "connexions", "message"):
        if name in fields:
            page.fill(f"#{name}", fields[name])
    if "photo" in fields:
        page.check(f"input[name=photo][value={fields['photo']}]")
    page.click("form[action$='/nouvelle'] button")


def test_without_a_session_every_page_leads_to_the_login(page):
    for path in ("/", "/interface/", "/interface/politique", "/interface/statistiques"):
        page.goto(path)
        assert re.search(r"/interface/connexion(\?suite=%2Finterface%2F\w+)?$", page.url), path
    expect(page.locator("h1")).to_have_text("Connexion")


def test_a_wrong_token_is_refused_and_never_shown(page):
    log_in(page, "mauvais-jeton")
    expect(page.get_by_role("alert")).to_have_text("Espace ou jeton invalide.")
    assert "mauvais-jeton" not in page.content()


def test_login_decide_explain_and_journal(page, served, work):
    log_in(page)
    expect(page.locator("h1")).to_have_text("Décisions")
    assert TOKEN not in page.content() and TOKEN not in page.url
    decide_by_hand(
        page, nom="Paul Tremblay", photo="non", connexions="500+",
        message="Je vous invite à faire partie de mon réseau professionnel sur LinkedIn.",
    )  # fmt: skip
    result = page.locator(".resultat")
    expect(result.locator(".decision")).to_have_text("refuser")
    expect(result.locator(".etape")).to_have_text("Sur LinkedIn : Ignorer")
    expect(result.locator(".explication")).to_contain_text("Refusée par la règle « photo »")
    recorded = [d for d in decisions_in(work / "journal.jsonl") if d["id"].startswith("web-")]
    assert recorded[-1]["invitation"]["expediteur"]["connexions"] == 500
    ident = recorded[-1]["id"]
    page.click("text=Toute l'explication")
    expect(page.locator("h1")).to_have_text("Pourquoi cette décision ?")
    tree = page.locator(".regle-evaluee").first
    expect(tree.locator(".valeur.vrai").first).to_have_text("vrai")
    expect(page.locator(".source").first).to_contain_text('règle "photo" : refuser si sans_photo')
    why = run_tamis("journal", "pourquoi", "--journal", "journal.jsonl", ident, cwd=work)
    assert why.returncode == 0 and "Refusée par la règle « photo »" in why.stdout


def test_hostile_invitation_data_shows_as_text(page, work):
    log_in(page)
    decide_by_hand(page, photo="oui", connexions="120", **HOSTILE)
    page.goto("/interface/")
    first = page.locator(".invitation").first
    expect(first.locator(".nom")).to_have_text(HOSTILE["nom"])
    expect(first.locator(".poste")).to_contain_text(HOSTILE["titre"])
    first.locator(".nom").click()
    expect(page.locator("h2").first).to_contain_text("<script>window.piege=1")
    for path in ("/interface/", page.url):
        page.goto(path)
        assert page.dialogs == []
        assert page.evaluate("window.piege") is None
        assert page.locator("main script, main img, main svg:not(.graphique)").count() == 0


def test_filters_match_tamis_journal_chercher(page, work):
    log_in(page)
    default = "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn."
    for n in range(3):  # refused by blogue.tamis whatever the other tests decided before
        decide_by_hand(page, nom=f"Filtre {n}", photo="non", connexions="5", message=default)
        expect(page.locator(".resultat .decision")).to_have_text("refuser")
    page.goto("/interface/")
    page.select_option("#f-decision", "refuser")
    page.click("form.filtres button")
    page.wait_for_url(re.compile(r"[?&]decision=refuser"))
    decisions = page.locator(".invitation .decision").all_text_contents()
    assert decisions and set(decisions) == {"refuser"}
    found = run_tamis(
        "journal", "chercher", "--journal", "journal.jsonl", "--decision", "refuser",
        "--format", "json", cwd=work,
    )  # fmt: skip
    rows = [json.loads(line) for line in found.stdout.splitlines() if line.strip()]
    assert len(decisions) == min(len(rows), 25)
    page.fill("#f-depuis", "pas une date")
    page.click("form.filtres button")
    expect(page.get_by_role("alert")).to_contain_text("Depuis : date illisible")
    expect(page.get_by_role("alert")).not_to_contain_text("paramètre")


def test_csv_upload_with_progress(page, work, tmp_path):
    log_in(page)
    csv = tmp_path / "Invitations.csv"
    csv.write_text(
        "From,To,Sent At,Message,Direction\n"
        'Léa Roy,Jade,"1/29/26, 2:37 PM",Je vous invite à faire partie de mon réseau,INCOMING\n'
        'Zoé Roy,Jade,"1/28/26, 9:05 AM",,INCOMING\n'
        'Ana Roy,Jade,"pas une date",,INCOMING\n',
        encoding="utf-8",
    )
    before = len(decisions_in(work / "journal.jsonl"))
    page.goto("/interface/nouvelle")
    page.set_input_files("#fichier", str(csv))
    page.click("#televersement button")
    expect(page.locator("#bilan-lot")).to_contain_text("2 invitation(s) décidée(s)")
    expect(page.locator("#bilan-lot")).to_contain_text("ligne 4 :")
    assert page.locator("#progression").get_attribute("value") == "100"
    assert len(decisions_in(work / "journal.jsonl")) == before + 2


def test_a_csv_saved_by_excel_in_windows_1252_is_refused_with_what_to_do(page, work, tmp_path):
    log_in(page)
    csv = tmp_path / "Invitations.csv"
    csv.write_bytes(
        'From,To,Sent At,Message,Direction\nLéa Roy,Jade,"1/29/26, 2:37 PM",,INCOMING\n'.encode(
            "cp1252"
        )
    )
    before = len(decisions_in(work / "journal.jsonl"))
    page.goto("/interface/nouvelle")
    page.set_input_files("#fichier", str(csv))
    page.click("#televersement button")
    shown = page.locator("#bilan-lot .erreur")
    expect(shown).to_contain_text("Ce fichier n'est pas du texte UTF-8")
    expect(shown).to_contain_text("Dans Excel, enregistrez-le en « CSV UTF-8 »")
    assert len(decisions_in(work / "journal.jsonl")) == before


def test_a_count_typed_with_a_superscript_is_a_form_error_not_a_500(served, work):
    """« ² » is a digit to ``str.isdigit`` but not to ``int``: the form says what it wants,
    the page cursor ``avant`` ignores it; digits of other scripts (full width « １２０ ») are
    read as numbers."""
    before = len(decisions_in(work / "journal.jsonl"))
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        squared = browser.post(
            "/interface/nouvelle", data={**OURS, "nom": "Ana", "connexions": "5²"}
        )
        wide = browser.post(
            "/interface/nouvelle", data={**OURS, "nom": "Ana", "connexions": "１２０"}
        )
        cursor = browser.get("/interface/", params={"avant": "²"})  # read as no cursor
    assert squared.status_code == 422
    assert "un nombre entier est attendu (p. ex. 120 ou « 500+ »)" in squared.text
    assert wide.status_code == 303 and cursor.status_code == 200  # 303: to its result
    assert len(decisions_in(work / "journal.jsonl")) == before + 1


def test_an_upload_after_the_session_ended_says_to_log_in_again(page, work, tmp_path):
    """The page stays open while the session ends (eight hours, a restart without
    TAMIS_CLE_SESSIONS): the script is told so, not « Réponse illisible du service »."""
    log_in(page)
    page.goto("/interface/nouvelle")
    page.context.clear_cookies()
    csv = tmp_path / "Invitations.csv"
    csv.write_text('From,To,Sent At,Message,Direction\nLéa Roy,Jade,"1/29/26, 2:37 PM",,INCOMING\n')
    before = len(decisions_in(work / "journal.jsonl"))
    page.set_input_files("#fichier", str(csv))
    page.click("#televersement button")
    shown = page.locator("#bilan-lot .erreur")
    expect(shown).to_contain_text("Votre session a expiré ou a été fermée")
    expect(shown).to_contain_text("rechargez la page pour vous reconnecter")
    assert len(decisions_in(work / "journal.jsonl")) == before


def test_an_upload_keeps_the_limit_on_invitations_per_request(work, tmp_path):
    """``--invitations-max`` holds for the upload as for ``POST /decisions``: a larger file
    is refused whole, in French, with nothing decided."""
    folder = tmp_path / "limite"
    folder.mkdir()
    server = serve(
        "-p", str(work / "politique.tamis"), "--journal", "j.jsonl", "--invitations-max", "2",
        cwd=folder, env={"TAMIS_JETON": TOKEN},
    )  # fmt: skip
    rows = "".join(f'Personne {n},Jade,"1/2{n}/26, 9:05 AM",,INCOMING\n' for n in range(3))
    csv = ("From,To,Sent At,Message,Direction\n" + rows).encode()
    try:
        with httpx.Client(base_url=server.url, headers={"Origin": server.url}) as browser:
            browser.post("/interface/connexion", data={"jeton": TOKEN})
            answer = browser.post(
                "/interface/televerser",
                data=OURS,
                files={"fichier": ("Invitations.csv", csv, "text/csv")},
                headers={"Accept": "application/json"},
            )
    finally:
        assert server.stop() == 0
    assert (answer.status_code, answer.json()) == (
        422,
        {
            "erreur": "Trop d'invitations dans ce fichier : 2 au plus par envoi ; aucune n'a "
            "été décidée. Découpez-le en plusieurs fichiers."
        },
    )
    assert decisions_in(folder / "j.jsonl") == []


def test_policy_editor_live_diagnostics_what_if_and_save(page, work):
    log_in(page)
    decide_by_hand(page, nom="Historique", photo="oui", connexions="80")  # one to replay
    page.goto("/interface/politique")
    editor = page.locator("#source")
    original = (work / "politique.tamis").read_text(encoding="utf-8")
    editor.fill(original + 'règle "nouvelle" : refuser si sans_phot\n')
    expect(page.locator("#diagnostics")).to_contain_text("erreur[E0")
    expect(page.locator("#diagnostics")).to_contain_text("sans_phot")
    page.click("button[value=enregistrer]")
    expect(page.get_by_role("alert")).to_have_text(
        "Politique non enregistrée : corrigez d'abord les erreurs."
    )
    assert (work / "politique.tamis").read_text(encoding="utf-8") == original
    stricter = original.replace("sinon examiner", "sinon refuser").replace(
        'règle "pertinent" : accepter si pertinent', 'règle "pertinent" : refuser si pertinent'
    )
    page.locator("#source").fill(stricter)
    expect(page.locator("#diagnostics")).to_contain_text("Aucun problème")
    page.click("button[value=etsi]")
    expect(page.locator(".rejeu")).to_contain_text("changeraient de décision")
    expect(page.locator(".rejeu table")).to_be_visible()
    page.click("button[value=enregistrer]")
    expect(page.locator(".message")).to_contain_text("Politique enregistrée et rechargée")
    assert (work / "politique.tamis").read_text(encoding="utf-8") == stricter
    assert (work / "politique.tamis").stat().st_mode & 0o777 == 0o644  # permissions kept
    page.locator("#source").fill(original)
    page.click("button[value=enregistrer]")  # back to the original for the other tests
    expect(page.locator(".message")).to_contain_text("enregistrée et rechargée")


def test_post_from_another_origin_is_refused(served, page):
    log_in(page)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    forged = httpx.post(
        served.url + "/interface/nouvelle",
        data={"nom": "X", "message": "Salut"},
        cookies=cookies,
        headers={"Origin": "http://127.0.0.1:1"},
    )
    assert forged.status_code == 403
    assert "ne vient pas d&#39;une page de ce service" in forged.text
    cookie = page.context.cookies()[0]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_logout_ends_the_session(page):
    log_in(page)
    page.click(".deconnexion button")
    expect(page.locator("h1")).to_have_text("Connexion")
    page.goto("/interface/")
    assert page.url.endswith("/interface/connexion")


def test_security_headers(served):
    answer = httpx.get(served.url + "/interface/connexion")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert answer.headers["x-frame-options"] == "DENY"


def test_an_unknown_page_or_a_wrong_method_is_a_french_page_not_json(served, page):
    """What the browser shows for a mistyped address, a bookmarked logout (GET on a POST
    form) or a form the server cannot read: a page of the interface, with its headers."""
    log_in(page)
    missing = page.goto("/interface/decisons")
    assert missing.status == 404
    expect(page.locator(".erreur")).to_have_text("Cette page n'existe pas.")
    assert "content-security-policy" in missing.headers
    bookmarked = page.goto("/interface/deconnexion")
    assert (bookmarked.status, bookmarked.headers["allow"]) == (405, "POST")
    expect(page.locator(".erreur")).to_contain_text("Cette page ne s'ouvre pas ainsi")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    unreadable = httpx.post(
        served.url + "/interface/televerser",
        content=b"pas un formulaire",
        cookies=cookies,
        headers={"Origin": served.url, "Content-Type": "multipart/form-data"},
    )
    assert unreadable.status_code == 400
    assert unreadable.headers["content-type"].startswith("text/html")
    assert "le formulaire envoyé est illisible" in unreadable.text
    api = httpx.get(served.url + "/nulle-part")  # the API keeps its JSON
    assert api.json() == {"erreur": "chemin inconnu", "champ": None}


def test_every_page_is_accessible_and_fits_360_pixels(browser, served, work):
    for width in (1280, 360):
        context = browser.new_context(base_url=served.url, viewport={"width": width, "height": 800})
        page = context.new_page()
        log_in(page)
        decide_by_hand(page, nom="Accessibilité", photo="oui", connexions="80", message="Salut")
        pages = ["/interface/", "/interface/nouvelle", "/interface/politique",
                 "/interface/statistiques", "/interface/conseil"]  # fmt: skip
        page.goto("/interface/")
        pages.append(page.locator(".nom").first.get_attribute("href"))
        for path in pages:
            page.goto(path)
            assert accessibility_violations(page) == [], (path, width)
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, (path, width, overflow)
        page.goto("/interface/connexion")
        assert accessibility_violations(page) == []
        context.close()


def test_statistics_chart(page):
    log_in(page)
    decide_by_hand(page, nom="Graphique", photo="non", connexions="5", message="Salut")
    expect(page.locator(".resultat .decision")).to_be_visible()  # a day to chart, run alone too
    page.goto("/interface/statistiques")
    bars = page.locator("svg.graphique rect")
    assert bars.count() >= 1
    expect(page.locator("svg.graphique title").first).to_contain_text("Décisions par jour")
    page.click("text=semaine")
    # the days are UTC's (as GET /stats), which the page did not say: a decision at 21 h in
    # Montréal counted for the next day
    expect(page.locator("table caption").first).to_have_text("Décisions par semaine (UTC)")


def advice_about(work: Path, name: str) -> list[dict]:
    """The ``conseil`` records of the journal whose recipient is ``name``."""
    records = journal_records(work / "journal.jsonl")
    return [
        r["contenu"]
        for r in records
        if r["evenement"] == "conseil" and r["contenu"].get("destinataire", {}).get("nom") == name
    ]


def test_before_sending_checks_as_you_type(page, work):
    log_in(page)
    page.goto("/interface/conseil")
    page.fill("#a", "Marc-André Gagnon")
    page.fill("#message", "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn.")
    expect(page.locator("#constats h2")).to_have_text("Verdict : à retoucher")
    expect(page.locator("#constats")).to_contain_text("[C003]")
    expect(page.locator("#constats pre")).to_contain_text("Bonjour Marc-André,")
    page.fill("#message", "Notre plateforme double vos ventes : réservez une démo <b>gratuite</b>!")
    expect(page.locator("#constats h2")).to_have_text("Verdict : à ne pas envoyer")
    expect(page.locator("#longueur")).to_contain_text("caractères sur 300")
    assert page.locator("#constats b").count() == 0
    page.type("#message", " Merci.", delay=20)  # more keystrokes, each checked
    expect(page.locator("#constats h2")).to_have_text("Verdict : à ne pas envoyer")
    assert advice_about(work, "Marc-André Gagnon") == []  # checks as you type: never journaled
    page.click("#brouillon button")
    expect(page.locator("#inscrit")).to_contain_text("inscrit au journal (enregistrement n°")
    [journaled] = advice_about(work, "Marc-André Gagnon")
    assert journaled["origine"] == "interface" and journaled["verdict"] == "à ne pas envoyer"
    assert journaled["message"].endswith("gratuite</b>! Merci.")
    expect(page.locator("#inscrit")).to_contain_text(journaled["id"])


def test_a_profile_address_that_is_not_linkedin_is_refused_in_the_advice_page(page, work):
    """The form's « Adresse de son profil » took any text (a name, another site) as the
    recipient's profile and journaled it; ``conseiller --profil`` and ``POST …/conseils``
    refuse it. The page says why, as you type and on « Vérifier », and journals nothing."""
    log_in(page)
    page.goto("/interface/conseil")
    page.fill("#a", "Lucie Fortin")
    page.fill("#profil", "https://x.test/in/lucie-fortin")
    page.fill("#message", "Bonjour, on s'est vus au congrès de Québec.")
    refusal = (
        "Adresse de son profil : ce n'est pas l'adresse d'un profil LinkedIn (attendu : "
        "https://www.linkedin.com/in/nom) ; rien n'a été inscrit au journal."
    )
    expect(page.locator("#constats p.erreur")).to_have_text(refusal)
    page.click("#brouillon button")
    expect(page.locator("#erreur-profil")).to_have_text(refusal)  # under the field
    expect(page.locator("#profil")).to_have_value("https://x.test/in/lucie-fortin")
    assert advice_about(work, "Lucie Fortin") == []
    page.fill("#profil", "https://www.linkedin.com/in/lucie-fortin")
    page.click("#brouillon button")
    expect(page.locator("#inscrit")).to_contain_text("inscrit au journal")
    [journaled] = advice_about(work, "Lucie Fortin")
    assert journaled["destinataire"]["profil_url"] == "https://www.linkedin.com/in/lucie-fortin"


def test_before_sending_without_javascript(browser, served, work):
    context = browser.new_context(base_url=served.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page)
    page.goto("/interface/conseil")
    page.fill("#a", "Paul Roy")
    page.fill("#message", "")
    page.click("#brouillon button")
    expect(page.locator("#constats h2")).to_have_text("Verdict : à retoucher")
    assert [a["origine"] for a in advice_about(work, "Paul Roy")] == ["interface"]
    context.close()


def test_an_erased_decision_keeps_its_decision_and_loses_the_person(page, work):
    log_in(page)
    decide_by_hand(page, nom="Personne Àeffacer", titre="Titre privé", photo="non")
    ident = page.locator(".resultat a").get_attribute("href").rsplit("/", 1)[1]
    erased = run_tamis(
        "journal", "effacer", "--journal", "journal.jsonl", "--motif", "demande de la personne",
        "--oui", ident, cwd=work,
    )  # fmt: skip
    assert erased.returncode == 0, erased.stderr
    page.goto(f"/interface/decision/{ident}")
    expect(page.locator(".avertissement")).to_contain_text("Données personnelles effacées le")
    expect(page.locator(".avertissement")).to_contain_text("(demande de la personne)")
    expect(page.locator(".pourquoi .decision").first).to_have_text("refuser")
    page.goto("/interface/")
    assert "Àeffacer" not in page.content() and "Titre privé" not in page.content()


def test_an_outgoing_request_is_advice_not_an_inbox_step(page, served):
    log_in(page)
    outgoing = {
        "id": "sortie-1", "sens": "sortante", "message": "",
        "destinataire": {"nom": "Émilie Côté", "profil_url": "https://www.linkedin.com/in/ec"},
    }  # fmt: skip
    with served.client(TOKEN) as client:
        assert client.post("/decisions", json=outgoing).status_code == 200
    page.goto("/interface/decision/sortie-1")
    step = page.locator(".pourquoi .etape").first.text_content()
    assert step in {"Sur LinkedIn : Envoyer la demande", "Sur LinkedIn : Ne pas envoyer",
                    "Sur LinkedIn : Retoucher la demande avant de l'envoyer"}  # fmt: skip


def test_an_examined_invitation_says_what_would_settle_it(page):
    log_in(page)
    decide_by_hand(page, nom="Inconnue Partielle", message="Bonjour Jade, au plaisir.")
    expect(page.locator(".resultat .decision")).to_have_text("examiner")
    page.click("text=Toute l'explication")
    expect(page.locator("h3", has_text="Ce qui permettrait de trancher")).to_be_visible()
    expect(page.locator(".pourquoi")).to_contain_text("sans_photo : expediteur.photo absente")


def test_a_session_holds_across_worker_processes(work):
    """Under --processus 2 each request may reach either worker: both know the session."""
    server = serve(
        "-p", "politique.tamis", "--contexte", str(CONTEXT), "--journal", "journal-2.jsonl",
        "--processus", "2", cwd=work, env={"TAMIS_JETON": TOKEN},
    )  # fmt: skip
    try:
        origin = {"Origin": server.url}
        with httpx.Client(base_url=server.url, timeout=30) as client:
            login = client.post("/interface/connexion", data={"jeton": TOKEN}, headers=origin)
        assert login.status_code == 303 and login.headers["location"] == "/interface/"
        cookies = dict(login.cookies)
        answers = []
        for _ in range(24):  # a new connection each time: either worker may answer
            with httpx.Client(base_url=server.url, timeout=30, cookies=cookies) as client:
                answers.append(client.get("/interface/statistiques").status_code)
        assert answers == [200] * 24
    finally:
        assert server.stop() == 0


def test_filters_holding_only_spaces_filter_on_nothing(served, work):
    """Spaces typed in a filter field (or left around a value) are not a filter: the page
    filtered on the sender or the rule « » (no decision shown) and called « » an unreadable
    fact or date; it now shows what the empty form shows, the fields emptied."""
    blank = {key: "   " for key in ("regle", "fait", "expediteur", "depuis", "jusqu_a")}
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        default = "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn."
        sent = {**OURS, "nom": "Espaces", "photo": "non", "connexions": "5", "message": default}
        assert browser.post("/interface/nouvelle", data=sent).status_code == 303
        everything = browser.get("/interface/")
        spaces = browser.get("/interface/", params={**blank, "decision": " "})
        refused = browser.get("/interface/", params={**blank, "decision": " refuser "})
    assert spaces.status_code == 200 and 'role="alert"' not in spaces.text
    shown = re.findall(r'<li class="invitation', everything.text)
    assert shown and re.findall(r'<li class="invitation', spaces.text) == shown
    assert 'value="   "' not in spaces.text
    assert re.findall(r'class="decision[^"]*">([a-z]+)<', refused.text) != []
    assert set(re.findall(r'class="decision[^"]*">([a-z]+)<', refused.text)) == {"refuser"}


def test_a_decision_whose_id_holds_a_slash_opens_from_the_inbox(served, work):
    """The inbox linked « 2026/12/inv-1 » to /interface/decision/2026/12/inv-1, a page that
    did not exist (404 « Cette page n'existe pas. »)."""
    api = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        sent = {"id": "2026/12/inv-1", "expediteur": {"nom": "Barre Oblique", "photo": False}}
        assert browser.post("/decisions", json=sent, headers=api).status_code == 200
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        inbox = browser.get("/interface/", params={"expediteur": "Barre Oblique"}).text
        (link,) = re.findall(r'href="(/interface/decision/[^"]*)"', inbox)
        explained = browser.get(link)
    assert explained.status_code == 200
    assert "Barre Oblique" in explained.text and "2026/12/inv-1" in explained.text


def test_a_form_with_nothing_filled_in_decides_nothing(served, work):
    """The blank form sent by mistake, or a body that is no form (JSON), was decided as an
    invitation about no one (« examiner ») and journaled."""
    before = len(decisions_in(work / "journal.jsonl"))
    blank = {key: "" for key in ("nom", "profil_url", "titre", "entreprise", "connexions")}
    blank.update(OURS)
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        answer = browser.post("/interface/nouvelle", data={**blank, "message": "  "})
        no_form = browser.post("/interface/nouvelle", json={"nom": "Ana"})
        note_only = browser.post("/interface/nouvelle", data={**blank, "message": "Bonjour"})
    assert answer.status_code == 422 and 'role="alert">Le formulaire est vide' in answer.text
    assert "rien n&#39;a été décidé" in answer.text
    assert no_form.status_code == 400 and "rien n&#39;a été décidé" in no_form.text
    assert note_only.status_code == 303  # a note is something to decide on: to its result
    assert len(decisions_in(work / "journal.jsonl")) == before + 1


REVERSED = "Marie \u202eelocé\u202c Roy"  # U+202E: « école » written backwards, shown forwards


def test_a_direction_control_is_shown_escaped_in_pages_and_kept_in_fields(served, work):
    """A right-to-left override (U+202E) in a name or a note went raw into the inbox, the
    decision's page and the advice: the name read as another, and an unterminated one turned
    the rest of the line (the explanation after the name) backwards. It is shown as
    « \\u202e », as the command line shows it; a field given back keeps it as typed."""
    escaped = "Marie \\u202eelocé\\u202c Roy"
    api = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        sent = {"id": "bidi-1", "expediteur": {"nom": REVERSED, "titre": "\u2067Directrice"}}
        assert browser.post("/decisions", json=sent, headers=api).status_code == 200
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        pages = [
            browser.get("/interface/", params={"expediteur": "Marie"}),
            browser.get("/interface/decision/bidi-1"),
            browser.post(
                "/interface/conseil", data={**OURS, "a": REVERSED, "message": "\u202etse"}
            ),
        ]
        typed = browser.post(  # given back, with what to correct
            "/interface/nouvelle", data={**OURS, "nom": REVERSED, "photo": "oui", "connexions": "?"}
        )
    for page in pages:
        assert page.status_code == 200 and escaped in page.text
        shown = re.sub(r"<(input|textarea)[^>]*>[^<]*", "", page.text)  # fields: as typed
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", shown)
    assert "\\u2067Directrice" in pages[0].text
    assert f'value="{REVERSED}"' in pages[2].text and ">\u202etse</textarea>" in pages[2].text
    assert f'value="{REVERSED}"' in typed.text  # sent again as typed, not as « \u202e »
    journaled = decisions_in(work / "journal.jsonl")
    names = {d["id"]: d.get("invitation", {}).get("expediteur", {}).get("nom") for d in journaled}
    assert names["bidi-1"] == REVERSED  # the journal keeps what was sent


def test_a_direction_control_is_escaped_in_the_advice_as_you_type(page, work):
    log_in(page)
    page.goto("/interface/conseil")
    page.fill("#a", REVERSED)
    page.fill("#message", "Bonjour, on s'est vus au congrès de Québec.")
    expect(page.locator("#constats")).to_contain_text("Marie \\u202eelocé\\u202c Roy")
    assert "\u202e" not in page.locator("#constats").inner_text()


def test_a_token_revoked_or_narrowed_in_the_configuration_ends_or_narrows_its_sessions(
    tmp_path,
):
    """With TAMIS_CLE_SESSIONS set (sessions kept across restarts, as docs/web.md advises
    for several instances), a session opened with a token then removed from service.toml
    stayed open with all its rights for up to eight hours: the cookie carried the rights,
    never checked again against the tokens in force."""
    shutil.copy(BLOGUE, tmp_path / "politique.tamis")
    sha = hashlib.sha256(TOKEN.encode()).hexdigest()
    other = hashlib.sha256(b"un-autre-jeton-0123456789").hexdigest()

    def configured(*tokens: tuple[str, str]) -> dict[str, str]:
        lines = ['[espaces.defaut]\npolitique = "politique.tamis"\njournal = "j.jsonl"\n']
        for digest, rights in tokens:
            lines.append(f'[[espaces.defaut.jetons]]\nsha256 = "{digest}"\ndroits = {rights}\n')
        (tmp_path / "service.toml").write_text("\n".join(lines), encoding="utf-8")
        return {"TAMIS_CLE_SESSIONS": "cle-fixe-des-sessions-0123456789"}

    def pages(cookies: httpx.Cookies, env: dict[str, str]) -> tuple[int, int]:
        server = serve("--config", "service.toml", cwd=tmp_path, env=env)
        try:
            with httpx.Client(base_url=server.url, cookies=cookies) as browser:
                return browser.get("/interface/").status_code, browser.get(
                    "/interface/nouvelle"
                ).status_code
        finally:
            server.stop()

    env = configured((sha, '["decider", "lire"]'))
    server = serve("--config", "service.toml", cwd=tmp_path, env=env)
    with httpx.Client(base_url=server.url, headers={"Origin": server.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        cookies = browser.cookies
        assert browser.get("/interface/nouvelle").status_code == 200
    server.stop()
    assert pages(cookies, env) == (200, 200)  # kept across a restart, as documented
    env = configured((sha, '["lire"]'), (other, '["decider", "lire", "admin"]'))
    assert pages(cookies, env) == (200, 403)  # « decider » taken from the token
    env = configured((other, '["decider", "lire", "admin"]'))
    assert pages(cookies, env) == (303, 303)  # the token revoked: to the login page


def linkedin_archive() -> bytes:
    """LinkedIn's export as downloaded: a ZIP archive holding Invitations.csv."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Invitations.csv", "From,To,Sent At,Message,Direction\n")
    return data.getvalue()


def test_the_export_uploaded_as_downloaded_says_to_unzip_it(served, work):
    """The ZIP archive as LinkedIn gives it was « pas du texte UTF-8 … enregistrez-le en
    CSV UTF-8 dans Excel », advice for another file."""
    before = len(decisions_in(work / "journal.jsonl"))
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        upload = {"fichier": ("Complete_LinkedInDataExport.zip", linkedin_archive())}
        answer = browser.post("/interface/televerser", data=OURS, files=upload)
    assert answer.status_code == 422
    assert 'role="alert">Ce fichier est une archive ZIP' in answer.text
    assert "Décompressez-la et envoyez le fichier Invitations.csv" in answer.text
    assert len(decisions_in(work / "journal.jsonl")) == before


def test_saving_a_blank_policy_never_empties_the_file(served, work):
    """« Enregistrer » with the editor emptied wrote the empty file, had it refused by the
    reload (« fichier vide … enregistrement en cours ? »), then wrote the old text back: the
    file was empty for a moment, for every other reader of it."""
    policy = work / "politique.tamis"
    before = (policy.read_bytes(), policy.stat().st_ino, policy.stat().st_mtime_ns)
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        sent = {**OURS, "action": "enregistrer", "source": " \r\n "}
        answer = browser.post("/interface/politique", data=sent)
    assert answer.status_code == 422
    assert "Politique non enregistrée : le texte est vide." in answer.text
    assert (policy.read_bytes(), policy.stat().st_ino, policy.stat().st_mtime_ns) == before


def test_statistics_by_an_unknown_grouping_say_so_and_name_the_groupings(served):
    """``/interface/statistiques?par=zz`` showed the counts per day as if asked for them."""
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        unknown = browser.get("/interface/statistiques", params={"par": "zz"})
        weekly = browser.get("/interface/statistiques", params={"par": "semaine"})
    assert unknown.status_code == 400
    assert (
        'role="alert">Statistiques non affichées : regroupement inconnu ; choisissez parmi '
        "jour, semaine.</p>" in unknown.text
    )
    assert "Décisions par jour" not in unknown.text and "au journal" not in unknown.text
    assert 'href="/interface/statistiques?par=semaine"' in unknown.text
    assert weekly.status_code == 200 and 'semaine" aria-current="page"' in weekly.text


def test_a_form_whose_bytes_are_not_utf8_is_refused_and_nothing_is_kept(served, work):
    """« Ren%E9e » (Latin-1) was decided and journaled as « Ren\ufffde », a policy saved with
    U+FFFD, a multipart field read as Latin-1; a raw UTF-8 « Renée » (``curl -d``) became
    « RenÃ©e ». Now the page refuses the form, naming the field, and keeps nothing."""
    policy = (work / "politique.tamis").read_bytes()
    before = [r["evenement"] for r in journal_records(work / "journal.jsonl")]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        refused = [
            browser.post("/interface/nouvelle", content=b"nom=Ren%E9e&photo=non", headers=form),
            browser.post("/interface/nouvelle", content=b"nom=Ren\xe9e&photo=non", headers=form),
            browser.post("/interface/conseil", files={"a": (None, b"Ren\xe9e")}),
            browser.post(
                "/interface/politique",
                content=b"action=enregistrer&source=sinon+examiner%0A%23+%E9t%E9",
                headers=form,
            ),
        ]
        raw = browser.post(
            "/interface/nouvelle",
            content="espace=defaut&nom=Renée&photo=non".encode(),
            headers=form,
        )
    for answer, field in zip(refused, ("nom", "nom", "a", "source"), strict=True):
        assert answer.status_code == 400
        assert (
            f"Formulaire refusé : le champ « {field} » n&#39;est pas du texte UTF-8" in answer.text
        )
    assert (work / "politique.tamis").read_bytes() == policy
    after = [r["evenement"] for r in journal_records(work / "journal.jsonl")]
    assert (
        "conseil" not in after[len(before) :]
        and after.count("decision") == before.count("decision") + 1
    )
    assert raw.status_code == 303
    assert decisions_in(work / "journal.jsonl")[-1]["invitation"]["expediteur"]["nom"] == "Renée"


def test_an_erased_decision_says_so_in_the_inbox_and_its_explanation(served, work):
    """After ``tamis journal effacer``, the inbox said « Expéditeur inconnu · photo inconnue »
    of a decision taken on a missing photo, and its page showed « None » for the
    explanation."""
    api = {"Authorization": f"Bearer {TOKEN}"}
    sent = {"id": "efface-1", "expediteur": {"nom": "Irène Effacée", "photo": False}}
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        assert browser.post("/decisions", json=sent, headers=api).status_code == 200
        erased = run_tamis(
            "journal", "effacer", "--journal", "journal.jsonl", "efface-1",
            "--motif", "demande de la personne", "--oui", cwd=work,
        )  # fmt: skip
        assert erased.returncode == 0, erased.stderr
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        inbox = browser.get("/interface/").text
        explained = browser.get("/interface/decision/efface-1").text
    line = inbox[inbox.index('href="/interface/decision/efface-1"') :].split("</li>")[0]
    assert ">Données personnelles effacées</bdi></a>" in line
    assert re.search(r"effacées le \d{4}-\d\d-\d\d \d\d:\d\d UTC \(demande de la personne\)", line)
    assert "photo inconnue" not in line and "Irène" not in inbox
    assert "None" not in explained and 'class="explication"' not in explained
    assert "Données personnelles effacées le" in explained


def test_the_explanation_page_says_its_times_in_french_and_an_erased_step_both_ways(served, work):
    """The page showed « 2026-12-04T13:18:24.095900Z (UTC) » and, once erased, the
    erasure's raw ISO time; and « Sur LinkedIn : Ignorer » of an erased request to send (its
    direction went with the invitation, and « Ignorer » assumed a received one)."""
    api = {"Authorization": f"Bearer {TOKEN}"}
    sent = {"id": "sortante-1", "sens": "sortante", "expediteur": {"nom": "Anne", "photo": False}}
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        answer = browser.post("/decisions", json=sent, headers=api)
        assert answer.status_code == 200 and answer.json()["decision"] == "refuser"
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        before = browser.get("/interface/decision/sortante-1").text
        erased = run_tamis(
            "journal", "effacer", "--journal", "journal.jsonl", "sortante-1",
            "--motif", "demande", "--oui", cwd=work,
        )  # fmt: skip
        assert erased.returncode == 0, erased.stderr
        after = browser.get("/interface/decision/sortante-1").text
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
    assert re.search(f"<dt>Décidée le</dt><dd>{stamp}, enregistrement", before), before
    assert "Sur LinkedIn : Ne pas envoyer<" in before
    assert re.search(f"Données personnelles effacées le {stamp} \\(<bdi>demande</bdi>\\)", after)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+Z", after)
    assert (
        "Sur LinkedIn : Ignorer (invitation reçue) ou ne pas envoyer (demande à envoyer)<" in after
    )


def test_a_fact_nothing_knows_is_said_in_the_inbox(served, work):
    """The inbox filtered on « sans_foto » showed « aucune décision » without a word."""
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        page = browser.get("/interface/", params={"fait": "sans_foto"})
    assert page.status_code == 400 and 'role="alert"' in page.text
    text = html.unescape(page.text)
    assert "fait inconnu « sans_foto »" in text and "vouliez-vous dire « sans_photo » ?" in text


def test_the_inbox_and_a_form_quote_a_value_escaped_and_cut(served, two_workspaces):
    """A filter's value, and a form's workspace field, were quoted back whole, line breaks
    and all: each is now escaped and cut to 80 characters (« … »)."""
    typed = "x" * 60 + "\n" + "y" * 100
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        page = browser.get("/interface/", params={"fait": typed})
    assert page.status_code == 400
    assert "« " + "x" * 60 + "\\n" + "y" * 17 + "… »" in html.unescape(page.text)
    url = two_workspaces.url
    with httpx.Client(base_url=url, headers={"Origin": url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TWO_TOKENS["jade"], "espace": "jade"})
        sent = {"espace": typed, "source": "sinon refuser\n", "action": "enregistrer"}
        saved = browser.post("/interface/politique", data=sent)
    assert saved.status_code == 409
    assert "l'espace « " + "x" * 60 + "\\n" + "y" * 17 + "… »" in html.unescape(saved.text)


def test_without_any_token_the_login_asks_for_none(browser, tmp_path):
    """A service on this machine for one person has no token and takes none at the login; its
    page still said « Entrez le jeton que l'administrateur du service vous a remis » above
    an empty « Jeton » field, and that person went looking for a token there is not."""
    shutil.copy(BLOGUE, tmp_path / "politique.tamis")
    alone = serve("-p", "politique.tamis", "--journal", "journal.jsonl", cwd=tmp_path)
    try:
        context = browser.new_context(base_url=alone.url, locale="fr-CA")
        page = context.new_page()
        page.goto("/")
        expect(page.locator("main p").first).to_have_text(
            "Ce service n'a aucun jeton : il ne répond qu'aux requêtes de cette machine, et vous y"
            " entrez sans jeton, avec tous les droits. La session dure au plus huit heures."
        )
        assert page.locator("#jeton").count() == 0
        assert accessibility_violations(page) == []
        page.click("form[action$='/connexion'] button")
        assert page.url.endswith("/interface/")
        expect(page.locator("h1")).not_to_have_text("Connexion")
        context.close()
    finally:
        alone.stop()


def test_with_a_token_the_login_asks_for_it(page):
    page.goto("/")
    expect(page.locator("main p").first).to_contain_text("Entrez le jeton que l'administrateur")
    assert page.locator("#jeton").count() == 1


def test_the_editor_s_diagnostics_refuse_a_body_not_utf8_or_too_large(work):
    """``/interface/politique/diagnostics`` read any body whole and decoded it with U+FFFD
    for a byte that is not UTF-8: diagnostics of a text nobody typed, at any size."""
    server = serve(
        "-p", "politique.tamis", "--journal", "journal.jsonl", "--taille-max", "2000",
        cwd=work, env={"TAMIS_JETON": TOKEN},
    )  # fmt: skip
    text = {"Content-Type": "text/plain; charset=utf-8"}
    try:
        with httpx.Client(base_url=server.url, headers={"Origin": server.url}) as browser:
            browser.post("/interface/connexion", data={"jeton": TOKEN})
            url = "/interface/politique/diagnostics"
            latin = browser.post(url, content="# café\n".encode("latin-1"), headers=text)
            large = browser.post(url, content=b"#" + b"x" * 2000 + b"\n", headers=text)
            empty = browser.post(url, content=b"", headers=text)
    finally:
        assert server.stop() == 0
    assert (latin.status_code, latin.json()) == (
        400,
        {
            "erreur": "le corps n'est pas en UTF-8 (octet invalide à la position 5)",
            "champ": "corps",
        },
    )
    assert large.status_code == 413 and large.json()["champ"] == "corps"
    assert empty.status_code == 200 and empty.json()["diagnostics"][0]["code"] == "W009"


def test_an_inbox_line_says_when_it_was_decided_not_received(served, work):
    """Every inbox line said « reçue au journal le … », also a request to send, which nobody
    received; the line now says « décidée le … », as the Pourquoi page (« Décidée le »)."""
    api = {"Authorization": f"Bearer {TOKEN}"}
    sent = {"id": "a-envoyer-1", "sens": "sortante", "destinataire": {"nom": "Rémi Gagnon"}}
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        assert browser.post("/decisions", json=sent, headers=api).status_code == 200
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        inbox = browser.get("/interface/").text
    line = next(li for li in inbox.split("<li ") if "/decision/a-envoyer-1" in li)
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"
    assert re.search(f"· décidée le {stamp} · n° \\d+</span>", line), line
    assert "reçue" not in line


def test_a_rule_no_decision_names_is_said_in_the_inbox(served, work):
    """The inbox filtered on « Règle : Photo » (the rule is « photo ») said only « Aucune
    décision ne correspond. », as for a rule that never decided."""
    api = {"Authorization": f"Bearer {TOKEN}"}
    sent = {"id": "regle-1", "expediteur": {"nom": "Léa Roy", "photo": False}}
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        assert browser.post("/decisions", json=sent, headers=api).json()["regle"] == "photo"
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        unknown = html.unescape(browser.get("/interface/", params={"regle": "Photo"}).text)
        known = browser.get("/interface/", params={"regle": "photo", "decision": "accepter"})
    note = (
        "Règle « Photo » : aucune décision du journal n'a cette règle (les noms comptent les"
        " majuscules et les accents) ; vouliez-vous dire « photo » ?</p>\n<p>Aucune décision"
        " ne correspond.</p>"
    )
    assert note in unknown, unknown
    assert "aucune décision du journal" not in html.unescape(known.text)
    assert "Aucune décision ne correspond." in html.unescape(known.text)


def test_a_request_to_send_names_its_recipient_in_the_inbox_and_its_page(served, work):
    """An outgoing request (``sens = "sortante"``) showed « Expéditeur inconnu · photo
    inconnue » in the inbox (its sender is the user, often not given) and its page was titled
    by its id; from Invitations.csv it showed the user's own name. Now both name its
    recipient and say it is a request to send, and its explanation in JSON carries them."""
    api = {"Authorization": f"Bearer {TOKEN}"}
    sent = {
        "id": "vers-1", "sens": "sortante", "message": "Bonjour Odile",
        "expediteur": {"nom": "Moi Même", "profil_url": "https://www.linkedin.com/in/moi"},
        "destinataire": {"nom": "Odile Fortin", "profil_url": "https://www.linkedin.com/in/of"},
    }  # fmt: skip
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        assert browser.post("/decisions", json=sent, headers=api).status_code == 200
        explained = browser.get("/decisions/vers-1", headers=api).json()["decisions"][0]
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        inbox = html.unescape(browser.get("/interface/").text)
        page = html.unescape(browser.get("/interface/decision/vers-1").text)
    line = next(li for li in inbox.split("<li ") if "/decision/vers-1" in li)
    assert ">Odile Fortin</bdi></a>" in line and "demande à envoyer · décidée le" in line, line
    assert "Moi Même" not in line and "inconnu" not in line
    assert "<h2>Demande à envoyer à <bdi>Odile Fortin</bdi> :" in page
    assert "<dd><bdi>vers-1</bdi> (<bdi>https://www.linkedin.com/in/of</bdi>)</dd>" in page
    assert explained["sens"] == "sortante"
    assert explained["destinataire"] == sent["destinataire"]
    assert explained["expediteur"] == sent["expediteur"]


TWO_TOKENS = {"jade": "jeton-de-jade-0123456789", "remi": "jeton-de-remi-0123456789"}
READER = "jeton-de-lecture-de-remi-0123456789"  # « lire » only, in « remi »


@pytest.fixture(scope="module")
def two_workspaces(tmp_path_factory):
    """``tamis servir --config`` with the workspaces « jade » and « remi », a token each."""
    folder = tmp_path_factory.mktemp("deux-espaces")
    shutil.copy(BLOGUE, folder / "politique.tamis")
    config = "".join(
        f'[espaces.{name}]\npolitique = "politique.tamis"\njournal = "{name}.jsonl"\n\n'
        f'[[espaces.{name}.jetons]]\nsha256 = "{hashlib.sha256(token.encode()).hexdigest()}"\n'
        'droits = ["decider", "lire", "admin"]\n\n'
        for name, token in TWO_TOKENS.items()
    )
    config += (
        f'[[espaces.remi.jetons]]\nsha256 = "{hashlib.sha256(READER.encode()).hexdigest()}"\n'
        'droits = ["lire"]\n'
    )
    (folder / "service.toml").write_text(config, encoding="utf-8")
    server = serve("--config", "service.toml", cwd=folder)
    server.folder = folder
    yield server
    assert server.stop() == 0


def log_in_to(page, workspace: str) -> None:
    page.goto("/interface/connexion")
    page.fill("#espace", workspace)
    page.fill("#jeton", TWO_TOKENS[workspace])
    page.click("form[action$='/connexion'] button")
    expect(page.locator(".deconnexion span")).to_have_text(f"Espace « {workspace} »")


def test_a_tab_of_another_workspace_acts_in_none(browser, two_workspaces, tmp_path):
    """Logged in to « jade » in one tab, then to « remi » in another (one cookie for both):
    the « jade » tab's form decided, uploaded, advised and saved in « remi », whose name
    its page never showed. Now nothing is done, the page says why, what was typed stays."""
    context = browser.new_context(base_url=two_workspaces.url, locale="fr-CA")
    jade, remi = context.new_page(), context.new_page()
    log_in_to(jade, "jade")
    jade.goto("/interface/nouvelle")
    log_in_to(remi, "remi")
    jade.fill("#nom", "Pour Jade seulement")
    jade.click("form[action$='/nouvelle'] button")
    expect(jade.get_by_role("alert")).to_contain_text(
        "Cette page était celle de l'espace « jade », mais votre session est maintenant dans"
        " l'espace « remi »"
    )
    assert jade.input_value("#nom") == "Pour Jade seulement"
    csv = tmp_path / "Invitations.csv"
    csv.write_text('From,To,Sent At,Message,Direction\nLéa Roy,Jade,"1/29/26, 2:37 PM",,INCOMING\n')
    jade.goto("/interface/nouvelle")  # now a page of « remi »: another tab logs in to « jade »
    log_in_to(context.new_page(), "jade")
    jade.set_input_files("#fichier", str(csv))
    jade.click("#televersement button")
    expect(jade.locator("#bilan-lot .erreur")).to_contain_text("rien n'a été décidé")
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    with httpx.Client(base_url=two_workspaces.url, cookies=cookies) as client:
        origin = {"Origin": two_workspaces.url}
        sent = {"espace": "remi", "source": "sinon refuser\n", "action": "enregistrer"}
        saved = client.post("/interface/politique", data=sent, headers=origin)
        advised = client.post("/interface/conseil", data={"espace": "remi", "a": "Léa"},
                              headers=origin)  # fmt: skip
    assert saved.status_code == advised.status_code == 409
    assert "sinon refuser" in saved.text
    assert (two_workspaces.folder / "politique.tamis").read_text() == BLOGUE.read_text()
    for name in TWO_TOKENS:  # no decision, advice or policy
        records = journal_records(two_workspaces.folder / f"{name}.jsonl")
        assert [r["evenement"] for r in records] == ["ouverture"]
    context.close()


def test_reloading_or_going_back_after_a_decision_decides_nothing_again(page, work, served):
    """The decision's page was the answer to the form's POST: reloading it sent the form
    again (a second decision, under another id), going back then forward showed Chromium's
    « ERR_CACHE_MISS » page. The form now leads to its result's own address."""
    log_in(page)
    before = len(decisions_in(work / "journal.jsonl"))
    decide_by_hand(page, nom="Recharge Ment", photo="non")
    expect(page.locator(".resultat .decision")).to_have_text("refuser")
    page.reload()
    expect(page.locator(".resultat .etape")).to_have_text("Sur LinkedIn : Ignorer")
    page.go_back()
    page.go_forward()
    expect(page.locator(".resultat .explication")).to_contain_text("règle « photo »")
    decided = decisions_in(work / "journal.jsonl")[before:]
    assert [d["invitation"]["expediteur"]["nom"] for d in decided] == ["Recharge Ment"]
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as other:
        other.post("/interface/connexion", data={"jeton": TOKEN})
        copied = other.get(page.url)  # the address in another session: no decision shown
    assert copied.status_code == 200 and "Recharge Ment" not in copied.text
    assert 'class="resultat"' not in copied.text


def test_a_bookmarked_page_opens_once_logged_in(page):
    """A bookmarked page, or one reloaded after the session ended, led to the login, then
    to the inbox: the page asked for was forgotten. It now opens after the login; an
    address elsewhere given as the page to open leads to the inbox."""
    page.goto("/interface/statistiques?par=semaine")
    expect(page.get_by_role("status")).to_have_text(
        "Connectez-vous : la page demandée s'ouvrira ensuite."
    )
    page.fill("#jeton", "mauvais-jeton")  # a mistake first: the page asked for is kept
    page.click("form[action$='/connexion'] button")
    page.fill("#jeton", TOKEN)
    page.click("form[action$='/connexion'] button")
    page.wait_for_url("**/interface/statistiques?par=semaine")
    expect(page.locator("h1")).to_have_text("Statistiques")
    for elsewhere in ("//exemple.org/interface/", "https://exemple.org/", "/\\exemple.org/"):
        page.context.clear_cookies()
        page.goto("/interface/connexion?" + urlencode({"suite": elsewhere}))
        page.fill("#jeton", TOKEN)
        page.click("form[action$='/connexion'] button")
        page.wait_for_url(f"{page.url.split('/interface/')[0]}/interface/")


def test_a_refused_field_says_why_next_to_it_and_keeps_what_was_typed(page, work):
    """The form's message stood above it (« Champ « connexions » : … », the field's internal
    name), the field itself unmarked; a filter or an address refused came back with a 200.
    Now the message is under the field, named by its label, tied to it (aria-describedby,
    aria-invalid) and focused; the page answers 4xx; every value typed stays."""
    log_in(page)
    before = len(decisions_in(work / "journal.jsonl"))
    decide_by_hand(page, nom="Éloïse 🦊 Gagné", photo="non", connexions="beaucoup")
    message = page.locator("#erreur-connexions")
    expect(message).to_have_text(
        "Connexions : un nombre entier est attendu (p. ex. 120 ou « 500+ »)"
    )
    expect(message).to_have_attribute("role", "alert")
    field = page.locator("#connexions")
    expect(field).to_have_attribute("aria-describedby", "erreur-connexions")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    assert page.input_value("#nom") == "Éloïse 🦊 Gagné" and field.input_value() == "beaucoup"
    assert page.is_checked("input[name=photo][value=non]")
    assert len(decisions_in(work / "journal.jsonl")) == before
    answer = page.goto("/interface/?depuis=hier")
    assert answer.status == 400
    expect(page.locator("#f-depuis")).to_have_attribute("aria-describedby", "erreur-filtre")
    expect(page.locator("#erreur-filtre")).to_contain_text("date illisible")
    page.goto("/interface/conseil")
    page.fill("#a", "Léa Roy")
    page.fill("#profil", "https://exemple.org/lea")
    with page.expect_response(
        lambda r: r.request.method == "POST" and "apercu" not in r.url
    ) as sent:
        page.click("#brouillon button[type=submit]")
    assert sent.value.status == 422
    expect(page.locator("#erreur-profil")).to_contain_text("Adresse de son profil :")
    expect(page.locator("#profil")).to_have_attribute("aria-invalid", "true")
    assert page.input_value("#profil") == "https://exemple.org/lea"


def test_a_field_left_empty_is_said_in_french_whatever_the_browser_s_language(browser, served):
    """« Destinataire » and « Espace » were ``required``: Chromium kept the form and said
    « Please fill out this field. », in the language of its installation, not the page's.
    The page now says it itself, in French, under the field."""
    context = browser.new_context(base_url=served.url, locale="en-US")
    page = context.new_page()
    log_in(page)
    page.goto("/interface/conseil")
    with page.expect_response(lambda r: r.request.method == "POST", timeout=5000) as sent:
        page.click("#brouillon button[type=submit]")
    assert sent.value.status == 422
    expect(page.locator("#erreur-a")).to_have_text(
        "Nom du destinataire : le nom du destinataire est vide."
    )
    expect(page.locator("#a")).to_be_focused()
    assert page.locator("form:not([novalidate]) [required]").count() == 0
    page.goto("/interface/connexion")
    assert page.locator("form:not([novalidate]) [required]").count() == 0
    context.close()


def test_a_very_long_word_stays_within_360_pixels(browser, served):
    """A name of 300 letters without a space (a pasted address, a joke) ran the title of its
    « Pourquoi » page, and the page with it, 4,000 pixels past a phone's screen."""
    word = "Tremblay" + "é" * 300
    sent = {"id": "long-" + "x" * 120, "expediteur": {"nom": word, "titre": word, "photo": True}}
    api = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.post(served.url + "/decisions", json=sent, headers=api).status_code == 200
    context = browser.new_context(base_url=served.url, viewport={"width": 360, "height": 800})
    page = context.new_page()
    log_in(page)
    page.goto("/interface/?" + urlencode({"expediteur": word}))
    pages = [page.url, page.locator(".nom").first.get_attribute("href")]
    for path in pages:
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.goto("/interface/politique")
    page.locator("#source").fill("sinon signaler\n")
    page.click("button[value=etsi]")
    expect(page.locator(".changement h4").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_each_refusal_page_has_its_own_title(served, page):
    """An unknown page, an unknown decision and a form refused were all titled « Accès
    refusé » (the tab's name, what a screen reader says first), as for a missing right.
    Each starts with « Erreur : », as every page showing an error does: a refusal page's
    title was heard as if the page had opened."""
    log_in(page)
    page.goto("/interface/decisons")
    expect(page).to_have_title("Erreur : Page introuvable — tamis")
    page.goto("/interface/decision/aucune-telle")
    expect(page).to_have_title("Erreur : Décision introuvable — tamis")
    page.goto("/interface/deconnexion")  # 405
    expect(page).to_have_title("Erreur : Requête refusée — tamis")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    forged = httpx.post(
        served.url + "/interface/nouvelle", data={"nom": "X"}, cookies=cookies,
        headers={"Origin": "http://127.0.0.1:1"},
    )  # fmt: skip
    assert forged.status_code == 403
    assert "<title>Erreur : Accès refusé — tamis</title>" in forged.text


def test_saving_without_the_admin_right_keeps_the_text_typed(browser, two_workspaces):
    """« Enregistrer et recharger » with a token that may only read led to a page « Votre
    jeton n'a pas le droit « admin » » without the editor: the policy just written was gone.
    The editor now comes back with it and says why (403)."""
    context = browser.new_context(base_url=two_workspaces.url, locale="fr-CA")
    page = context.new_page()
    page.goto("/interface/connexion")
    page.fill("#espace", "remi")
    page.fill("#jeton", READER)
    page.click("form[action$='/connexion'] button")
    page.goto("/interface/politique")
    written = '# Une heure de travail\nrègle "photo" : refuser si sans_photo\nsinon examiner\n'
    page.locator("#source").fill(written)
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.click("button[value=enregistrer]")
    assert sent.value.status == 403
    expect(page.get_by_role("alert")).to_contain_text("n'a pas le droit « admin »")
    assert page.locator("#source").input_value() == written
    assert (two_workspaces.folder / "politique.tamis").read_text() == BLOGUE.read_text()
    context.close()


def test_an_empty_journal_says_so_and_what_to_do(browser, work):
    """A journal without any decision yet showed « Aucune décision ne correspond. » under
    filters nobody had filled in, statistics and « Et si… » as tables of headers alone."""
    server = serve(
        "-p", "politique.tamis", "--journal", "vide.jsonl", cwd=work, env={"TAMIS_JETON": TOKEN}
    )  # fmt: skip
    try:
        context = browser.new_context(base_url=server.url, locale="fr-CA")
        page = context.new_page()
        log_in(page)
        expect(page.locator("main")).to_contain_text("Le journal n'a encore aucune décision")
        expect(page.locator("main")).not_to_contain_text("Aucune décision ne correspond")
        page.goto("/interface/?decision=accepter")  # a filter: nothing matches it
        expect(page.locator("main")).to_contain_text("Aucune décision ne correspond.")
        page.goto("/interface/statistiques")
        expect(page.locator("main")).to_contain_text("Rien à compter pour l'instant.")
        assert page.locator("main table").count() == 0
        page.goto("/interface/politique")
        page.click("button[value=etsi]")
        expect(page.locator(".rejeu")).to_contain_text("aucune décision : rien à rejouer")
        assert page.locator(".rejeu table").count() == 0
        context.close()
    finally:
        assert server.stop() == 0


def test_the_period_filters_say_their_days_are_utc(served, page, work):
    """The inbox's « Depuis (AAAA-MM-JJ) » and « Jusqu'au » filter on UTC days, as its
    times are shown, without saying so: at 21 h in Toronto (2 h UTC the next day) the
    decision just taken was not « jusqu'au » today. The labels now say UTC."""
    api = {"Authorization": f"Bearer {TOKEN}"}
    sent = {"id": "minuit-1", "expediteur": {"nom": "Minuit Toronto", "photo": True}}
    assert httpx.post(served.url + "/decisions", json=sent, headers=api).status_code == 200
    [decided] = [
        r for r in journal_records(work / "journal.jsonl") if r["contenu"].get("id") == "minuit-1"
    ]
    day = decided["horodatage"][:10]  # the UTC day of the decision
    log_in(page)
    page.goto("/interface/")
    page.get_by_label("Depuis (AAAA-MM-JJ, UTC)").fill(day)
    page.get_by_label("Jusqu'au (AAAA-MM-JJ, UTC)").fill(day)
    page.fill("#f-expediteur", "Minuit Toronto")
    page.click("form.filtres button")
    expect(page.locator(".invitation .nom")).to_have_text(["Minuit Toronto"])
    expect(page.locator(".invitation .meta")).to_contain_text(f"décidée le {day} ")


def test_a_form_sent_after_the_session_ended_comes_back_after_the_login(page, work):
    """A policy edited while the session ended (eight hours, a restart): « Enregistrer » led
    to the login page, then to the policy in force, the text written gone, and « Précédent »
    did not bring it back. The login page now carries it; once logged in, the editor comes
    back with it, nothing saved; the same for « Nouvelle invitation », nothing decided."""
    policy = (work / "politique.tamis").read_bytes()
    written = 'politique "Réécrite"\nrègle "photo" : refuser si sans_photo\nsinon examiner\n'
    log_in(page)
    page.goto("/interface/politique")
    page.locator("#source").fill(written)
    page.context.clear_cookies()
    page.click("button[value=enregistrer]")
    expect(page.get_by_role("status")).to_contain_text("Votre session a expiré ou a été fermée")
    page.fill("#jeton", TOKEN)
    page.click("form[action$='/connexion'] button")
    expect(page.locator("h1")).to_have_text("Politique en vigueur")
    expect(page.get_by_role("status").first).to_contain_text("rien n'a encore été envoyé")
    assert page.locator("#source").input_value() == written
    assert (work / "politique.tamis").read_bytes() == policy
    before = len(decisions_in(work / "journal.jsonl"))
    page.goto("/interface/nouvelle")
    page.fill("#nom", "Revenue Après")
    page.fill("#message", "Bonjour,\nau congrès")
    page.context.clear_cookies()
    page.click("form[action$='/nouvelle'] button")
    page.fill("#jeton", TOKEN)
    page.click("form[action$='/connexion'] button")
    expect(page.locator("#nom")).to_have_value("Revenue Après")
    assert page.locator("#message").input_value() == "Bonjour,\nau congrès"
    assert len(decisions_in(work / "journal.jsonl")) == before
    page.click("form[action$='/nouvelle'] button")  # now sent, once
    expect(page.locator(".resultat")).to_be_visible()
    assert len(decisions_in(work / "journal.jsonl")) == before + 1


def carried_fields(text: str) -> dict[str, str]:
    """The ``reprise.*`` hidden fields of a login page, as the browser would send them."""
    found = re.findall(r'name="(reprise\.[^"]+)" value="([^"]*)"', text)
    return {name: html.unescape(value) for name, value in found}


def test_a_token_mistyped_after_the_session_ended_keeps_the_form_sent(served, work):
    """The login page carrying a form sent once the session had ended lost it at the first
    token mistyped: its « Espace ou jeton invalide » page had no ``reprise`` fields, and the
    right token then opened the policy in force, the text written gone."""
    policy = (work / "politique.tamis").read_bytes()
    written = 'politique "Tapée"\nrègle "photo" : refuser si sans_photo\nsinon examiner\n'
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        sent = {"espace": "defaut", "action": "enregistrer", "source": written}
        signed_out = browser.post("/interface/politique", data=sent)
        carried = carried_fields(signed_out.text)
        login = {"espace": "defaut", "suite": "/interface/politique", **carried}
        mistyped = browser.post("/interface/connexion", data={**login, "jeton": "jeton-mal-tapé"})
        again = carried_fields(mistyped.text)
        resumed = browser.post("/interface/connexion", data={**login, **again, "jeton": TOKEN})
    assert signed_out.status_code == mistyped.status_code == 401
    assert "Espace ou jeton invalide." in mistyped.text
    assert again == carried == {"reprise.source": written}
    editor = re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', resumed.text, re.S)
    assert resumed.status_code == 200 and html.unescape(editor[1]) == written
    assert (work / "politique.tamis").read_bytes() == policy


def test_the_editor_says_when_its_session_ended(page):
    """The live diagnostics went quiet once the session had ended: those of an older text
    stayed under the editor, as if still true of what was typed."""
    log_in(page)
    page.goto("/interface/politique")
    page.locator("#source").fill('sinon examiner\nrègle "x" : refuser si sans_phot\n')
    expect(page.locator("#diagnostics")).to_contain_text("E0")
    page.context.clear_cookies()
    page.locator("#source").fill("sinon examiner\n")
    expect(page.locator("#diagnostics [role=alert]")).to_contain_text(
        "Votre session a expiré ou a été fermée"
    )


def test_the_expediteur_filter_finds_the_recipient_of_a_request_to_send(served, work):
    """``GET /journal?expediteur=`` and the inbox's « Expéditeur » field found nothing for the
    person a request to send goes to (only its sender, the user, was searched), though the
    inbox line names them. Both now find it by the recipient, as ``effacer`` erases it; the
    field says it searches either (it still said « Expéditeur »)."""
    api = {"Authorization": f"Bearer {TOKEN}"}
    sent = {
        "id": "vers-ouimet", "sens": "sortante", "message": "Bonjour Rémi",
        "expediteur": {"nom": "Moi Même"},
        "destinataire": {"nom": "Rémi Ouimet", "profil_url": "https://www.linkedin.com/in/ro"},
    }  # fmt: skip
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        assert browser.post("/decisions", json=sent, headers=api).status_code == 200
        found = browser.get("/journal", params={"expediteur": "ouimet"}, headers=api).json()
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        inbox = html.unescape(browser.get("/interface/", params={"expediteur": "in/ro"}).text)
    assert [row["id"] for row in found["decisions"]] == ["vers-ouimet"], found
    assert "/decision/vers-ouimet" in inbox and ">Rémi Ouimet</bdi></a>" in inbox, inbox
    assert '<label for="f-expediteur">Personne (expéditeur ou destinataire)</label>' in inbox


def test_the_journal_rows_say_whom_a_request_to_send_goes_to(served, work):
    """``GET /journal`` gave a request to send as a row whose only person was its
    ``expediteur``, the user: nothing said it was a request, nor whom it went to. Its row
    now has ``sens`` « sortante » and ``destinataire``; an invitation received has neither."""
    api = {"Authorization": f"Bearer {TOKEN}"}
    sent = {
        "id": "vers-lacroix", "sens": "sortante", "message": "Bonjour Léa",
        "expediteur": {"nom": "Moi Même"},
        "destinataire": {"profil_url": "https://www.linkedin.com/in/lea-lacroix"},
    }  # fmt: skip
    received = {"id": "de-lacroix", "message": "Bonjour", "expediteur": {"nom": "Lou Lacroix"}}
    with httpx.Client(base_url=served.url, headers=api) as client:
        for invitation in (sent, received):
            assert client.post("/decisions", json=invitation).status_code == 200
        found = client.get("/journal", params={"expediteur": "lacroix"}).json()["decisions"]
    people = [(r["id"], r["expediteur"], r["sens"], r["destinataire"]) for r in found]
    assert people == [
        ("vers-lacroix", "Moi Même", "sortante", "https://www.linkedin.com/in/lea-lacroix"),
        ("de-lacroix", "Lou Lacroix", None, None),
    ], found


def test_reloading_the_advice_journals_it_once(page, work):
    """« Vérifier » journals the advice; reloading its page sent the form again and
    journaled it once more each time. A draft changed and checked again is journaled."""
    log_in(page)
    page.goto("/interface/conseil")
    page.fill("#a", "Rachel Rechargée")
    page.fill("#message", "Bonjour Rachel, on s'est parlé au congrès de Québec.")
    page.click("#brouillon button[type=submit]")
    expect(page.locator("#inscrit")).to_contain_text("inscrit au journal")
    first = page.locator("#inscrit").inner_text()
    page.reload()
    expect(page.locator("#inscrit")).to_have_text(first)  # the same advice, not a new one
    assert len(advice_about(work, "Rachel Rechargée")) == 1
    page.fill("#message", "Bonjour Rachel, au congrès de Québec, votre exposé m'a plu.")
    page.click("#brouillon button[type=submit]")
    expect(page.locator("#inscrit")).not_to_have_text(first)
    assert len(advice_about(work, "Rachel Rechargée")) == 2


def test_reloading_an_upload_decides_its_file_once(browser, served, work, tmp_path):
    """Without JavaScript the upload's summary is the answer to its POST: reloading it sent
    the file again, and each of its invitations was decided and journaled once more. The
    same page sending another file (with JavaScript, the page stays) decides that file."""
    csv = tmp_path / "Invitations.csv"
    csv.write_text(
        'From,To,Sent At,Message,Direction\nUne Fois,Jade,"1/29/26, 2:37 PM",,INCOMING\n'
    )
    other = tmp_path / "Autres.csv"
    other.write_text(
        'From,To,Sent At,Message,Direction\nDeux Fois,Jade,"1/29/26, 2:37 PM",,INCOMING\n'
    )
    context = browser.new_context(base_url=served.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page)
    before = len(decisions_in(work / "journal.jsonl"))
    page.goto("/interface/nouvelle")
    page.set_input_files("#fichier", str(csv))
    page.click("#televersement button")
    expect(page.locator("#bilan-lot")).to_contain_text("1 invitation(s) décidée(s)")
    page.reload()
    expect(page.locator("#bilan-lot")).to_contain_text("1 invitation(s) décidée(s)")
    assert len(decisions_in(work / "journal.jsonl")) == before + 1
    context.close()
    page = browser.new_context(base_url=served.url).new_page()
    log_in(page)
    page.goto("/interface/nouvelle")
    for sent in (csv, other):  # one page, two files
        page.set_input_files("#fichier", str(sent))
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#televersement button")
        assert answer.value.json()["decidees"] == 1
    assert len(decisions_in(work / "journal.jsonl")) == before + 3
    page.context.close()


def test_an_older_page_of_the_inbox_leads_back_to_the_newest(served, page):
    """« Décisions plus anciennes » went one way only: from the tenth page of thousands of
    decisions, the way back to the newest was « Décisions » in the menu, the filters lost."""
    sent = [{"id": f"page-{n}", "expediteur": {"nom": f"Pagination {n}"}} for n in range(30)]
    api = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.post(served.url + "/decisions", json=sent, headers=api).status_code == 200
    log_in(page)
    page.goto("/interface/?" + urlencode({"expediteur": "Pagination"}))
    expect(page.get_by_role("link", name="Décisions les plus récentes")).to_have_count(0)
    page.click("text=Décisions plus anciennes")
    expect(page.locator(".invitation")).to_have_count(5)
    page.get_by_role("link", name="Décisions les plus récentes").click()
    expect(page.locator(".invitation")).to_have_count(25)
    expect(page.locator(".invitation .nom").first).to_have_text("Pagination 29")
    expect(page.locator("#f-expediteur")).to_have_value("Pagination")


def test_the_note_s_length_counts_an_emoji_as_one_character(page):
    """The count under the note said « 2 caractères » for « 🦊 » (JavaScript's UTF-16
    units), while the service, which judges the 300 characters, counts one: 150 foxes
    read « 300 caractères sur 300 » on the page and 150 in the advice."""
    log_in(page)
    page.goto("/interface/conseil")
    page.fill("#a", "Léa Roy")
    page.fill("#message", "🦊" * 150 + " é")
    expect(page.locator("#longueur")).to_have_text("152 caractères sur 300")


def test_the_login_starts_with_a_workspace_that_exists(browser, two_workspaces, served):
    """The login field always held « defaut »: in a service whose workspaces are « jade » and
    « remi » that name was refused whatever the token. It now starts empty there, holds
    « defaut » where that workspace exists (``tamis servir -p``), and after a session ended
    it holds the workspace the form sent was for."""
    empty = httpx.get(two_workspaces.url + "/interface/connexion")
    assert empty.status_code == 200 and 'id="espace" name="espace" value=""' in empty.text
    single = httpx.get(served.url + "/interface/connexion")
    assert 'id="espace" name="espace" value="defaut"' in single.text
    context = browser.new_context(base_url=two_workspaces.url, locale="fr-CA")
    try:
        page = context.new_page()
        log_in_to(page, "remi")
        page.goto("/interface/nouvelle")
        page.fill("#nom", "Après Fermeture")
        context.clear_cookies()
        page.click("form[action$='/nouvelle'] button")
        expect(page.get_by_role("status")).to_contain_text("Votre session a expiré")
        expect(page.locator("#espace")).to_have_value("remi")
        page.fill("#jeton", TWO_TOKENS["remi"])
        page.click("form[action$='/connexion'] button")
        expect(page.locator("#nom")).to_have_value("Après Fermeture")
    finally:
        context.close()


def title_of(answer: httpx.Response) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", answer.text)[1])


def test_a_page_showing_an_error_says_so_first_in_its_title(served, work):
    """A screen reader reads the title first: a page showing a refused field or an error
    alert kept its usual title (« Nouvelle invitation — tamis »), and was heard as if all went
    well. Its title now starts with « Erreur : » (GOV.UK's pattern); the same page without an
    error keeps its own."""
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        refused_login = browser.post("/interface/connexion", data={"jeton": "mauvais"})
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        sent = {**OURS, "nom": "Ana", "connexions": "beaucoup"}
        field = browser.post("/interface/nouvelle", data=sent)
        empty = browser.post("/interface/nouvelle", data={**OURS, "nom": " "})
        upload = browser.post("/interface/televerser", data=OURS, files={"fichier": ("a.csv", b"")})
        profile = {**OURS, "a": "Ana", "profil": "https://exemple.com/ana"}
        advice = browser.post("/interface/conseil", data=profile)
        sent = {**OURS, "action": "enregistrer", "source": "x"}
        policy = browser.post("/interface/politique", data=sent)
        inbox = browser.get("/interface/", params={"depuis": "hier"})
        stats = browser.get("/interface/statistiques", params={"par": "siecle"})
        fine = [browser.get(f"/interface/{name}") for name in ("", "nouvelle", "politique")]
    assert title_of(refused_login) == "Erreur : Connexion — tamis"
    decided = {title_of(answer) for answer in (field, empty, upload)}
    assert decided == {"Erreur : Nouvelle invitation — tamis"}
    assert title_of(advice) == "Erreur : Avant d'envoyer — tamis"
    assert title_of(policy) == "Erreur : Politique — tamis"
    assert title_of(inbox) == "Erreur : Décisions — tamis"
    assert title_of(stats) == "Erreur : Statistiques — tamis"
    assert [title_of(answer) for answer in fine] == [
        "Décisions — tamis",
        "Nouvelle invitation — tamis",
        "Politique — tamis",
    ]


def test_after_deciding_the_result_s_heading_has_the_focus(page):
    """« Décider » leads to the form with its result above it (Post/Redirect/Get): the focus
    was at the top of the page, and a screen reader read the navigation, not the decision.
    The result's heading now has the focus (``tabindex="-1"``, ``autofocus``: no script), so
    it is read first; the form shown without a result leaves the focus alone."""
    log_in(page)
    decide_by_hand(page, nom="Focus Ici", photo="non")
    heading = page.locator(".resultat h2")
    expect(heading).to_have_text("Décision : refuser")
    expect(heading).to_be_focused()
    page.goto("/interface/nouvelle")
    assert page.evaluate("document.activeElement === document.body")


def test_a_cookie_or_a_seal_holding_a_non_ascii_character_is_no_500(served):
    """The session cookie's signature and the seal of a decision's address were compared as
    texts by ``hmac.compare_digest``, which raises on a non-ASCII character: a cookie
    holding « é » (another site of this host may set one) answered 500 to every page, logging
    out included, and an address whose ``sceau`` was edited or mangled answered 500. Now the
    cookie is no session (to the login page) and the seal shows no decision."""
    for cookie in (b"tamis_session=YQ.\xc3\xa9", b"tamis_session=YQ.\xe9"):
        headers = [(b"Cookie", cookie), (b"Origin", served.url.encode())]
        with httpx.Client(base_url=served.url, headers=headers) as browser:
            inbox = browser.get("/interface/")
            out = browser.post("/interface/deconnexion")
        assert inbox.status_code == out.status_code == 303
        assert inbox.headers["location"] == out.headers["location"] == "/interface/connexion"
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        sealed = browser.get("/interface/nouvelle", params={"decidee": "web-1", "sceau": "é"})
    assert sealed.status_code == 200 and 'class="resultat"' not in sealed.text


def test_a_form_that_does_not_say_its_workspace_acts_in_none(served, work):
    """A form without the ``espace`` its page carries (an older page, a script) was taken as
    meant for the session's workspace, whatever page it came from: the check of a tab of
    another workspace (409) was skipped. Every form of ours carries it; one without it, or
    with it empty, is refused (400) as a page that names the session's workspace, with what
    was typed, and nothing is decided, journaled, advised or saved."""
    policy = (work / "politique.tamis").read_bytes()
    before = len(journal_records(work / "journal.jsonl"))
    csv = 'From,To,Sent At,Message,Direction\nLéa Roy,Jade,"1/29/26, 2:37 PM",,INCOMING\n'
    upload = {"fichier": ("Invitations.csv", csv.encode(), "text/csv")}
    with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
        browser.post("/interface/connexion", data={"jeton": TOKEN})
        answers = []
        for unsaid in ({}, {"espace": ""}):
            sent = {**unsaid, "nom": "Sans Espace", "photo": "oui", "connexions": "300"}
            answers.append(browser.post("/interface/nouvelle", data=sent))
            answers.append(browser.post("/interface/televerser", data=unsaid, files=upload))
            sent = {**unsaid, "a": "Sans Espace", "message": "Bonjour"}
            answers.append(browser.post("/interface/conseil", data=sent))
            sent = {**unsaid, "action": "enregistrer", "source": "sinon refuser\n"}
            answers.append(browser.post("/interface/politique", data=sent))
        script = browser.post(
            "/interface/televerser", files=upload, headers={"Accept": "application/json"}
        )
    for answer in answers:
        assert answer.status_code == 400
        text = html.unescape(answer.text)
        assert "Formulaire refusé : il ne dit pas pour quel espace sa page a été affichée" in text
        assert "envoyez de nouveau pour agir dans « defaut »" in text
        assert title_of(answer).startswith("Erreur : ")
        assert '<input type="hidden" name="espace" value="defaut">' in answer.text
    assert 'value="Sans Espace"' in answers[0].text and "sinon refuser" in answers[3].text
    assert script.status_code == 400 and "il ne dit pas pour quel espace" in script.json()["erreur"]
    assert len(journal_records(work / "journal.jsonl")) == before
    assert (work / "politique.tamis").read_bytes() == policy


def test_a_name_written_right_to_left_is_isolated_from_the_line_around_it(served, page):
    """A name, a title or a company in Arabic or Hebrew took the text next to it into its
    direction: « مهندسة · شركة النور » showed the company first, the colon after a name in
    the explanation's heading moved to its other side. Each one is now isolated (``<bdi>``)
    in the inbox, in the explanation's heading and facts, and in the evidence read."""
    api = {"Authorization": f"Bearer {TOKEN}"}
    sender = {"nom": "نور الهدى", "titre": "مهندسة", "entreprise": "שלום בע״מ", "photo": False}
    sent = {"id": "rtl-1", "expediteur": {**sender, "profil_url": "https://www.linkedin.com/in/n"}}
    assert httpx.post(served.url + "/decisions", json=sent, headers=api).status_code == 200
    log_in(page)
    page.goto("/interface/")
    line = page.locator(".invitation", has=page.locator("a[href$='/decision/rtl-1']"))
    expect(line.locator(".nom bdi")).to_have_text(sender["nom"])
    expect(line.locator(".poste bdi")).to_have_text([sender["titre"], sender["entreprise"]])
    title, company = (box.bounding_box() for box in line.locator(".poste bdi").all())
    assert title["x"] < company["x"]  # the order written, left to right as the line reads
    page.goto("/interface/decision/rtl-1")
    expect(page.locator("h2 bdi")).to_have_text(sender["nom"])
    expect(page.locator(".faits-cles dd bdi").first).to_have_text("rtl-1")
    assert page.locator(".preuve bdi").count() > 0


def test_a_file_sent_without_javascript_after_the_session_ended_is_said_lost(
    browser, served, work, tmp_path
):
    """Without JavaScript, the upload sent once the session had ended led to the login page,
    then to the inbox: the file was lost without a word, as if decided. The login page now
    says it was not received, and once logged in the form says to choose it again; nothing
    is decided."""
    csv = tmp_path / "Invitations.csv"
    csv.write_text('From,To,Sent At,Message,Direction\nLéa Roy,Jade,"1/29/26, 2:37 PM",,INCOMING\n')
    context = browser.new_context(base_url=served.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page)
        page.goto("/interface/nouvelle")
        before = len(decisions_in(work / "journal.jsonl"))
        context.clear_cookies()
        page.set_input_files("#fichier", str(csv))
        page.click("#televersement button")
        expect(page.get_by_role("status")).to_contain_text("votre fichier n'a pas été reçu")
        page.fill("#jeton", TOKEN)
        page.click("form[action$='/connexion'] button")
        expect(page.locator("h1")).to_have_text("Décider une invitation")
        expect(page.locator("#bilan-lot [role=alert]")).to_have_text(
            "Vous êtes reconnecté, mais le fichier que vous aviez envoyé n'a pas été reçu : votre"
            " session avait pris fin, et rien n'a été décidé. Choisissez-le de nouveau, puis"
            " envoyez-le."
        )
        assert len(decisions_in(work / "journal.jsonl")) == before
        page.set_input_files("#fichier", str(csv))  # chosen again: decided, once
        page.click("#televersement button")
        expect(page.locator("#bilan-lot")).to_contain_text("1 invitation(s) décidée(s)")
        assert len(decisions_in(work / "journal.jsonl")) == before + 1
    finally:
        context.close()


def test_a_workspace_s_fuseau_gives_its_pages_times_and_days(tmp_path):
    """The pages said every time and counted every day in UTC: in Québec, a decision taken
    at 21 h showed « 02:00 UTC » the next day, and was not found « jusqu'au » today. With
    ``--fuseau`` (``fuseau = …`` of a workspace in service.toml), its pages show times in
    that zone, with its name, and filter and count by its days; the API keeps UTC. The
    decision is taken at 12:00 UTC, already the next day in the fuseau (UTC+14, which never
    changes its clocks): whatever the hour the test runs, the two days differ."""
    name, decided = "Pacific/Kiritimati", "2026-06-15T12:00:00.000000Z"
    shutil.copy(BLOGUE, tmp_path / "politique.tamis")
    decided_at(tmp_path, {"fuseau-1": decided})
    moment = datetime.fromisoformat(decided.replace("Z", "+00:00"))
    here, utc_day = moment.astimezone(ZoneInfo(name)), moment.date().isoformat()
    day = here.date().isoformat()
    assert day != utc_day
    server = serve("-p", "politique.tamis", "--journal", "journal.jsonl", "--fuseau", name,
                   cwd=tmp_path, env={"TAMIS_JETON": TOKEN})  # fmt: skip
    api = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with httpx.Client(base_url=server.url, headers={"Origin": server.url}) as browser:
            browser.post("/interface/connexion", data={"jeton": TOKEN})
            inbox = html.unescape(browser.get("/interface/").text)
            local = browser.get("/interface/", params={"depuis": day, "jusqu_a": day})
            utc = browser.get("/interface/", params={"depuis": utc_day, "jusqu_a": utc_day})
            at = here.strftime("%Y-%m-%dT%H:%M")  # a time without an offset: the zone's
            since = browser.get("/interface/", params={"depuis": at})
            unread = html.unescape(browser.get("/interface/", params={"depuis": "hier"}).text)
            why = html.unescape(browser.get("/interface/decision/fuseau-1").text)
            stats = html.unescape(browser.get("/interface/statistiques?par=jour").text)
            policy = html.unescape(browser.get("/interface/politique").text)
            found = browser.get("/journal", params={"depuis": utc_day}, headers=api).json()
    finally:
        server.stop()
    shown = f"{here.strftime('%Y-%m-%d %H:%M')} {here.tzname()}"
    assert f"décidée le {shown}" in inbox
    assert f"Depuis (AAAA-MM-JJ, {name})" in inbox and f"Jusqu'au (AAAA-MM-JJ, {name})" in inbox
    assert "fuseau-1" in local.text and "fuseau-1" not in utc.text
    assert "Aucune décision ne correspond." in utc.text and "fuseau-1" in since.text
    assert f"écrivez AAAA-MM-JJ ou AAAA-MM-JJTHH:MM (heure du fuseau {name})" in unread
    assert f"<dd>{here.strftime('%Y-%m-%d %H:%M:%S')} {here.tzname()}, enregistrement" in why
    assert f"<caption>Décisions par jour ({name})</caption>" in stats
    assert f'<th scope="row">{day}</th>' in stats and utc_day not in stats
    assert re.search(
        rf"chargée le \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d {re.escape(here.tzname())}", policy
    )
    assert [d["id"] for d in found["decisions"]] == ["fuseau-1"]  # the API's days: UTC's


def test_a_fuseau_no_zone_has_is_refused_before_the_start(tmp_path):
    """An unknown zone is refused, named, before anything starts: ``--fuseau`` (exit 2),
    ``fuseau`` in service.toml (its line), and ``--fuseau`` beside ``--config``."""
    shutil.copy(BLOGUE, tmp_path / "politique.tamis")
    option = run_tamis("servir", "-p", "politique.tamis", "--fuseau", "Amerique/Quebec",
                       "--port", "0", cwd=tmp_path)  # fmt: skip
    (tmp_path / "service.toml").write_text(
        '[espaces.jade]\npolitique = "politique.tamis"\njournal = "jade.jsonl"\n'
        'fuseau = "America/Quebec"\n',
        encoding="utf-8",
    )
    config = run_tamis("servir", "--config", "service.toml", "--port", "0", cwd=tmp_path)
    beside = run_tamis("servir", "--config", "service.toml", "--fuseau", "America/Toronto",
                       "--port", "0", cwd=tmp_path)  # fmt: skip
    assert option.returncode == 2
    assert "--fuseau : fuseau horaire inconnu « Amerique/Quebec » ; un nom de la base" in (
        option.stderr
    )
    assert config.returncode == 1
    assert (
        'service.toml:4: erreur : « espaces.jade.fuseau » : fuseau horaire inconnu ("America/'
        'Quebec")' in config.stderr
    )
    assert beside.returncode == 2 and "--fuseau ne s'emploie pas avec --config" in beside.stderr
    assert not (tmp_path / "jade.jsonl").exists()


def decided_at(folder: Path, moments: dict[str, str]) -> None:
    """``journal.jsonl`` in ``folder``: one decision per id of ``moments``, taken at its
    time (UTC), the chain sealed again over those times, as if written then."""
    sent = "".join(json.dumps({"id": i, "expediteur": {"nom": i, "photo": True}}) + "\n"
                   for i in moments)  # fmt: skip
    (folder / "invitations.jsonl").write_text(sent, encoding="utf-8")
    done = run_tamis("decider", "-p", "politique.tamis", "--journal", "journal.jsonl",
                     "invitations.jsonl", cwd=folder)  # fmt: skip
    assert done.returncode == 0, done.stderr
    journal, previous, lines = folder / "journal.jsonl", layout.GENESIS, []
    for line in journal.read_bytes().splitlines():
        record = orjson.loads(line)
        decided = record["evenement"] == "decision"
        moment = moments[record["contenu"]["id"]] if decided else min(moments.values())
        record.update(horodatage=moment, precedente=previous)
        record.pop("empreinte")
        record["empreinte"] = previous = layout.record_digest(record)
        lines.append(layout.canonical(record) + b"\n")
    journal.write_bytes(b"".join(lines))


def test_a_time_the_fuseau_skips_or_has_twice_is_said_not_guessed(tmp_path):
    """Where the fuseau changes its clocks, a time typed without an offset may not exist
    (02:30 on 2026-03-08 in America/Toronto) or exist twice (01:30 on 2026-11-01). It was
    read silently one hour off (« depuis 02:30 » left out a decision of 03:00, « de 02:30 à
    02:45 » showed one of 03:30) or as the first of the two. Each is now refused, in French,
    saying why and what to type; a time with its offset finds the decisions it names. The
    error names the field by the label the person sees (« Jusqu'au : … »), as a form's
    error does, not by the query parameter (« jusqu_a ») that only the API's clients send."""
    shutil.copy(BLOGUE, tmp_path / "politique.tamis")
    summer, standard = "2026-03-08T07:00:00.000000Z", "2026-11-01T06:30:00.000000Z"
    decided_at(tmp_path, {"ete": summer, "normale": standard})  # 03:00 EDT, 01:30 EST
    server = serve("-p", "politique.tamis", "--journal", "journal.jsonl",
                   "--fuseau", "America/Toronto", cwd=tmp_path,
                   env={"TAMIS_JETON": TOKEN})  # fmt: skip
    try:
        with httpx.Client(base_url=server.url, headers={"Origin": server.url}) as browser:
            browser.post("/interface/connexion", data={"jeton": TOKEN})

            def shown(**filters: str) -> str:
                return html.unescape(browser.get("/interface/", params=filters).text)

            skipped = shown(depuis="2026-03-08T02:30", jusqu_a="2026-03-08T02:45")
            twice = shown(jusqu_a="2026-11-01T01:30")
            after_skip = shown(depuis="2026-03-08T03:00", jusqu_a="2026-03-08")
            first = shown(depuis="2026-11-01T01:30-04:00", jusqu_a="2026-11-01T01:30-04:00")
            second = shown(depuis="2026-11-01T01:30-05:00", jusqu_a="2026-11-01")
    finally:
        server.stop()
    assert (
        "Depuis : l'heure 02:30 n'existe pas le 2026-03-08 dans le fuseau "
        "America/Toronto : les horloges y avancent (EST → EDT) et sautent cette heure-là ; "
        "écrivez une heure d'avant ou d'après le changement d'heure" in skipped
    )
    assert 'id="f-depuis" name="depuis" value="2026-03-08T02:30" aria-invalid="true"' in skipped
    assert (
        "Jusqu'au : l'heure 01:30 a lieu deux fois le 2026-11-01 dans le fuseau "
        "America/Toronto : les horloges y reculent (EDT → EST) ; écrivez laquelle avec son "
        "décalage : 2026-11-01T01:30-04:00 (EDT) ou 2026-11-01T01:30-05:00 (EST)" in twice
    )
    for text in (skipped, twice):
        assert "/interface/decision/" not in text
    assert "décidée le 2026-03-08 03:00 EDT" in after_skip and "/decision/normale" not in after_skip
    assert "Aucune décision ne correspond." in first
    assert "décidée le 2026-11-01 01:30 EST" in second and "/decision/ete" not in second


def test_a_filter_that_is_not_utf8_is_refused_on_the_inbox_showing_it_escaped(tmp_path):
    """An address typed by hand with a Latin-1 value (``/interface/?expediteur=S%E9bastien``)
    was read as « S\ufffdbastien » and showed « Aucune décision ne correspond. ». The field
    is now refused by its label, the value shown with its byte escaped, as the API and
    ``tamis journal chercher`` say it."""
    shutil.copy(BLOGUE, tmp_path / "politique.tamis")
    server = serve("-p", "politique.tamis", "--journal", "journal.jsonl", cwd=tmp_path,
                   env={"TAMIS_JETON": TOKEN})  # fmt: skip
    try:
        with httpx.Client(base_url=server.url, headers={"Origin": server.url}) as browser:
            browser.post("/interface/connexion", data={"jeton": TOKEN})
            page = browser.get("/interface/?expediteur=S%E9bastien")
    finally:
        server.stop()
    text = html.unescape(page.text)
    assert "Personne : « S\\xe9bastien » n'est pas du texte UTF-8" in text, text
    assert "Aucune décision ne correspond." not in text


RIGHT_TO_LEFT_POLICY = """\
politique "سياسة الدعوات"
règle "מסר" : signaler si message_par_defaut
règle "בדיקה" : refuser si sans_photo
    motif "بدون صورة"
sinon examiner
"""


def test_a_rule_named_right_to_left_is_isolated_on_the_pourquoi_page(tmp_path):
    """The inbox isolated a rule and its motif written right to left (862d662), the
    « Pourquoi » page did not: « Règle « בדיקה », ligne 3 » moved its guillemets and its
    line number around the name, as did each rule evaluated or left unknown, the motif and
    the policy's name. Each is now isolated (``<bdi>``) there too."""
    (tmp_path / "politique.tamis").write_text(RIGHT_TO_LEFT_POLICY, encoding="utf-8")
    server = serve("-p", "politique.tamis", "--journal", "journal.jsonl", cwd=tmp_path,
                   env={"TAMIS_JETON": TOKEN})  # fmt: skip
    sent = {"id": "rtl-regle", "expediteur": {"nom": "Noa", "photo": False}}
    try:
        with httpx.Client(base_url=server.url, headers={"Origin": server.url}) as browser:
            api = {"Authorization": f"Bearer {TOKEN}"}
            assert browser.post("/decisions", json=sent, headers=api).status_code == 200
            browser.post("/interface/connexion", data={"jeton": TOKEN})
            why = html.unescape(browser.get("/interface/decision/rtl-regle").text)
    finally:
        server.stop()
    assert "<dt>Règle</dt><dd>« <bdi>בדיקה</bdi> », ligne 3</dd>" in why
    assert "<dt>Motif</dt><dd><bdi>بدون صورة</bdi></dd>" in why
    assert "<dd><bdi>سياسة الدعوات</bdi> (sha256" in why
    assert "<h4>Règle « <bdi>בדיקה</bdi> » (ligne 3) — a décidé</h4>" in why
    assert "<li>« <bdi>מסר</bdi> » (ligne 2, signaler)</li>" in why
