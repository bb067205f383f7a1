"""POST /decisions and GET /decisions/{id} over real HTTP: journaled first, French errors."""

from __future__ import annotations

import gzip
import io
import json
import socket
import zipfile
from pathlib import Path

import httpx
import pytest
from servir_harness import (
    KEY_REUSED,
    NO_PHOTO,
    POLICY,
    WITH_PHOTO,
    Served,
    decisions_in,
    run_tamis,
    serve,
)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("decisions")
    (folder / "p.tamis").write_text(POLICY, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def served(work: Path):
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", "--taille-max", "4096", cwd=work)
    yield server
    assert server.stop() == 0


@pytest.fixture
def http(served: Served):
    with served.client() as client:
        yield client


def ids_in_journal(work: Path, ident: str) -> int:
    return sum(1 for d in decisions_in(work / "j.jsonl") if d["id"] == ident)


def test_one_invitation_is_decided_journaled_and_answered_like_tamis_decider(
    http: httpx.Client, work: Path
) -> None:
    answer = http.post("/decisions", json={**NO_PHOTO, "id": "un-1"})
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ["id", "decision", "regle", "motif", "explication"]
    assert body["decision"] == "refuser" and body["regle"] == "photo"
    assert body["motif"] == "Pas de visage, pas de contact."
    recorded = [d for d in decisions_in(work / "j.jsonl") if d["id"] == "un-1"]
    assert len(recorded) == 1 and recorded[0]["explication"] == body["explication"]


def test_the_trace_is_added_on_request(http: httpx.Client) -> None:
    body = http.post("/decisions?trace=true", json={**WITH_PHOTO, "id": "trace-1"}).json()
    assert body["decision"] == "accepter"
    assert {"resolution", "declenchees", "faits", "trace"} <= set(body)


def test_a_list_decides_the_valid_ones_and_reports_the_others_by_index(
    http: httpx.Client, work: Path
) -> None:
    bad_type = {"id": "lot-2", "expediteur": {"connexions": "beaucoup"}}
    sent = [{**WITH_PHOTO, "id": "lot-1"}, bad_type, 7, {**NO_PHOTO, "id": "lot-4"}]
    answer = http.post("/v1/espaces/defaut/decisions", json=sent)
    assert answer.status_code == 200
    body = answer.json()
    assert [(d["index"], d["id"], d["decision"]) for d in body["decisions"]] == [
        (0, "lot-1", "accepter"),
        (3, "lot-4", "refuser"),
    ]
    assert [(r["index"], r["champ"]) for r in body["rejetees"]] == [
        (1, "expediteur.connexions"),
        (2, None),
    ]
    assert body["rejetees"][1]["erreurs"] == ["un objet JSON était attendu, reçu un nombre"]
    assert ids_in_journal(work, "lot-1") == 1 and ids_in_journal(work, "lot-4") == 1
    assert ids_in_journal(work, "lot-2") == 0


def test_an_invalid_single_invitation_is_422_and_nothing_is_journaled(
    http: httpx.Client, work: Path
) -> None:
    before = len(decisions_in(work / "j.jsonl"))
    answer = http.post("/decisions", json={"id": "inv-x", "expediteur": {"connexions": -3}})
    assert answer.status_code == 422
    body = answer.json()
    assert body["champ"] == "expediteur.connexions"
    assert "ne doit pas être négatif" in body["erreur"]
    assert len(decisions_in(work / "j.jsonl")) == before


def test_a_recipient_without_a_direction_is_refused_by_its_field(
    http: httpx.Client, work: Path
) -> None:
    """A ``destinataire`` without ``sens`` was decided as an invitation received (its step
    « Accepter » or « Ignorer »): 422 naming the field alone, or refused in a list while
    its neighbours are decided; nothing of it is journaled."""
    undirected = {"id": "vers-x", "message": "Bonjour", "destinataire": {"nom": "Rémi Gagné"}}
    answer = http.post("/decisions", json=undirected)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["champ"] == "destinataire"
    assert "donné sans « sens » ; ajoutez « sens » : « sortante »" in body["erreur"], body
    sent = [
        {**WITH_PHOTO, "id": "vers-0"},
        undirected,
        {**undirected, "id": "vers-2", "sens": "sortante"},
    ]
    listed = http.post("/decisions", json=sent).json()
    assert [d["id"] for d in listed["decisions"]] == ["vers-0", "vers-2"]
    assert [(r["index"], r["champ"]) for r in listed["rejetees"]] == [(1, "destinataire")]
    assert ids_in_journal(work, "vers-x") == 0 and ids_in_journal(work, "vers-2") == 1


def test_unknown_fields_are_decided_with_a_warning(http: httpx.Client) -> None:
    body = http.post("/decisions", json={**WITH_PHOTO, "id": "warn-1", "humeur": "x"}).json()
    assert body["decision"] == "accepter"
    assert body["avertissements"] == ["invitation « warn-1 », champ « humeur » inconnu : ignoré"]


def test_every_decision_made_over_http_is_explained_by_get_and_by_the_cli(
    http: httpx.Client, work: Path
) -> None:
    made = http.post("/decisions", json={**NO_PHOTO, "id": "why-1"}).json()
    answer = http.get("/decisions/why-1")
    assert answer.status_code == 200
    explained = answer.json()
    assert explained["id"] == "why-1" and len(explained["decisions"]) == 1
    first = explained["decisions"][0]
    assert first["decision"] == "refuser" and first["explication"] == made["explication"]
    assert first["texte_regle"][0]["texte"].startswith('règle "photo"')
    cli = run_tamis("journal", "pourquoi", "why-1", "--journal", "j.jsonl", cwd=work)
    assert cli.returncode == 0, cli.stderr
    assert "Décision : refuser" in cli.stdout


def test_an_id_holding_a_slash_is_explained(http: httpx.Client, work: Path) -> None:
    """« 2026/12/inv-1 » was decided and journaled, then « chemin inconnu » for
    GET /decisions/2026%2F12%2Finv-1 or /decisions/2026/12/inv-1: never explained over HTTP."""
    made = http.post("/decisions", json={**NO_PHOTO, "id": "2026/12/inv-1"}).json()
    for path in ("/decisions/2026%2F12%2Finv-1", "/v1/espaces/defaut/decisions/2026/12/inv-1"):
        answer = http.get(path)
        assert answer.status_code == 200, path
        assert answer.json()["id"] == "2026/12/inv-1"
        assert answer.json()["decisions"][0]["explication"] == made["explication"]
    assert http.get("/decisions/2026/12").status_code == 404  # another id, never decided
    http.post("/decisions", json={**NO_PHOTO, "id": "ligne\nbrisée"})
    assert http.get("/decisions/ligne%0Abris%C3%A9e").json()["id"] == "ligne\nbrisée"


def test_an_invitation_never_decided_is_404_in_french(http: httpx.Client) -> None:
    answer = http.get("/v1/espaces/defaut/decisions/jamais-vue")
    assert answer.status_code == 404
    assert answer.json() == {
        "erreur": "aucune décision pour cette invitation dans le journal",
        "champ": "id",
    }


SECRET = "Gertrude Confidentielle"


@pytest.mark.parametrize(
    ("content", "headers", "status", "expected"),
    [
        (
            b'{"id": "x", "expediteur": {"nom": "' + SECRET.encode() + b'"',
            {"Content-Type": "application/json"},
            400,
            {
                "erreur": "JSON invalide, ligne 1, colonne 60 (fin de données inattendue)",
                "champ": "corps",
            },
        ),
        (
            json.dumps(SECRET).encode(),
            {"Content-Type": "application/json"},
            400,
            {
                "erreur": "le corps doit être une invitation (objet JSON) ou une liste "
                "d'invitations",
                "champ": "corps",
            },
        ),
        (
            b'{"id": "\xe9t\xe9", "nom": "' + SECRET.encode() + b'"}',
            {"Content-Type": "application/json"},
            400,
            {
                "erreur": "le corps n'est pas en UTF-8 (octet invalide à la position 8)",
                "champ": "corps",
            },
        ),
        (
            b'{"a":' * 40 + b"1" + b"}" * 40,
            {"Content-Type": "application/json"},
            400,
            {"erreur": "JSON trop imbriqué : 32 niveaux au plus", "champ": "corps"},
        ),
        (
            b"[" * 2000 + b"]" * 2000,
            {"Content-Type": "application/json"},
            400,
            {"erreur": "JSON trop imbriqué : 32 niveaux au plus", "champ": "corps"},
        ),
        (
            json.dumps({"id": SECRET}).encode(),
            {"Content-Type": "text/plain"},
            415,
            {
                "erreur": "type de contenu non pris en charge : envoyez « application/json » "
                "(une invitation ou une liste), « application/x-ndjson » (JSON Lines) ou "
                "« text/csv » (Invitations.csv de LinkedIn)",
                "champ": "Content-Type",
            },
        ),
        (
            json.dumps({"id": SECRET}).encode(),
            {"Content-Type": "application/json; charset=latin-1"},
            415,
            {
                "erreur": "jeu de caractères non pris en charge : seul UTF-8 est accepté",
                "champ": "Content-Type",
            },
        ),
        (
            b"   ",
            {"Content-Type": "application/json"},
            400,
            {
                "erreur": "corps vide : envoyez une invitation ou une liste d'invitations",
                "champ": "corps",
            },
        ),
        (
            gzip.compress(json.dumps({"id": SECRET}).encode()),
            {"Content-Type": "application/json", "Content-Encoding": "gzip"},
            415,
            {
                "erreur": "corps compressé (Content-Encoding) non pris en charge : "
                "envoyez-le sans compression",
                "champ": "Content-Encoding",
            },
        ),
    ],
    ids=[
        "json-tronque",
        "mauvais-type",
        "pas-utf8",
        "imbrique",
        "imbrique-extreme",
        "type-de-contenu",
        "jeu-de-caracteres",
        "vide",
        "compresse",
    ],
)
def test_bad_input_is_a_french_4xx_naming_the_field_and_echoing_nothing(
    http: httpx.Client, work: Path, content: bytes, headers: dict, status: int, expected: dict
) -> None:
    before = len(decisions_in(work / "j.jsonl"))
    answer = http.post("/decisions", content=content, headers=headers)
    assert (answer.status_code, answer.json()) == (status, expected)
    assert SECRET not in answer.text
    assert len(decisions_in(work / "j.jsonl")) == before


def test_linkedins_zip_archive_as_a_body_says_to_unzip_it(http: httpx.Client) -> None:
    """The export as downloaded was « le corps n'est pas en UTF-8 (octet invalide à la
    position 10) », as if it were text in another encoding."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("Invitations.csv", "From,To,Sent At,Message,Direction\n")
    for kind in ("text/csv", "application/json"):
        answer = http.post("/decisions", content=data.getvalue(), headers={"Content-Type": kind})
        assert (answer.status_code, answer.json()["champ"]) == (400, "corps")
        assert answer.json()["erreur"].startswith("corps illisible : c'est une archive ZIP")
        assert "décompressez-la et donnez Invitations.csv" in answer.json()["erreur"]


def test_a_json_body_saved_with_a_byte_order_mark_is_decided(http: httpx.Client) -> None:
    """Windows tools (PowerShell 5's ``Out-File -Encoding utf8``, Notepad) start UTF-8 files
    with a byte-order mark; the body is read as ``decode`` reads it, mark dropped."""
    body = b"\xef\xbb\xbf" + json.dumps({**WITH_PHOTO, "id": "bom-1"}).encode()
    answer = http.post("/decisions", content=body, headers={"Content-Type": "application/json"})
    assert (answer.status_code, answer.json()["id"]) == (200, "bom-1")


def test_an_oversize_body_is_413_whether_its_length_is_declared_or_not(
    http: httpx.Client,
) -> None:
    big = json.dumps({"id": "gros", "message": "x" * 5000}).encode()
    expected = {"erreur": "corps trop volumineux : 4096 octets au plus", "champ": "corps"}
    declared = http.post("/decisions", content=big, headers={"Content-Type": "application/json"})
    assert (declared.status_code, declared.json()) == (413, expected)
    chunked = http.post(
        "/decisions",
        content=iter([big[:3000], big[3000:]]),
        headers={"Content-Type": "application/json"},
    )
    assert (chunked.status_code, chunked.json()) == (413, expected)


def test_more_invitations_than_allowed_is_413(work: Path) -> None:
    server = serve("-p", "p.tamis", "--journal", "j2.jsonl", "--invitations-max", "2", cwd=work)
    try:
        with server.client() as http:
            answer = http.post("/decisions", json=[WITH_PHOTO] * 3)
            assert (answer.status_code, answer.json()) == (
                413,
                {"erreur": "trop d'invitations : 2 au plus par requête", "champ": "corps"},
            )
            assert http.post("/decisions", json=[WITH_PHOTO] * 2).status_code == 200
    finally:
        assert server.stop() == 0
    assert len(decisions_in(work / "j2.jsonl")) == 2


def test_an_unknown_workspace_or_path_is_404_in_french(http: httpx.Client) -> None:
    answer = http.get("/v1/espaces/personne/decisions/x")
    assert (answer.status_code, answer.json()) == (
        404,
        {"erreur": "espace inconnu", "champ": "espace"},
    )
    missing = http.get("/nulle-part")
    assert (missing.status_code, missing.json()) == (
        404,
        {"erreur": "chemin inconnu", "champ": None},
    )


def test_a_path_with_a_final_slash_is_a_french_404_not_an_empty_redirect(
    http: httpx.Client, work: Path
) -> None:
    """``POST /decisions/`` was an empty 307 to an address built from ``Host``: a client that
    does not follow it saw no answer and no decision, one that does resent the invitation."""
    slash = {"erreur": "chemin inconnu : ce chemin s'écrit sans « / » final ; retirez-la"}
    sent = http.post("/v1/espaces/defaut/decisions/", json={**WITH_PHOTO, "id": "barre-1"})
    assert (sent.status_code, sent.json()) == (404, {**slash, "champ": None})
    assert "location" not in sent.headers and ids_in_journal(work, "barre-1") == 0
    for path in ("/decisions/", "/journal/", "/sante/", "/v1/espaces/defaut/stats/"):
        answer = http.get(path) if path != "/decisions/" else http.post(path, json=WITH_PHOTO)
        assert (answer.status_code, answer.json()["erreur"]) == (404, slash["erreur"]), path
    empty = http.get("/decisions/")  # an id would follow: none is there
    assert (empty.status_code, empty.json()) == (
        404,
        {"erreur": "identifiant d'invitation manquant : …/decisions/ID", "champ": "id"},
    )
    assert http.get("/interface").headers["location"] == "/interface/"  # a page: redirected


def raw_request(served: Served, request: bytes) -> tuple[bytes, bytes]:
    """The status line and body of ``request`` sent as is (httpx would encode it)."""
    host, port = served.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0], body


def test_a_request_the_http_parser_cannot_read_is_a_french_400(served: Served) -> None:
    """``curl '…/journal?expediteur=Côté'`` sends the accented bytes as typed: the parser
    refuses them before the app; the answer is still the service's JSON, in French."""
    query = "GET /journal?expediteur=Côté HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    status, body = raw_request(served, query.encode())
    assert status == b"HTTP/1.1 400 Bad Request"
    answer = json.loads(body)
    assert answer["champ"] is None
    assert answer["erreur"].startswith("requête HTTP illisible (adresse ou en-têtes mal formés)")
    assert "-G --data-urlencode 'expediteur=Côté'" in answer["erreur"]
    length = b"POST /decisions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}"
    assert raw_request(served, length)[0] == b"HTTP/1.1 400 Bad Request"
    encoded = "/journal?expediteur=C%C3%B4t%C3%A9"  # as it should be sent: a search, no error
    with served.client() as http:
        assert http.get(encoded).json()["decisions"] == []
    logged = served.wait_event(evenement="serveur_http")  # uvicorn's own line, as JSON too
    assert logged["message"] == "requête HTTP illisible, refusée (400)"
    assert logged["niveau"] == "avertissement" and "Côté" not in str(logged)
    assert all(json.loads(line) for line in served.lines)  # every line of the log is JSON


def test_a_query_parameter_of_the_wrong_type_is_400_naming_it(http: httpx.Client) -> None:
    answer = http.post("/decisions?trace=peut-etre", json=WITH_PHOTO)
    assert answer.status_code == 400
    assert answer.json() == {
        "erreur": "paramètre « trace » invalide : « true » ou « false » est attendu",
        "champ": "trace",
    }


def test_an_unknown_query_parameter_is_400_naming_it_and_the_closest(http: httpx.Client) -> None:
    """A mistyped filter is not ignored (the whole journal answered as if filtered), as
    ``tamis journal chercher`` refuses an unknown option."""
    typo = http.get("/journal", params={"decison": "refuser"})
    assert (typo.status_code, typo.json()) == (
        400,
        {
            "erreur": "paramètre inconnu « decison » ; vouliez-vous dire « decision » ou "
            "« depuis » ?",
            "champ": "decison",
        },
    )
    stray = http.post("/decisions?sense=toutes", json={**WITH_PHOTO, "id": "sens-1"})
    assert stray.json()["champ"] == "sense" and "« sens »" in stray.json()["erreur"]
    none = http.get("/v1/espaces/defaut/politique", params={"x": "1"})
    assert (none.status_code, none.json()["erreur"]) == (
        400,
        "paramètre inconnu « x » ; ce chemin n'en accepte aucun",
    )
    known = http.get("/stats", params={"par": "semaine", "decision": "refuser"})
    assert known.status_code == 200


def test_a_parameter_of_one_value_given_twice_is_400_naming_it(
    http: httpx.Client, work: Path
) -> None:
    """``?limite=1&limite=2`` answered 2 decisions and ``?expediteur=a&expediteur=b`` searched
    for b alone: the last value was kept and the others dropped without a word."""
    twice = http.get("/journal", params=[("expediteur", "Jeanne"), ("expediteur", "Roy")])
    assert (twice.status_code, twice.json()) == (
        400,
        {
            "erreur": "paramètre « expediteur » donné 2 fois ; il ne prend qu'une valeur",
            "champ": "expediteur",
        },
    )
    limit = http.get("/v1/espaces/defaut/journal?limite=1&limite=2&limite=3")
    assert limit.json()["erreur"].startswith("paramètre « limite » donné 3 fois")
    sent = http.post("/decisions?trace=true&trace=false", json={**WITH_PHOTO, "id": "deux-1"})
    assert (sent.status_code, sent.json()["champ"]) == (400, "trace")
    assert ids_in_journal(work, "deux-1") == 0
    lists = http.get("/journal", params=[("decision", "refuser"), ("decision", "accepter")])
    assert lists.status_code == 200  # decision, regle, fait: repeatable, as documented
    nameless = http.get("/journal?=refuser")
    assert (nameless.status_code, nameless.json()) == (
        400,
        {"erreur": "paramètre sans nom (« =valeur » seul dans l'adresse)", "champ": None},
    )


def test_health_needs_no_token_and_names_no_workspace(http: httpx.Client) -> None:
    answer = http.get("/sante")
    assert (answer.status_code, answer.json()) == (
        200,
        {"etat": "ok", "espaces": 1, "espaces_en_erreur": 0, "journaux_indisponibles": 0},
    )


def test_health_is_503_while_a_journal_refuses_every_decision(tmp_path: Path) -> None:
    """A line that is no record appended by another program: every decision was a 503
    « journal inutilisable », and /sante said 200 « ok », so a load balancer kept sending
    requests there. A torn last line is no such case: the next writer sets it aside."""
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", cwd=tmp_path)
    journal = tmp_path / "j.jsonl"
    try:
        with server.client() as http:
            assert http.post("/decisions", json=WITH_PHOTO).status_code == 200
            whole = journal.read_bytes()
            journal.write_bytes(whole + b"ligne ajoutee par un autre programme\n")
            assert http.post("/decisions", json=NO_PHOTO).status_code == 503
            unwell = http.get("/sante")
            journal.write_bytes(whole + b'{"contenu":{"decision"')  # torn: a write cut short
            torn = http.get("/sante")
            decided = http.post("/decisions", json=NO_PHOTO).status_code
    finally:
        assert server.stop() == 0
    assert (unwell.status_code, unwell.json()) == (
        503,
        {"etat": "en_erreur", "espaces": 1, "espaces_en_erreur": 1, "journaux_indisponibles": 1},
    )
    assert (torn.status_code, decided) == (200, 200)


def test_head_is_answered_like_get_without_a_body(served: Served, http: httpx.Client) -> None:
    """``curl -I`` and supervisors that check with HEAD (RFC 9110: every GET resource
    answers HEAD): the status and headers of the GET, no body; 405 where GET is not allowed."""
    got, head = http.get("/sante"), http.head("/sante")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["content-type"] == "application/json"
    page = http.head("/interface/connexion")
    assert page.status_code == 200 and "content-security-policy" in page.headers
    assert page.content == b""
    post_only = http.head("/decisions")
    assert (post_only.status_code, post_only.headers["allow"]) == (405, "POST")
    served.wait_event(evenement="requete", methode="HEAD", chemin="/sante", statut=200)


def test_a_wrong_method_is_told_every_method_the_path_takes(served: Served, http: httpx.Client):
    """A 405's ``Allow`` names every method served at the path (RFC 9110, 15.5.6): FastAPI
    named the first route's only, so ``PUT /interface/connexion`` said « GET » though the
    login form POSTs there; HEAD goes with GET (it is answered as GET)."""
    login = http.put("/interface/connexion")
    why = http.put("/decisions/abc")
    prefixed = http.delete("/v1/espaces/defaut/politique")
    post_only = http.get("/decisions")
    assert (login.status_code, login.headers["allow"]) == (405, "GET, HEAD, POST")
    assert (why.status_code, why.headers["allow"]) == (405, "GET, HEAD")
    assert (prefixed.status_code, prefixed.headers["allow"]) == (405, "GET, HEAD")
    assert (post_only.status_code, post_only.headers["allow"]) == (405, "POST")


def test_without_tokens_only_this_machine_is_answered_no_dns_rebinding(
    served: Served, http: httpx.Client
) -> None:
    """A page of evil.example rebound to 127.0.0.1 sends ``Host: evil.example:PORT`` (and
    the same ``Origin``): without tokens, it must read nothing and log in nowhere."""
    port = served.url.rsplit(":", 1)[1]
    rebound = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
    refused = http.get("/journal", headers=rebound)
    assert (refused.status_code, refused.json()["champ"]) == (400, "Host")
    assert refused.json()["erreur"].startswith("en-tête Host refusé : sans jeton")
    login = http.post("/interface/connexion", data={"jeton": ""}, headers=rebound)
    assert login.status_code == 400 and "set-cookie" not in login.headers
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "outil.localhost", f"[::1]:{port}"):
        assert http.get("/journal", headers={"Host": host}).status_code == 200, host


def test_request_logs_are_json_lines_without_personal_data(
    served: Served, http: httpx.Client
) -> None:
    http.post("/decisions", json={**NO_PHOTO, "id": "log-1"})
    http.get("/decisions/log-1")
    event = served.wait_event(evenement="requete", chemin="/decisions/{identifiant}", statut=200)
    assert set(event) == {
        *("evenement", "methode", "chemin", "statut", "duree_ms", "espace", "horodatage")
    }
    assert (event["methode"], event["espace"]) == ("GET", "defaut")
    text = "\n".join(served.lines)
    assert "log-1" not in text and "Jeanne Roy" not in text


def test_the_log_names_the_route_of_openapi_and_static_files(
    served: Served, http: httpx.Client
) -> None:
    """/openapi.json and the pages' CSS were logged as « (chemin inconnu) » with status 200,
    mixed with the 404s of paths no route serves (what an operator greps for probes)."""
    assert http.get("/openapi.json").status_code == 200
    assert http.get("/interface/static/tamis.css").status_code == 200
    assert http.get("/sonde-inconnue").status_code == 404
    served.wait_event(evenement="requete", chemin="/openapi.json", statut=200)
    served.wait_event(evenement="requete", chemin="/interface/static/{path}", statut=200)
    unknown = [e for e in served.events() if e.get("chemin") == "(chemin inconnu)"]
    assert unknown and all(e["statut"] >= 400 for e in unknown)  # refused, never served


def test_a_retried_request_with_its_idempotency_key_is_not_decided_twice(
    http: httpx.Client, work: Path
) -> None:
    sent = [{**WITH_PHOTO, "id": "idem-1"}, {**NO_PHOTO, "id": "idem-2"}]
    headers = {"Idempotency-Key": "commande-42"}
    first = http.post("/decisions", json=sent, headers=headers)
    again = http.post("/decisions", json=sent, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.headers["idempotency-replayed"] == "false"
    assert again.headers["idempotency-replayed"] == "true"
    assert again.json() == first.json()
    assert ids_in_journal(work, "idem-1") == 1 and ids_in_journal(work, "idem-2") == 1
    other = http.post("/decisions", json=sent[:1], headers=headers)
    assert (other.status_code, other.json()) == (409, KEY_REUSED)
    fresh = http.post("/decisions", json=sent[:1], headers={"Idempotency-Key": "commande-43"})
    assert fresh.status_code == 200 and ids_in_journal(work, "idem-1") == 2
    store = work / "j.jsonl.idempotence.sqlite"
    assert store.stat().st_mode & 0o777 == 0o600


def test_an_invalid_idempotency_key_is_400(http: httpx.Client) -> None:
    answer = http.post("/decisions", json=WITH_PHOTO, headers={"Idempotency-Key": "a b"})
    assert (answer.status_code, answer.json()) == (
        400,
        {
            "erreur": "clé d'idempotence invalide : 1 à 200 caractères ASCII visibles",
            "champ": "Idempotency-Key",
        },
    )


def test_json_lines_are_decided_line_by_line(http: httpx.Client, work: Path) -> None:
    lines = [json.dumps({**WITH_PHOTO, "id": "jl-1"}), '{"id": 5', "", json.dumps(NO_PHOTO)]
    answer = http.post(
        "/decisions",
        content="\n".join(lines).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert [(d["ligne"], d["id"]) for d in body["decisions"]] == [(1, "jl-1"), (4, "a-2")]
    assert [(r["index"], r["ligne"]) for r in body["rejetees"]] == [(1, 2)]
    assert body["rejetees"][0]["erreurs"] == [
        "JSON invalide, colonne 9 (fin de données inattendue)"
    ]
    assert ids_in_journal(work, "jl-1") == 1
