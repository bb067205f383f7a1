"""``--couverture``: counts per rule, definition and condition, and the French « why » of what
no case exercised."""

from __future__ import annotations

import json
from pathlib import Path

from cases_helpers import project, run_tester

POLICY = """\
définir suspect si peu_de_connexions et sans_recommandations
règle "photo" : refuser si sans_photo
règle "suspect" : refuser si suspect
règle "hors domaine" : ignorer si non pertinent
règle "vente" : refuser si pitch_de_vente et non connu
accepter si expediteur.connexions >= connexions_min
sinon examiner
"""

CASES = """\
[[cas]]
nom = "sans photo, suspect aussi"
invitation.expediteur = { photo = false, connexions = 3, recommandations = 0 }
attendu.decision = "refuser"
attendu.regle = "photo"

[[cas]]
nom = "établi"
invitation.expediteur = { photo = true, connexions = 300, recommandations = 1 }
attendu.decision = "accepter"

[[cas]]
nom = "rien"
invitation = {}
attendu.decision = "examiner"
"""


def test_coverage_counts_and_explains_the_gaps(tmp_path: Path, monkeypatch) -> None:
    project(tmp_path, CASES, POLICY)
    monkeypatch.chdir(tmp_path)
    result = run_tester("essai.tamis", "--couverture")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Couverture de essai.tamis : 3 règle(s) sur 5 déclenchée(s) (60 %), 3 cas\n"
        "  règles (décisive / battue / inconnue / fausse) :\n"
        "    règle « photo » (ligne 2) : 1 / 0 / 1 / 1\n"
        "    règle « suspect » (ligne 3) : 0 / 1 / 1 / 1\n"
        "    règle « hors domaine » (ligne 4) : 0 / 0 / 3 / 0\n"
        "    règle « vente » (ligne 5) : 0 / 0 / 3 / 0\n"
        "    règle de la ligne 6 : 1 / 0 / 1 / 1\n"
        "    sinon : 1\n"
        "  définitions (vraie / fausse / inconnue) :\n"
        "    suspect : 1 / 1 / 1\n"
        "  conditions (vraie / fausse / inconnue) :\n"
        "    ligne 1 : peu_de_connexions : 1 / 1 / 1\n"
        "    ligne 1 : sans_recommandations : 1 / 1 / 1\n"
        "    ligne 2 : sans_photo : 1 / 1 / 1\n"
        "    ligne 3 : suspect : 1 / 1 / 1\n"
        "    ligne 4 : pertinent : 0 / 0 / 3\n"
        "    ligne 5 : pitch_de_vente : 0 / 0 / 3\n"
        "    ligne 5 : connu : 0 / 0 / 3\n"
        "    ligne 6 : expediteur.connexions >= connexions_min : 1 / 1 / 1\n"
        "  jamais exercé :\n"
        "    ligne 3 : règle « suspect » : jamais décisive : vraie dans 1 cas, chaque fois"
        " battue par une autre règle\n"
        "    ligne 4 : règle « hors domaine » : jamais vraie : aucun cas n'a pertinent = faux\n"
        "    ligne 4 : condition pertinent (règle « hors domaine ») : jamais vraie ni fausse\n"
        "    ligne 5 : règle « vente » : jamais vraie : aucun cas n'a pitch_de_vente = vrai ;"
        " aucun cas n'a connu = faux\n"
        "    ligne 5 : condition pitch_de_vente (règle « vente ») : jamais vraie ni fausse\n"
        "    ligne 5 : condition connu (règle « vente ») : jamais vraie ni fausse\n"
        "\n"
        "3 réussis, 0 échoué\n"
    )


