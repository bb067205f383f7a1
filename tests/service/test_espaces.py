"""--config service.toml: several workspaces, hashed tokens with rights, French diagnostics."""

from __future__ import annotations

import hashlib
import re
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest
from servir_harness import BLOGUE, NO_PHOTO, POLICY, WITH_PHOTO, decisions_in, run_tamis, serve


def new_token(work: Path, space: str, rights: str) -> tuple[str, str]:
    """``tamis servir jeton``: the token printed once, and the lines for service.toml."""
    result = run_tamis("servir", "jeton", "--espace", space, "--droits", rights, cwd=work)
    assert result.returncode == 0, result.stderr
    token = re.search(r"gardez-le en lieu sûr\) : (\S+)", result.stdout)[1]
    lines = result.stdout.split("À ajouter à service.toml :\n\n", 1)[1]
    return token, lines


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("espaces")
    (folder / "essai.tamis").write_text(POLICY, encoding="utf-8")
    shutil.copy(BLOGUE, folder / "blogue.tamis")
    return folder


@pytest.fixture(scope="module")
def tokens(work: Path) -> dict[str, str]:
    made = {
        "alice": new_token(work, "alice", "decider,lire,admin"),
        "alice-lire": new_token(work, "alice", "lire"),
        "bruno": new_token(work, "bruno", "decider"),
        "bruno-lire": new_token(work, "bruno", "lire"),
        "releve": new_token(work, "alice", "lire"),  # a scraper's: listed in both workspaces
    }
    config = f"""\
# Deux personnes, deux politiques, deux journaux.
[service]
taille_max = 65536
invitations_max = 50

[espaces.alice]
politique = "essai.tamis"
journal = "alice.jsonl"
parametres = {{ connexions_min = 200 }}

{made["alice"][1]}
{made["alice-lire"][1]}
[espaces.bruno]
politique = "blogue.tamis"
journal = "journaux/bruno.jsonl"

{made["bruno"][1]}
{made["bruno-lire"][1]}
{made["releve"][1]}
{made["releve"][1].replace("[[espaces.alice.jetons]]", "[[espaces.bruno.jetons]]")}"""
    (work / "journaux").mkdir()
    (work / "service.toml").write_text(config, encoding="utf-8")
    return {name: token for name, (token, _lines) in made.items()}


@pytest.fixture(scope="module")
def served(work: Path, tokens: dict[str, str]):
    server = serve("--config", "service.toml", cwd=work)
    yield server
    assert server.stop() == 0


def test_the_token_command_prints_the_token_once_and_stores_only_its_digest(work: Path) -> None:
    token, lines = new_token(work, "alice", "lire,decider")
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert lines.splitlines()[:3] == [
        "[[espaces.alice.jetons]]",
        f'sha256 = "{digest}"',
        'droits = ["decider", "lire"]',
    ]
    assert token not in lines and len(token) > 40


def test_the_token_command_refuses_an_unknown_right(work: Path) -> None:
    result = run_tamis("servir", "jeton", "--espace", "a", "--droits", "tout", cwd=work)
    assert result.returncode == 2
    assert (
        "--droits : droit inconnu « tout » ; choisissez parmi decider, lire, admin" in result.stderr
    )


def test_each_workspace_decides_with_its_policy_and_parameters_into_its_journal(
    served, tokens, work: Path
) -> None:
    with served.client(tokens["alice"]) as alice:
        answer = alice.post("/v1/espaces/alice/decisions", json=WITH_PHOTO)
        assert answer.json()["decision"] == "examiner"  # 120 < connexions_min = 200
    with served.client(tokens["bruno"]) as bruno:
        answer = bruno.post("/v1/espaces/bruno/decisions", json={**NO_PHOTO, "id": "b-1"})
        assert answer.status_code == 200
    assert [d["id"] for d in decisions_in(work / "alice.jsonl")] == ["a-1"]
    assert [d["id"] for d in decisions_in(work / "journaux" / "bruno.jsonl")] == ["b-1"]


