"""GET /journal (seq cursor), GET /stats, POST /rejouer, CSV input and /metriques over HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from servir_harness import BLOGUE, CONTEXT, ROOT, Served, example_invitations, run_tamis, serve

CHAMBRE = ROOT / "policies" / "chambre.tamis"
LINKEDIN = ROOT / "policies" / "exemples" / "Invitations.csv"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("journal")
    shutil.copy(BLOGUE, folder / "blogue.tamis")
    return folder


@pytest.fixture(scope="module")
def served(work: Path):
    server = serve(
        "-p", "blogue.tamis", "--contexte", str(CONTEXT), "--journal", "j.jsonl", cwd=work
    )
    with server.client() as http:
        answer = http.post("/decisions", json=list(example_invitations()))
        assert answer.status_code == 200 and not answer.json()["rejetees"]
    yield server
    assert server.stop() == 0


@pytest.fixture
def http(served: Served):
    with served.client() as client:
        yield client


def cli_json_lines(work: Path, *args: str) -> list[dict]:
    result = run_tamis(*args, "--journal", "j.jsonl", "--format", "json", cwd=work)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_search_pages_follow_seq_and_match_tamis_journal_chercher(
    http: httpx.Client, work: Path
) -> None:
    expected = cli_json_lines(work, "journal", "chercher", "--decision", "refuser")
    seen, cursor, pages = [], 0, 0
    while cursor is not None:
        body = http.get("/journal", params={"decision": "refuser", "limite": 5, "apres": cursor})
        assert body.status_code == 200
        page = body.json()
        seen += page["decisions"]
        cursor, pages = page["suivant"], pages + 1
        if cursor is not None:
            assert cursor == page["decisions"][-1]["seq"] and len(page["decisions"]) == 5
    assert seen == expected and pages == -(-len(expected) // 5)


def test_search_takes_every_filter_of_chercher(http: httpx.Client, work: Path) -> None:
    params = [("regle", "photo"), ("regle", "mensonge"), ("fait", "sans_photo")]
    expected = cli_json_lines(
        work,
        "journal",
        "chercher",
        "--regle",
        "photo",
        "--regle",
        "mensonge",
        "--fait",
        "sans_photo",
    )
    answer = http.get("/v1/espaces/defaut/journal", params=params).json()
    assert answer["decisions"] == expected and answer["suivant"] is None


@pytest.mark.parametrize(
    ("params", "message", "field"),
    [
        (
            {"decision": "peut-etre"},
            "paramètre « decision » : décision inconnue ; choisissez "
            "parmi accepter, refuser, ignorer, signaler, examiner",
            "decision",
        ),
        (
            {"depuis": "hier"},
            "paramètre « depuis » : date illisible ; écrivez AAAA-MM-JJ ou "
            "AAAA-MM-JJTHH:MM (heure UTC)",
            "depuis",
        ),
        ({"fait": "=vrai"}, "paramètre « fait » : doit être de la forme NOM ou NOM=VALEUR", "fait"),
        (
            {"limite": "0"},  # it did not say which bound: 1 or 1000?
            "paramètre « limite » invalide : valeur hors des bornes permises (au moins 1)",
            "limite",
        ),
        (
            {"limite": "1001"},
            "paramètre « limite » invalide : valeur hors des bornes permises (au plus 1000)",
            "limite",
        ),
        ({"apres": "dix"}, "paramètre « apres » invalide : un entier est attendu", "apres"),
    ],
)
def test_a_bad_filter_is_400_naming_the_parameter(
    http: httpx.Client, params: dict, message: str, field: str
) -> None:
    answer = http.get("/journal", params=params)
    assert (answer.status_code, answer.json()) == (400, {"erreur": message, "champ": field})


def test_dates_at_the_edges_of_the_calendar_are_bounds_not_a_500(
    http: httpx.Client, work: Path
) -> None:
    """« jusqu'au 9999-12-31 » (a usual « no end ») ends after the last day ``datetime``
    can write; a moment past it or before year 1 once in UTC bounds everything or nothing."""
    everything = http.get("/journal", params={"jusqu_a": "9999-12-31", "limite": 1000})
    assert everything.status_code == 200
    assert everything.json()["decisions"] == cli_json_lines(work, "journal", "chercher")
    late = http.get("/journal", params={"depuis": "9999-12-31T23:30-01:00"})
    assert late.json() == {"decisions": [], "suivant": None, "avertissements": []}
    early = http.get("/stats", params={"jusqu_a": "0001-01-01T00:30+01:00"})
    assert (early.status_code, early.json()["total"]) == (200, 0)
    advice = http.get("/journal/conseils", params={"jusqu_a": "9999-12-31"})
    assert advice.status_code == 200
    until = ("--jusqu-a", "9999-12-31")
    cli = run_tamis("journal", "chercher", "--journal", "j.jsonl", *until, cwd=work)
    assert cli.returncode == 0 and "Traceback" not in cli.stderr


def test_stats_are_those_of_tamis_journal_stats(http: httpx.Client, work: Path) -> None:
    (expected,) = cli_json_lines(work, "journal", "stats", "--par", "semaine")
    answer = http.get("/stats", params={"par": "semaine"})
    assert answer.status_code == 200
    assert answer.json() == expected
    assert answer.json()["total"] == len(list(example_invitations()))


def test_stats_by_an_unknown_grouping_is_a_400_naming_the_groupings(http: httpx.Client) -> None:
    """``?par=zz`` said « valeur de la mauvaise forme » without the groupings there are."""
    answer = http.get("/stats", params={"par": "mois"})
    assert (answer.status_code, answer.json()) == (
        400,
        {
            "erreur": "paramètre « par » : regroupement inconnu ; choisissez parmi jour, semaine",
            "champ": "par",
        },
    )
    blank = http.get("/stats", params={"par": ""})  # left blank: as left out
    assert blank.status_code == 200 and blank.json() == http.get("/stats").json()


def test_replay_compares_without_writing_and_pages_its_changes(
    http: httpx.Client, work: Path
) -> None:
    size = (work / "j.jsonl").stat().st_size
    source = CHAMBRE.read_text(encoding="utf-8")
    first = http.post(
        "/rejouer?limite=3", content=source.encode(), headers={"Content-Type": "text/plain"}
    )
    assert first.status_code == 200
    report = first.json()
    assert report["total"] == len(list(example_invitations())) and report["changees"] > 3
    assert len(report["changements"]) == 3 and report["suivant"] == report["changements"][-1]["seq"]
    rest = http.post(
        f"/rejouer?limite=1000&apres={report['suivant']}",
        content=source.encode(),
        headers={"Content-Type": "text/plain"},
    ).json()
    assert len(report["changements"]) + len(rest["changements"]) == report["changees"]
    assert rest["suivant"] is None
    assert (work / "j.jsonl").stat().st_size == size


def test_replay_of_a_broken_policy_is_422_with_its_diagnostics(http: httpx.Client) -> None:
    answer = http.post(
        "/rejouer", content="refuser si sans_photo et\n", headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 422
    body = answer.json()
    assert (body["erreur"], body["champ"]) == ("politique inutilisable", "politique")
    assert body["diagnostics"][0]["code"] == "E004"


def test_a_linkedin_csv_export_is_decided_row_by_row(http: httpx.Client) -> None:
    answer = http.post(
        "/decisions?sens=toutes",
        content=LINKEDIN.read_bytes(),
        headers={"Content-Type": "text/csv; charset=utf-8"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert [d["ligne"] for d in body["decisions"]] == [2, 3, 4, 5, 6]
    assert all(d["id"].startswith("li-") for d in body["decisions"])
    assert body["rejetees"] == []


def test_metrics_count_decisions_rejects_and_latency(http: httpx.Client) -> None:
    http.post("/decisions", json=[{"id": "m-1", "expediteur": {"photo": False}}, 5])
    http.post("/decisions", content=b"{", headers={"Content-Type": "application/json"})
    text = http.get("/metriques").text
    assert 'tamis_decisions_total{decision="refuser",espace="defaut",regle="photo"}' in text
    assert 'tamis_entrees_rejetees_total{espace="defaut",raison="invitation_invalide"} 1.0' in text
    assert 'tamis_requetes_refusees_total{espace="defaut",statut="400"} 1.0' in text
    assert (
        'tamis_requete_duree_secondes_bucket{chemin="/decisions",le="0.005",methode="POST"}' in text
    )
    assert 'tamis_journal_ajouts_total{espace="defaut"}' in text


def test_a_body_that_is_not_an_export_at_all_is_400(http: httpx.Client) -> None:
    answer = http.post("/decisions", content=b"false", headers={"Content-Type": "text/csv"})
    assert (answer.status_code, answer.json()) == (
        400,
        {
            "erreur": "format non reconnu : ni JSON, ni JSON Lines, ni Invitations.csv de LinkedIn",
            "champ": "corps",
        },
    )


UNKNOWN_FACT = (
    "paramètre « fait » : fait inconnu « sans_foto » : ni les faits de tamis ni les décisions"
    " du journal ne le connaissent ; vouliez-vous dire « sans_photo » ?"
)


@pytest.mark.parametrize("path", ["/journal", "/stats"])
def test_a_fact_nothing_knows_is_400_naming_it_and_the_closest(
    http: httpx.Client, path: str
) -> None:
    """It matched nothing: « sans_foto » answered no decision, as if none lacked a photo."""
    answer = http.get(path, params={"fait": "sans_foto=vrai"})
    assert (answer.status_code, answer.json()) == (400, {"erreur": UNKNOWN_FACT, "champ": "fait"})
    replayed = http.post(
        "/rejouer",
        params={"fait": "sans_foto"},
        content=BLOGUE.read_text(encoding="utf-8"),
        headers={"Content-Type": "text/plain"},
    )
    assert replayed.status_code == 400 and replayed.json()["champ"] == "fait"


@pytest.mark.parametrize("path", ["/journal", "/stats"])
def test_a_value_a_fact_never_has_is_400_saying_which_values_it_has(
    http: httpx.Client, path: str
) -> None:
    """« sans_photo=oui » matched nothing: a truth is vrai, faux or inconnu."""
    answer = http.get(path, params={"fait": "sans_photo=oui"})
    assert (answer.status_code, answer.json()) == (
        400,
        {
            "erreur": "paramètre « fait » : « sans_photo » est vrai, faux ou inconnu : « oui » ne"
            " correspondrait à rien ; écrivez sans_photo=vrai, sans_photo=faux ou"
            " sans_photo=inconnu",
            "champ": "fait",
        },
    )


def test_a_definition_the_journal_holds_is_a_known_fact(http: httpx.Client, work: Path) -> None:
    """« peu_etabli » is blogue.tamis's own « définir », not tamis's vocabulary."""
    answer = http.get("/journal", params={"fait": "peu_etabli=faux"})
    assert answer.status_code == 200 and answer.json()["decisions"]
    expected = cli_json_lines(work, "journal", "chercher", "--fait", "peu_etabli=faux")
    assert [r["seq"] for r in answer.json()["decisions"]] == [r["seq"] for r in expected]


RULE_NOTE = (
    "regle « Photo » : aucune décision du journal n'a cette règle (les noms comptent les"
    " majuscules et les accents) ; vouliez-vous dire « photo » ?"
)


def test_a_rule_no_decision_names_is_said_with_the_closest(http: httpx.Client) -> None:
    """``?regle=Photo`` (the rule is « photo ») answered an empty page without a word, as
    for a rule that never decided; ``tamis journal chercher --regle Photo`` says so."""
    answer = http.get("/journal", params={"regle": "Photo"})
    assert answer.status_code == 200
    assert answer.json() == {"decisions": [], "suivant": None, "avertissements": [RULE_NOTE]}
    known = http.get("/journal", params={"regle": "photo", "decision": "accepter"}).json()
    assert known == {"decisions": [], "suivant": None, "avertissements": []}
    found = http.get("/journal", params={"regle": "photo", "limite": 1}).json()
    assert found["decisions"] and found["avertissements"] == []


def test_stats_and_rejouer_say_a_rule_no_decision_names_as_the_command_does(
    http: httpx.Client, work: Path
) -> None:
    """``GET /stats?regle=Photo`` answered zero counts and ``POST /rejouer?regle=Photo`` an
    empty replay without a word, where ``GET /journal`` named the closest rule and ``tamis
    journal stats --regle Photo`` said it on stderr only, its JSON silent. Both JSON answers,
    the command's and the service's, now hold it in ``avertissements``, and are equal."""
    (expected,) = cli_json_lines(work, "journal", "stats", "--utc", "--regle", "Photo")
    stats = http.get("/stats", params={"regle": "Photo"}).json()
    assert stats == expected and stats["avertissements"] == [RULE_NOTE] and stats["total"] == 0
    told = run_tamis("journal", "stats", "--journal", "j.jsonl", "--regle", "Photo", cwd=work)
    assert f"avertissement : --{RULE_NOTE}" in told.stderr  # the command still says it
    source = CHAMBRE.read_text(encoding="utf-8")
    headers = {"Content-Type": "text/plain"}
    replayed = http.post("/rejouer?regle=Photo", content=source.encode(), headers=headers).json()
    assert replayed["total"] == 0 and replayed["avertissements"] == [RULE_NOTE]
    (command,) = cli_json_lines(work, "rejouer", "-p", str(CHAMBRE), "--regle", "Photo")
    assert command["avertissements"] == [RULE_NOTE]
    known = http.get("/stats", params={"regle": "photo", "decision": "accepter"}).json()
    assert known["total"] == 0 and known["avertissements"] == []


def test_one_invalid_invitation_is_counted_once_among_the_rejected(tmp_path: Path) -> None:
    """A single invalid invitation (422) was counted twice in ``tamis_entrees_rejetees``:
    as « invitation_invalide » and as « http_422 », so the family's sum said two. Each
    invitation not decided now counts once there; refused requests have their own family."""
    shutil.copy(BLOGUE, tmp_path / "blogue.tamis")
    server = serve("-p", "blogue.tamis", "--journal", "j.jsonl", cwd=tmp_path)
    try:
        with server.client() as http:
            sent = {"id": "x", "expediteur": {"photo": "oui"}}
            assert http.post("/decisions", json=sent).status_code == 422
            assert http.post("/decisions", json=[sent, {"id": "y"}]).status_code == 200
            text = http.get("/metriques").text
    finally:
        server.stop()
    assert counted(text, "tamis_entrees_rejetees_total") == {
        (("espace", "defaut"), ("raison", "invitation_invalide")): 2.0
    }
    assert counted(text, "tamis_requetes_refusees_total") == {
        (("espace", "defaut"), ("statut", "422")): 1.0
    }


def counted(text: str, name: str) -> dict[tuple, float]:
    """The samples of ``name`` in a /metriques answer, by their sorted labels."""
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def test_every_refused_request_to_decide_is_counted_once_by_its_status(tmp_path: Path) -> None:
    """``tamis_requetes_refusees_total`` counted a refused POST …/decisions only for 400, 413,
    415 and 422: one refused for its token (401), for a workspace that does not exist (404)
    or for an Idempotency-Key sent again with another body (409) was counted nowhere. Each
    is now counted once, by its status; an invitation decided is not."""
    token = "jeton-metriques-0123456789"
    shutil.copy(BLOGUE, tmp_path / "blogue.tamis")
    server = serve("-p", "blogue.tamis", "--journal", "j.jsonl", cwd=tmp_path,
                   env={"TAMIS_JETON": token})  # fmt: skip
    sent, key = {"id": "x", "expediteur": {"photo": True}}, {"Idempotency-Key": "k-1"}
    try:
        with server.client() as anonymous:
            assert anonymous.post("/decisions", json=sent).status_code == 401
        with server.client(token) as http:
            assert http.post("/v1/espaces/autre/decisions", json=sent).status_code == 404
            assert http.post("/decisions", json=sent, headers=key).status_code == 200
            other = {**sent, "id": "y"}
            assert http.post("/decisions", json=other, headers=key).status_code == 409
            assert http.post("/decisions", content=b"{", headers={
                "Content-Type": "application/json"}).status_code == 400  # fmt: skip
            text = http.get("/metriques").text
    finally:
        server.stop()
    assert counted(text, "tamis_requetes_refusees_total") == {
        (("espace", "defaut"), ("statut", "401")): 1.0,
        (("espace", ""), ("statut", "404")): 1.0,
        (("espace", "defaut"), ("statut", "409")): 1.0,
        (("espace", "defaut"), ("statut", "400")): 1.0,
    }
    assert counted(text, "tamis_entrees_rejetees_total") == {}


def test_a_refused_request_on_any_route_is_counted_by_its_route_template(tmp_path: Path) -> None:
    """A 4xx answer to any route but POST …/decisions was counted nowhere: a token refused
    on GET /journal, an unknown parameter, an unknown decision, a page refused to a browser.
    Each is now counted once in ``tamis_requetes_refusees_par_chemin_total``, by method,
    route template (never the path sent: an invitation id is personal data, and each path
    would be a series of its own) and status; POST …/decisions is counted there too."""
    token = "jeton-metriques-par-chemin-0123456789"
    shutil.copy(BLOGUE, tmp_path / "blogue.tamis")
    server = serve("-p", "blogue.tamis", "--journal", "j.jsonl", cwd=tmp_path,
                   env={"TAMIS_JETON": token})  # fmt: skip
    try:
        with server.client() as anonymous:
            assert anonymous.get("/journal").status_code == 401
            assert anonymous.get("/nulle/part/Tremblay").status_code == 404
            assert anonymous.request("PROPFIND", "/journal").status_code == 405
        with server.client(token) as http:
            assert http.get("/journal", params={"decison": "refuser"}).status_code == 400
            assert http.get("/decisions/Tremblay-Julie").status_code == 404
            assert http.get("/v1/espaces/autre/journal").status_code == 404
            assert http.post("/decisions", content=b"{", headers={
                "Content-Type": "application/json"}).status_code == 400  # fmt: skip
        with httpx.Client(base_url=server.url, headers={"Origin": server.url}) as browser:
            assert browser.post("/interface/connexion", data={"jeton": token}).status_code == 303
            assert browser.get("/interface/decision/Tremblay-Julie").status_code == 404
            assert browser.post("/interface/nouvelle", data={"nom": "Ana"}).status_code == 400
        with server.client(token) as http:
            text = http.get("/metriques").text
    finally:
        server.stop()
    assert counted(text, "tamis_requetes_refusees_par_chemin_total") == {
        route("/journal", "defaut", "GET", "401"): 1.0,
        route("(chemin inconnu)", "", "GET", "404"): 1.0,
        route("/journal", "", "autre", "405"): 1.0,
        route("/journal", "defaut", "GET", "400"): 1.0,
        route("/decisions/{identifiant}", "defaut", "GET", "404"): 1.0,
        route("/v1/espaces/{espace}/journal", "", "GET", "404"): 1.0,
        route("/decisions", "defaut", "POST", "400"): 1.0,
        route("/interface/decision/{ident}", "defaut", "GET", "404"): 1.0,
        route("/interface/nouvelle", "defaut", "POST", "400"): 1.0,
    }
    assert counted(text, "tamis_requetes_refusees_total") == {
        (("espace", "defaut"), ("statut", "400")): 1.0,
    }
    assert "Tremblay" not in text


def route(path: str, workspace: str, method: str, status: str) -> tuple:
    """The labels of a ``tamis_requetes_refusees_par_chemin_total`` sample, sorted."""
    return (("chemin", path), ("espace", workspace), ("methode", method), ("statut", status))


def test_a_filter_value_that_is_not_utf8_is_400_showing_it_escaped(http: httpx.Client) -> None:
    """``?expediteur=S%E9bastien`` (Latin-1) was read as « S\\ufffdbastien », a name nobody
    typed: 200 and nothing found, where ``tamis journal chercher`` refuses such a value. It is
    now a 400 naming the parameter and showing the value, its byte escaped, on every route
    that filters; the same name in UTF-8 is read as typed."""
    refused = {
        "erreur": "paramètre « expediteur » : « S\\xe9bastien » n'est pas du texte UTF-8",
        "champ": "expediteur",
    }
    for path in ("/journal", "/stats", "/journal/conseils", "/v1/espaces/defaut/journal"):
        answer = http.get(f"{path}?expediteur=S%E9bastien")
        assert (answer.status_code, answer.json()) == (400, refused), path
    replayed = http.post("/rejouer?regle=caf%E9", content=BLOGUE.read_text(encoding="utf-8"))
    assert replayed.status_code == 400 and replayed.json()["champ"] == "regle"
    assert "« caf\\xe9 »" in replayed.json()["erreur"]
    typed = http.get("/journal?expediteur=S%C3%A9bastien")
    assert typed.status_code == 200 and typed.json()["decisions"]


TYPED = "x" * 60 + "\n\u202e" + "y" * 100 + "-marqueur-cite"
"""A value a client typed: a line break, a right-to-left override, far past 80 characters."""
QUOTED = "x" * 60 + "\\n\\u202e" + "y" * 11 + "…"
"""How an error answer quotes it: escaped, cut to 80 characters (« … » included)."""


@pytest.mark.parametrize(
    ("query", "quote"),
    [
        ({"fait": TYPED}, QUOTED),  # unknown_fact
        ({"fait": f"sans_photo={TYPED}"}, QUOTED[: 80 - 12] + "…"),  # wrong_fact_value
    ],
)
def test_a_value_quoted_back_is_escaped_bounded_and_never_logged(
    http: httpx.Client, served: Served, query: dict, quote: str
) -> None:
    """An unknown fact, or a value a fact never has, was quoted back whole: a value of any
    length, its line breaks and bidirectional overrides as typed (a message that reads
    otherwise than it is). Each is now quoted escaped and cut to 80 characters; and the
    operations log holds no part of it."""
    answer = http.get("/journal", params=query)
    assert answer.status_code == 400
    message = answer.json()["erreur"]
    assert f"« {quote} »" in message, message
    assert all(len(part.split(" »")[0]) <= 80 for part in message.split("« ")[1:]), message
    assert "\n" not in message and "\u202e" not in message and "marqueur" not in message
    assert not [line for line in served.lines if "xxxxxxxxxx" in line or "marqueur" in line]


def test_a_value_not_utf8_is_quoted_escaped_and_bounded(http: httpx.Client, served: Served) -> None:
    """The non-UTF-8 filter value was quoted back whole, however long."""
    answer = http.get("/journal?expediteur=S%E9" + "z" * 200)
    assert answer.status_code == 400
    assert answer.json()["erreur"] == (
        f"paramètre « expediteur » : « S\\xe9{'z' * 74}… » n'est pas du texte UTF-8"
    )
    assert not [line for line in served.lines if "zzzzzzzzzz" in line]


def test_an_unknown_parameter_name_is_quoted_escaped(http: httpx.Client) -> None:
    """An unknown parameter's name was cut to 40 characters, its line breaks kept."""
    answer = http.get("/journal", params={"a\nb" + "c" * 60: "1"})
    assert answer.json()["erreur"].startswith(f"paramètre inconnu « a\\nb{'c' * 35}… » ;")