def test_coverage_minimum(tmp_path: Path) -> None:
    path = project(tmp_path, CASES, POLICY)
    assert run_tester(str(path), "--couverture-min", "60").exit_code == 0
    result = run_tester(str(path), "--couverture-min", "60.5")
    assert result.exit_code == 1
    assert (
        f"couverture insuffisante : {tmp_path / 'essai.tamis'} : 3 règle(s) sur 5"
        " déclenchée(s), moins que 60,5 %\n" in result.output
    )
    result = run_tester(str(path), "--couverture-min", "101")
    assert result.exit_code == 2
    for not_a_number in ("nan", "NaN"):  # no coverage is below NaN: the gate would never fail
        result = run_tester(str(path), "--couverture-min", not_a_number)
        assert result.exit_code == 2
        assert "nan n'est pas un nombre ; un pourcentage de 0 à 100 est attendu." in result.output


def test_coverage_in_json(tmp_path: Path) -> None:
    path = project(tmp_path, CASES, POLICY)
    data = json.loads(run_tester(str(path), "--couverture", "--format", "json").output)
    (policy,) = data["couverture"]
    assert policy["pourcentage"] == 60.0
    assert policy["regles"][1] == {
        "regle": "suspect",
        "ligne": 3,
        "decisive": 0,
        "battue": 1,
        "inconnue": 1,
        "fausse": 1,
    }
    assert policy["definitions"] == [
        {"definition": "suspect", "vraie": 1, "fausse": 1, "inconnue": 1}
    ]
    gap = {"ligne": 4, "quoi": "règle « hors domaine »"}
    gap["pourquoi"] = "jamais vraie : aucun cas n'a pertinent = faux"
    assert gap in policy["jamais_exerce"]


def test_conditions_met_apart_but_never_together(tmp_path: Path) -> None:
    cases = """\
[[cas]]
nom = "vente d'un contact"
invitation.message = "Notre plateforme : réservez un appel, essai gratuit."
reseau.contacts = ["Léa Roy"]
invitation.expediteur = { nom = "Léa Roy" }
attendu.decision = "examiner"

[[cas]]
nom = "inconnu poli"
invitation.message = "Bonjour Léa, au plaisir."
reseau.contacts = ["Marc Roy"]
invitation.expediteur = { nom = "Léa Roy" }
attendu.decision = "examiner"
"""
    path = project(tmp_path, cases, 'règle "vente" : refuser si pitch_de_vente et non connu\n')
    result = run_tester(str(path), "--couverture")
    assert (
        "    ligne 1 : règle « vente » : jamais vraie : chaque condition a pris la valeur voulue"
        " dans un cas, jamais toutes ensemble\n" in result.output
    )


def test_a_definition_never_true_says_which_condition_no_case_gave(tmp_path: Path) -> None:
    cases = """\
[[cas]]
nom = "établi"
invitation.expediteur = { photo = true, connexions = 300, recommandations = 0 }
attendu.decision = "accepter"
"""
    path = project(tmp_path, cases, POLICY)
    result = run_tester(str(path), "--couverture")
    assert (
        "    ligne 1 : définition suspect : jamais vraie : aucun cas n'a peu_de_connexions = vrai\n"
        in result.output
    )


def test_a_policy_without_decision_rules_has_nothing_to_cover(tmp_path: Path) -> None:
    """It read « 0 règle(s) sur 0 déclenchée(s) (100 %) » above an empty « conditions »
    heading, and « pourcentage »: 100.0 in JSON."""
    cases = '[[cas]]\nnom = "un"\ninvitation = {}\nattendu.decision = "accepter"\n'
    path = project(tmp_path, cases, "sinon accepter\n")
    result = run_tester(str(path), "--couverture")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Couverture de {tmp_path / 'essai.tamis'} : aucune règle de décision, rien à"
        " couvrir ; 1 cas (sinon : 1)\n"
        "\n1 réussi, 0 échoué\n"
    )
    data = json.loads(run_tester(str(path), "--couverture", "--format", "json").output)
    assert data["couverture"][0]["pourcentage"] is None
    assert run_tester(str(path), "--couverture-min", "100").exit_code == 0  # nothing is missing