def test_workspaces_cannot_see_each_other(served, tokens) -> None:
    with served.client(tokens["bruno"]) as bruno:
        for path in ("/v1/espaces/alice/decisions/a-1", "/v1/espaces/personne/decisions/a-1"):
            answer = bruno.get(path)
            assert (answer.status_code, answer.json()) == (
                404,
                {"erreur": "espace inconnu", "champ": "espace"},
            )
        assert bruno.post("/v1/espaces/alice/decisions", json=WITH_PHOTO).status_code == 404
        assert bruno.get("/decisions/a-1").status_code == 404  # no workspace « defaut »


def test_the_workspace_and_the_token_are_judged_before_the_query_parameters(served, tokens) -> None:
    """An unknown parameter with an unknown workspace was a 400 for the parameter, while a
    parameter of the wrong type (``limite=abc``) was the 404: the resource comes first, on
    every route, then the token, then the parameters."""
    routes = [("GET", "/journal"), ("GET", "/stats"), ("GET", "/journal/conseils"),
              ("GET", "/politique"), ("GET", "/journal/tete"), ("GET", "/decisions/a-1"),
              ("POST", "/decisions"), ("POST", "/conseils"), ("POST", "/rejouer"),
              ("POST", "/politique/recharger")]  # fmt: skip
    with served.client(tokens["alice"]) as alice, served.client() as anonymous:
        for method, path in routes:
            unknown = alice.request(method, f"/v1/espaces/personne{path}?zz=1", json={})
            assert (unknown.status_code, unknown.json()["champ"]) == (404, "espace"), path
            other = alice.request(method, f"/v1/espaces/bruno{path}?zz=1", json={})
            assert other.status_code == 404, path  # never learns that « bruno » exists
            signed_out = anonymous.request(method, f"/v1/espaces/alice{path}?zz=1", json={})
            assert signed_out.status_code == 401, path
        mistyped = alice.get("/v1/espaces/alice/journal", params={"zz": "1"})
        assert (mistyped.status_code, mistyped.json()["champ"]) == (400, "zz")


def test_the_request_log_names_the_workspace_of_each_request(served, tokens, work) -> None:
    """The log said « /journal » for /v1/espaces/alice/journal (as for the workspace
    « defaut »), and « espace »: null for a refused request and every web page."""
    with served.client(tokens["alice"]) as alice, served.client() as anonymous:
        assert alice.get("/v1/espaces/alice/journal/tete").status_code == 200
        assert anonymous.get("/v1/espaces/bruno/journal/tete").status_code == 401
        assert alice.get("/v1/espaces/pierre-roy/journal/tete").status_code == 404
    origin = {"Origin": served.url}
    with httpx.Client(base_url=served.url, headers=origin) as browser:
        browser.post("/interface/connexion", data={"espace": "bruno", "jeton": tokens["bruno"]})
        assert browser.get("/interface/nouvelle").status_code == 200
    template = "/v1/espaces/{espace}/journal/tete"
    served.wait_event(chemin=template, statut=200, espace="alice")
    served.wait_event(chemin=template, statut=401, espace="bruno")
    unknown = served.wait_event(chemin=template, statut=404)
    assert unknown["espace"] is None  # a name no workspace has is the client's text
    served.wait_event(chemin="/interface/nouvelle", statut=200, espace="bruno")
    assert not any("pierre-roy" in line or tokens["bruno"] in line for line in served.lines)


def test_rights_are_enforced_with_403_inside_ones_own_workspace(served, tokens) -> None:
    with served.client(tokens["alice-lire"]) as reader:
        refused = reader.post("/v1/espaces/alice/decisions", json=WITH_PHOTO)
        assert (refused.status_code, refused.json()) == (
            403,
            {"erreur": "ce jeton n'a pas le droit « decider »", "champ": "Authorization"},
        )
        scope = 'Bearer realm="tamis", error="insufficient_scope"'  # RFC 6750
        assert refused.headers["www-authenticate"] == scope
        assert reader.get("/v1/espaces/alice/journal").status_code == 200
        assert reader.post("/v1/espaces/alice/politique/recharger").status_code == 403
    with served.client(tokens["bruno"]) as decider_only:
        assert decider_only.get("/v1/espaces/bruno/journal").status_code == 403
        assert decider_only.get("/metriques").status_code == 403
    with served.client("tamis_faux") as wrong:
        for path in ("/v1/espaces/alice/journal", "/v1/espaces/personne/journal", "/metriques"):
            answer = wrong.get(path)
            assert answer.status_code == 401 and answer.headers["www-authenticate"]


def test_metrics_show_only_the_workspaces_the_token_may_read(served, tokens) -> None:
    """A token of bruno read alice's rule names and counts in /metriques (and learnt that
    « alice » exists, which a 404 hides everywhere else)."""
    with served.client(tokens["alice"]) as alice:
        assert alice.post("/v1/espaces/alice/decisions", json=WITH_PHOTO).status_code == 200
    with served.client(tokens["bruno"]) as bruno:
        sent = bruno.post("/v1/espaces/bruno/decisions", json={**NO_PHOTO, "id": "b-m"})
        assert sent.status_code == 200
    seen = {}
    for name in ("alice-lire", "bruno-lire", "releve"):
        with served.client(tokens[name]) as reader:
            answer = reader.get("/metriques")
            assert answer.status_code == 200
            seen[name] = set(re.findall(r'espace="([^"]*)"', answer.text)) - {""}
            assert "tamis_requete_duree_secondes_count" in answer.text  # no workspace: shown
    assert seen == {"alice-lire": {"alice"}, "bruno-lire": {"bruno"}, "releve": {"alice", "bruno"}}


def test_the_file_limits_apply(served, tokens) -> None:
    with served.client(tokens["alice"]) as alice:
        answer = alice.post("/v1/espaces/alice/decisions", json=[WITH_PHOTO] * 51)
        assert answer.status_code == 413


CASES = [
    (
        '[espaces.a]\npolitique = "essai.tamis"\n',
        ["service.toml:1: erreur : « espaces.a.journal » manquant"],
    ),
    (
        '[service]\ntaille_max = -1\nvitesse = 3\n\n[espaces.a]\npolitique = "essai.tamis"\n'
        'journal = "a.jsonl"\nmoteur = "rete"\n',
        [
            "service.toml:2: erreur : « service.taille_max » doit être un entier positif "
            "(reçu : -1)",
            "service.toml:3: erreur : clé inconnue « service.vitesse »",
            "service.toml:8: erreur : « espaces.a.moteur » doit être l'un de natif, durable "
            '(reçu : "rete")',
        ],
    ),
    (  # values shown as the TOML the user wrote, not as Python spells them
        '[service]\ntaille_max = true\n\n[espaces.a]\npolitique = ["essai.tamis"]\n'
        'journal = "a.jsonl"\nmoteur = false\n',
        [
            "service.toml:2: erreur : « service.taille_max » doit être un entier positif "
            "(reçu : true)",
            "service.toml:5: erreur : « espaces.a.politique » doit être un chemin de fichier "
            '(reçu : ["essai.tamis"])',
            "service.toml:7: erreur : « espaces.a.moteur » doit être l'un de natif, durable "
            "(reçu : false)",
        ],
    ),
    (
        '[espaces.Alice]\npolitique = "essai.tamis"\njournal = "a.jsonl"\n\n'
        '[[espaces.Alice.jetons]]\nsha256 = "abc"\ndroits = ["lire"]\n\n'
        '[[espaces.Alice.jetons]]\nsha256 = "' + "a" * 64 + '"\ndroits = ["tout"]\n',
        [
            "service.toml:1: erreur : nom d'espace « Alice » invalide : lettres minuscules sans "
            "accents, chiffres, « - » et « _ » (64 au plus)",
            "service.toml:6: erreur : « espaces.Alice.jetons.sha256 » doit être l'empreinte "
            "SHA-256 du jeton (64 chiffres hexadécimaux en minuscules), telle que l'imprime "
            "« tamis servir jeton »",
            "service.toml:11: erreur : « espaces.Alice.jetons.droits » : droit inconnu « tout » ; "
            "choisissez parmi decider, lire, admin",
        ],
    ),
    ("[espaces.a\npolitique = 1\n", ["service.toml:1: erreur : syntaxe TOML invalide, ligne 1"]),
    (
        "# rien\n",
        ["service.toml: erreur : aucun espace : ajoutez au moins une table [espaces.NOM]"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_a_malformed_config_gets_french_diagnostics_with_lines_and_no_start(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    (tmp_path / "essai.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "service.toml").write_text(text, encoding="utf-8")
    result = run_tamis("servir", "--config", "service.toml", "--port", "0", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    for wanted, line in zip(expected, lines, strict=False):
        assert line.startswith(wanted)
    assert len([line for line in lines if "erreur :" in line]) == len(expected)
    assert "configuration « service.toml » invalide ; le service n'a pas démarré." in lines[-1]


def test_a_workspace_whose_policy_is_broken_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "casse.tamis").write_text("refuser si\n", encoding="utf-8")
    (tmp_path / "service.toml").write_text(
        '[espaces.a]\npolitique = "casse.tamis"\njournal = "a.jsonl"\n', encoding="utf-8"
    )
    result = run_tamis("servir", "--config", "service.toml", "--port", "0", cwd=tmp_path)
    assert result.returncode == 1
    assert "espace « a » : politique inutilisable :" in result.stderr
    assert "casse.tamis:1:11: erreur[E001]" in result.stderr


LIST_POLICY = """\
politique "villes"
paramètre villes = ["Québec"]
paramètre salut = "bonjour"
règle "ville" : accepter si expediteur.localisation dans villes
règle "salut" : examiner si message contient salut
sinon ignorer
"""


def test_a_parameter_table_keeps_its_values_as_typed(tmp_path: Path) -> None:
    """service.toml's values are already typed: a list item holding a comma stays one item,
    a text between « » keeps them. They used to go through ``--parametre``'s text parser,
    which split the list at every comma and unquoted the text."""
    (tmp_path / "villes.tamis").write_text(LIST_POLICY, encoding="utf-8")
    (tmp_path / "service.toml").write_text(
        '[espaces.a]\npolitique = "villes.tamis"\njournal = "a.jsonl"\n'
        'parametres = { villes = ["Montréal, Québec, Canada", "Laval"], salut = "«allô»" }\n',
        encoding="utf-8",
    )
    server = serve("--config", "service.toml", cwd=tmp_path)
    try:
        with server.client() as client:
            policy = client.get("/v1/espaces/a/politique").json()
            invitation = {**WITH_PHOTO, "id": "v-1"}
            invitation["expediteur"] = {
                **invitation["expediteur"],
                "localisation": "Montréal, Québec, Canada",
            }
            decided = client.post("/v1/espaces/a/decisions", json=invitation).json()
    finally:
        assert server.stop() == 0
    assert policy["parametres"]["villes"] == ["Montréal, Québec, Canada", "Laval"]
    assert policy["parametres"]["salut"] == "«allô»"
    assert decided["decision"] == "accepter"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "{ connexion_min = 100 }",
            "« espaces.a.parametres » : paramètre inconnu « connexion_min » ; vouliez-vous dire"
            " « connexions_min » ?",
        ),
        (
            '{ villes = "Laval" }',
            '« espaces.a.parametres » : « villes » doit être de type liste, pas texte ("Laval")',
        ),
        (
            "{ connexions_min = 100000000000000000000 }",
            "« espaces.a.parametres » : « connexions_min » doit avoir au plus 18 chiffres",
        ),
    ],
)
def test_a_wrong_parameter_table_names_the_table_not_the_option(
    tmp_path: Path, table: str, expected: str
) -> None:
    (tmp_path / "villes.tamis").write_text(LIST_POLICY, encoding="utf-8")
    (tmp_path / "service.toml").write_text(
        f'[espaces.a]\npolitique = "villes.tamis"\njournal = "a.jsonl"\nparametres = {table}\n',
        encoding="utf-8",
    )
    result = run_tamis("servir", "--config", "service.toml", "--port", "0", cwd=tmp_path)
    assert result.returncode == 1
    assert f"Erreur : espace « a » : {expected}" in result.stderr
    assert "politique inutilisable" not in result.stderr  # the policy is sound
    assert "--parametre" not in result.stderr


@pytest.mark.parametrize(
    ("option", "where"),
    [
        (["--parametre", "connexions_min=5"], "parametres = { … } dans la table de chaque espace"),
        (["--contexte", "tamis.toml"], "contexte = … dans la table de chaque espace"),
        (["--journal", "autre.jsonl"], "journal = … dans la table de chaque espace"),
        (["--moteur", "durable"], "moteur = … dans la table de chaque espace"),
        (["--durabilite", "stricte"], "durabilite = … dans [service]"),
    ],
)
def test_an_option_the_config_decides_is_refused_beside_it(
    tmp_path: Path, option: list[str], where: str
) -> None:
    """These options were silently ignored with --config: the service started without the
    context, parameter or journal the person believed they had given."""
    (tmp_path / "villes.tamis").write_text(LIST_POLICY, encoding="utf-8")
    (tmp_path / "service.toml").write_text(
        '[espaces.a]\npolitique = "villes.tamis"\njournal = "a.jsonl"\n', encoding="utf-8"
    )
    result = run_tamis("servir", "--config", "service.toml", *option, "--port", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        f"Erreur : {option[0]} ne s'emploie pas avec --config : écrivez-le dans service.toml"
        f" ({where})." in result.stderr
    )
    assert not (tmp_path / "a.jsonl").exists()


def test_two_workspaces_naming_one_journal_file_stop_the_start(tmp_path: Path) -> None:
    """The same file, spelt two ways: one chain for both, each one's tokens reading the
    other's decisions; the service used to start."""
    (tmp_path / "essai.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "journaux").mkdir()
    (tmp_path / "service.toml").write_text(
        '[espaces.a]\npolitique = "essai.tamis"\njournal = "journaux/commun.jsonl"\n'
        '[espaces.b]\npolitique = "essai.tamis"\njournal = "journaux/../journaux/commun.jsonl"\n',
        encoding="utf-8",
    )
    result = run_tamis("servir", "--config", "service.toml", "--port", "0", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Erreur : les espaces « a » (journaux/commun.jsonl) et « b » "
        "(journaux/../journaux/commun.jsonl) écrivent dans le même journal : "
        "les jetons de l'un y liraient les décisions de l'autre, et une même Idempotency-Key y "
        "recevrait la réponse que l'autre a donnée. Donnez à chaque espace son journal : un "
        "autre fichier, ou un autre schéma PostgreSQL de la base (options=-csearch_path%3DNOM "
        "dans l'URL, après CREATE SCHEMA NOM et tamis journal initialiser) ; le service n'a pas "
        "démarré."
    )


def test_two_workspaces_appending_seals_to_one_file_stop_the_start(tmp_path: Path) -> None:
    """Seals of two journals in one file: tamis journal verifier --sceau checked each one's
    seals against the other journal and said it was cut short (« journal tronqué ou
    remplacé »), a false alarm of tampering; the service used to start."""
    (tmp_path / "essai.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "service.toml").write_text(
        "".join(
            f'[espaces.{name}]\npolitique = "essai.tamis"\njournal = "{name}.jsonl"\n'
            'sceaux = "sceaux.txt"\n'
            for name in ("a", "b")
        ),
        encoding="utf-8",
    )
    result = run_tamis("servir", "--config", "service.toml", "--port", "0", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Erreur : les espaces « a » et « b » ajoutent leurs sceaux au même fichier (sceaux.txt) "
        ": tamis journal verifier --sceau y vérifierait les sceaux de chaque journal contre "
        "l'autre, et le dirait tronqué. Donnez à chaque espace son fichier de sceaux (« sceaux » "
        "dans [espaces.NOM]) ; le service n'a pas démarré."
    )
    assert not (tmp_path / "sceaux.txt").exists()


def test_two_workspaces_naming_hard_links_of_one_journal_stop_the_start(tmp_path: Path) -> None:
    """Two names of one file (a hard link): the check compared paths only, and the service
    started with one chain for both workspaces."""
    (tmp_path / "essai.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "a.jsonl").touch(mode=0o600)
    (tmp_path / "b.jsonl").hardlink_to(tmp_path / "a.jsonl")
    (tmp_path / "service.toml").write_text(
        '[espaces.a]\npolitique = "essai.tamis"\njournal = "a.jsonl"\n'
        '[espaces.b]\npolitique = "essai.tamis"\njournal = "b.jsonl"\n',
        encoding="utf-8",
    )
    result = run_tamis("servir", "--config", "service.toml", "--port", "0", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "Erreur : les espaces « a » (a.jsonl) et « b » (b.jsonl) écrivent dans le même journal"
        )
    )


def test_two_workspaces_naming_hard_links_of_one_seal_file_stop_the_start(tmp_path: Path) -> None:
    """Seals appended to one file under two names (a hard link): the service used to start,
    and verifier --sceau then called each journal cut short."""
    (tmp_path / "essai.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "sceaux-a.txt").touch()
    (tmp_path / "sceaux-b.txt").hardlink_to(tmp_path / "sceaux-a.txt")
    (tmp_path / "service.toml").write_text(
        "".join(
            f'[espaces.{name}]\npolitique = "essai.tamis"\njournal = "{name}.jsonl"\n'
            f'sceaux = "sceaux-{name}.txt"\n'
            for name in ("a", "b")
        ),
        encoding="utf-8",
    )
    result = run_tamis("servir", "--config", "service.toml", "--port", "0", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Erreur : les espaces « a » et « b » ajoutent leurs sceaux au même fichier (sceaux-a.txt, "
        "que « b » nomme sceaux-b.txt) : tamis journal verifier --sceau y vérifierait les sceaux "
        "de chaque journal contre l'autre, et le dirait tronqué. Donnez à chaque espace son "
        "fichier de sceaux (« sceaux » dans [espaces.NOM]) ; le service n'a pas démarré."
    )


def test_journal_and_token_variables_beside_config_are_named_at_start(tmp_path: Path) -> None:
    """$TAMIS_JOURNAL and $TAMIS_JETON do not apply with --config; whoever exported them
    believed they did, and the service started without a word."""
    (tmp_path / "essai.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "service.toml").write_text(
        '[espaces.a]\npolitique = "essai.tamis"\njournal = "a.jsonl"\n', encoding="utf-8"
    )
    variables = {"TAMIS_JOURNAL": "postgresql://moi:secret@db/tamis", "TAMIS_JETON": "abc"}
    server = serve("--config", "service.toml", cwd=tmp_path, env=variables)
    assert server.stop() == 0
    warnings = [e["message"] for e in server.events() if e["evenement"] == "avertissement"]
    assert warnings == [
        "la variable TAMIS_JOURNAL (postgresql://moi@db/tamis) ne s'applique pas avec --config :"
        " chaque espace écrit dans le journal que nomme service.toml (« a » : a.jsonl). "
        "Retirez-la de l'environnement du service, ou nommez ce journal dans service.toml "
        "(journal = … dans [espaces.NOM]).",
        "la variable TAMIS_JETON ne s'applique pas avec --config : le service n'accepte que les "
        "jetons de service.toml ([[espaces.NOM.jetons]], créés par « tamis servir jeton "
        "--espace NOM ») ; il n'en nomme aucun : le service n'en demande pas.",
    ]


def test_a_warning_at_the_start_check_is_an_avertissement_line_like_the_others(
    tmp_path: Path,
) -> None:
    """The check before the socket logged its warnings with the text as the event
    (« "evenement": "espace « a » : a.jsonl est lisible par d'autres … » »), no « message »:
    a collector picking the « avertissement » lines missed them."""
    (tmp_path / "essai.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "a.jsonl").touch(mode=0o644)
    (tmp_path / "a.jsonl").chmod(0o644)
    (tmp_path / "service.toml").write_text(
        '[espaces.a]\npolitique = "essai.tamis"\njournal = "a.jsonl"\n', encoding="utf-8"
    )
    server = serve("--config", "service.toml", cwd=tmp_path)
    assert server.stop() == 0
    known = {"avertissement", "demarrage", "requete", "arret"}  # requete: /sante, asked at start
    assert {e["evenement"] for e in server.events()} <= known, server.lines
    said = [e["message"] for e in server.events() if e["evenement"] == "avertissement"]
    assert said and all(
        m.startswith("espace « a » : a.jsonl est lisible par d'autres") for m in said
    )


@pytest.mark.parametrize("processes", ["1", "2"])
def test_start_warnings_are_said_once_and_a_sighup_says_the_variable_again(
    tmp_path: Path, processes: str
) -> None:
    """The start check's warning (a journal readable by others) was logged by the check and
    again by each worker process (three times with --processus 2, twice with one); and a
    SIGHUP reloaded without repeating that $TAMIS_JOURNAL does not apply, though it still
    did not. Now each is said once at start, and the variable's once more per SIGHUP."""
    (tmp_path / "essai.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "a.jsonl").touch(mode=0o644)
    (tmp_path / "a.jsonl").chmod(0o644)
    (tmp_path / "service.toml").write_text(
        '[espaces.a]\npolitique = "essai.tamis"\njournal = "a.jsonl"\n', encoding="utf-8"
    )
    variables = {"TAMIS_JOURNAL": "autre.jsonl"}
    server = serve(
        "--config", "service.toml", "--processus", processes, cwd=tmp_path, env=variables
    )

    def said() -> list[str]:
        return [e["message"][:28] for e in server.events() if e["evenement"] == "avertissement"]

    variable, sent, last = "la variable TAMIS_JOURNAL (a", 0, 0.0
    try:
        deadline = time.monotonic() + 60
        while said().count(variable) < 2:
            assert time.monotonic() < deadline, server.lines
            # A SIGHUP sent right after the start was once not seen (a CI run, --processus 2;
            # its cause is not found: lead's closing note, session 20). It is sent again
            # after 10 s without its warning, as an operator would.
            if time.monotonic() > last + 10:
                server.send(signal.SIGHUP)
                sent, last = sent + 1, time.monotonic()
            time.sleep(0.05)
        time.sleep(0.5)  # a SIGHUP sent twice whose first was only slow: said twice
    finally:
        assert server.stop() == 0
    found = said()
    assert found.count("espace « a » : a.jsonl est l") == 1, server.lines
    assert 2 <= found.count(variable) <= 1 + sent and len(found) == 1 + found.count(variable)


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_reload_over_http_does_not_say_the_start_warnings_again(
    tmp_path: Path, processes: str
) -> None:
    """A single process says that $TAMIS_JOURNAL does not apply at start and on SIGHUP, not
    when a policy is reloaded over HTTP; under --processus 2, the worker asked its parent to
    have the others reload with a SIGHUP, which the parent took for an operator's and said
    the warning again. Now both say it once, at start."""
    (tmp_path / "essai.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "service.toml").write_text(
        '[espaces.a]\npolitique = "essai.tamis"\njournal = "a.jsonl"\n', encoding="utf-8"
    )
    variables = {"TAMIS_JOURNAL": "autre.jsonl"}
    server = serve(
        "--config", "service.toml", "--processus", processes, cwd=tmp_path, env=variables
    )
    try:
        with server.client() as http:
            assert http.post("/v1/espaces/a/politique/recharger").status_code == 200
        if processes == "2":  # forwarded: the worker that answered reloads (SIGHUP), once the
            # parent said what it says on that turn (another still starting only catches up)
            server.wait_event(30, evenement="rechargement")
    finally:
        assert server.stop() == 0
    said = [e["message"] for e in server.events() if e["evenement"] == "avertissement"]
    assert len(said) == 1 and said[0].startswith("la variable TAMIS_JOURNAL"), server.lines
