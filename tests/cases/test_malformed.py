# ruff: noqa: E501 (diagnostics are compared verbatim)
"""Malformed test files: every problem reported in French with file:line:col, a caret and a
hint, the valid neighbours still run, and the command exits 1."""

from __future__ import annotations

import json
from pathlib import Path

from cases_helpers import POLICY, project, run_tester, write

from tamis.cases.problems import CODES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "tester.md"

BROKEN = """\
[[cas]]
nom = "sans photo"
invitation.expediteur = { photo = false, conexions = 3 }
attendu.decision = "refusr"
attendu.faits = { sans_phot = "vrai", sans_photo = 3 }

[[cas]]
nom = "sans photo"
invitaton = {}
attendu = { decision = "refuser", regle = "fotos" }
parametres = { connexion_min = 3 }

[[cas]]
nom = "paramètre mal typé"
invitation.expediteur = { photo = false }
parametres = { connexions_min = "beaucoup" }
attendu = { decision = "refuser", regle = "photo" }

[[cas]]
nom = "le bon voisin"
invitation.expediteur = { photo = false }
attendu = { decision = "refuser", regle = "photo" }
"""

EXPECTED = """\
essai.cas.toml:3:42: erreur[C009]: champ « expediteur.conexions » inconnu de l'invitation
 3 | invitation.expediteur = { photo = false, conexions = 3 }
   |                                          ^^^^^^^^^
  aide : vouliez-vous dire « expediteur.connexions » ?

essai.cas.toml:4:20: erreur[C005]: décision inconnue « refusr »
 4 | attendu.decision = "refusr"
   |                    ^^^^^^^^
  aide : vouliez-vous dire « refuser » ?

essai.cas.toml:5:19: erreur[C007]: fait inconnu « sans_phot »
 5 | attendu.faits = { sans_phot = "vrai", sans_photo = 3 }
   |                   ^^^^^^^^^
  aide : vouliez-vous dire « sans_photo » ?

essai.cas.toml:5:52: erreur[C008]: « sans_photo » est de type booléen : attendu « vrai », « faux » ou « inconnu »
 5 | attendu.faits = { sans_phot = "vrai", sans_photo = 3 }
   |                                                    ^

essai.cas.toml:7:1: erreur[C004]: clé « invitation » absente : une table, ou le chemin d'un fichier JSON
 7 | [[cas]]
   | ^^^^^^^

essai.cas.toml:8:7: erreur[C013]: deux cas s'appellent « sans photo » (le cas n° 1 aussi)
 8 | nom = "sans photo"
   |       ^^^^^^^^^^^^

essai.cas.toml:9:1: erreur[C002]: clé inconnue « cas[2].invitaton »
 9 | invitaton = {}
   | ^^^^^^^^^
  aide : vouliez-vous dire « invitation » ?

essai.cas.toml:10:43: erreur[C006]: la politique n'a pas de règle « fotos »
 10 | attendu = { decision = "refuser", regle = "fotos" }
    |                                           ^^^^^^^
  aide : vouliez-vous dire « photo » ?

essai.cas.toml:11:16: erreur[C011]: paramètre inconnu « connexion_min »
 11 | parametres = { connexion_min = 3 }
    |                ^^^^^^^^^^^^^
  aide : vouliez-vous dire « connexions_min » ?

essai.cas.toml:16:33: erreur[C011]: « cas[3].parametres.connexions_min » doit être de type nombre
 16 | parametres = { connexions_min = "beaucoup" }
    |                                 ^^^^^^^^^^

1 réussi, 0 échoué, 3 en erreur
"""


def test_every_problem_is_reported_in_place_and_the_valid_case_still_runs(
    tmp_path: Path, monkeypatch
) -> None:
    project(tmp_path, BROKEN)
    monkeypatch.chdir(tmp_path)
    result = run_tester("essai.cas.toml")
    assert result.exit_code == 1
    assert result.output == EXPECTED


def test_toml_syntax_error_names_line_and_column(tmp_path: Path, monkeypatch) -> None:
    project(tmp_path, '[[cas]]\nnom = "a\n')
    monkeypatch.chdir(tmp_path)
    result = run_tester("essai.cas.toml")
    assert result.exit_code == 1
    assert result.output.splitlines()[:3] == [
        "essai.cas.toml:2:9: erreur[C001]: syntaxe TOML invalide, ligne 2, colonne 9 :"
        " texte non terminé avant la fin de la ligne (guillemet fermant manquant)",
        ' 2 | nom = "a',
        "   |         ^",
    ]
    assert result.output.endswith("0 réussi, 0 échoué, 1 en erreur\n")


def test_a_file_without_cases_or_policy(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "vide.cas.toml", "# rien\n")
    write(
        tmp_path,
        "libre.toml",
        '[[cas]]\nnom = "a"\ninvitation = {}\nattendu.decision = "refuser"\n',
    )
    result = run_tester("vide.cas.toml", "libre.toml")
    assert result.exit_code == 1
    assert "vide.cas.toml: erreur[C014]: aucun cas : ajoutez au moins une table [[cas]]" in (
        result.output
    )
    assert (
        "libre.toml: erreur[C004]: clé « politique » absente : le fichier ne s'appelle pas"
        " NOM.cas.toml" in result.output
    )


def test_a_broken_policy_is_reported_on_its_test_file(tmp_path: Path, monkeypatch) -> None:
    project(tmp_path, policy="refuser si sans_phot\n")
    monkeypatch.chdir(tmp_path)
    result = run_tester("essai.cas.toml")
    assert result.exit_code == 1
    assert result.output == (
        "essai.cas.toml: erreur[C012]: politique « essai.tamis » inutilisable"
        " (ses erreurs suivent)\n"
        "\n"
        "essai.tamis:1:12: erreur[E011]: fait ou paramètre inconnu « sans_phot »\n"
        " 1 | refuser si sans_phot\n"
        "   |            ^^^^^^^^^\n"
        "  aide : vouliez-vous dire « sans_photo » ?\n"
        "\n"
        "0 réussi, 0 échoué, 1 en erreur\n"
    )
    write(tmp_path, "seul.cas.toml", 'politique = "absente.tamis"\n' + BROKEN.split("\n\n")[-1])
    result = run_tester("seul.cas.toml")
    assert result.output.startswith(
        "seul.cas.toml:1:13: erreur[C012]: politique « absente.tamis » inutilisable"
        " (ses erreurs suivent)\n"
        ' 1 | politique = "absente.tamis"\n'
    )
    assert "absente.tamis: erreur[E" in result.output


def test_invitation_from_a_json_file_and_inline_context(tmp_path: Path) -> None:
    write(tmp_path, "inv.json", json.dumps({"id": "x", "expediteur": {"nom": "Léa Roy"}}))
    cases = """\
[[cas]]
nom = "contact"
invitation = "inv.json"
reseau.contacts = ["Léa Roy"]
attendu = { decision = "accepter", faits = { connu = "vrai" } }

[[cas]]
nom = "sans contexte"
invitation = "inv.json"
attendu = { decision = "examiner", faits = { connu = "inconnu" } }

[[cas]]
nom = "fichier absent"
invitation = "absent.json"
attendu = { decision = "examiner" }
"""
    project(tmp_path, cases, policy="accepter si connu\nsinon examiner\n")
    result = run_tester(str(tmp_path))
    assert result.exit_code == 1
    assert "erreur[C009]: fichier d'invitation illisible : " in result.output
    assert "  aide : le chemin est relatif au dossier du fichier de cas" in result.output
    assert result.output.endswith("2 réussis, 0 échoué, 1 en erreur\n")


def test_an_invitation_file_is_read_as_decider_reads_it(tmp_path: Path, monkeypatch) -> None:
    """Its problems were orjson's English (« invalid literal, expected 'false': line 1
    column 26 (char 25) », « Input is a zero-length, empty document »), and a file an editor
    saved with a BOM, which decider reads, was refused."""
    files = {
        "faute.json": b'{"expediteur": {"photo": fals}}',
        "latin.json": b'{"expediteur": {"nom": "\xe9"}}',
        "nan.json": b'{"expediteur":\n {"connexions": NaN}}',
        "vide.json": b"",
        "bom.json": b'\xef\xbb\xbf{"expediteur": {"photo": false}}',
    }
    cases = ""
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        cases += f'[[cas]]\nnom = "{name}"\ninvitation = "{name}"\nattendu.decision = "refuser"\n\n'
    project(tmp_path, cases)
    monkeypatch.chdir(tmp_path)
    result = run_tester("essai.cas.toml")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "erreur[" in line]
    assert errors == [
        "essai.cas.toml:3:14: erreur[C009]: faute.json:1 : JSON invalide, colonne 26 (mot inconnu : seuls true, false et null s'écrivent sans guillemets)",
        "essai.cas.toml:8:14: erreur[C009]: latin.json : le fichier n'est pas en UTF-8 (octet 0xe9 à la ligne 1, colonne 25) ; réenregistrez-le en UTF-8",
        "essai.cas.toml:13:14: erreur[C009]: nan.json:2 : JSON invalide, colonne 17 (NaN et Infinity ne sont pas des nombres JSON)",
        "essai.cas.toml:18:14: erreur[C009]: vide.json : un objet JSON était attendu",
    ]
    assert result.output.endswith("1 réussi, 0 échoué, 4 en erreur\n")


def test_a_context_problem_points_at_the_context_key(tmp_path: Path, monkeypatch) -> None:
    cases = """\
contexte = "absent.toml"

[[cas]]
nom = "a"
invitation = {}
attendu.decision = "examiner"

[[cas]]
nom = "b"
invitation = {}
moi = { age = 3 }
attendu.decision = "examiner"
"""
    project(tmp_path, cases)
    monkeypatch.chdir(tmp_path)
    result = run_tester("essai.cas.toml")
    assert result.exit_code == 1
    assert "essai.cas.toml:1:12: erreur[C010]: absent.toml : fichier de contexte illisible" in (
        result.output
    )
    assert (
        "essai.cas.toml:8:1: erreur[C010]: essai.cas.toml : clé « moi.age » : clé inconnue ;"
        in result.output
    )


def test_every_code_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for code in CODES:
        assert f"`{code}`" in text, code


def test_policy_text_is_the_helper_policy() -> None:
    assert POLICY.startswith('politique "Essai"')


def test_case_parameters_keep_the_bounds_decider_keeps(tmp_path: Path, monkeypatch) -> None:
    """A negative, not finite or 19-digit value ran the case with a value ``decider`` refuses
    (``connexions_min = -5`` made a case pass that no real run could reproduce)."""
    cases = "".join(
        f'[[cas]]\nnom = "{name}"\ninvitation.expediteur = {{ connexions = 3 }}\n'
        f'parametres = {{ connexions_min = {value} }}\nattendu.decision = "examiner"\n\n'
        for name, value in (("négatif", "-5"), ("pas un nombre", "nan"), ("long", "9" * 19))
    )
    project(
        tmp_path, cases + '[[cas]]\nnom = "bon"\ninvitation = {}\nattendu.decision = "examiner"\n'
    )
    monkeypatch.chdir(tmp_path)
    result = run_tester("essai.cas.toml")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "erreur[" in line]
    assert errors == [
        "essai.cas.toml:4:33: erreur[C011]: « cas[1].parametres.connexions_min » ne doit pas être négatif (reçu : -5)",
        "essai.cas.toml:10:33: erreur[C011]: « cas[2].parametres.connexions_min » doit être un nombre fini (reçu : nan)",
        "essai.cas.toml:16:33: erreur[C011]: « cas[3].parametres.connexions_min » doit avoir au plus 18 chiffres (reçu : 19 chiffres)",
    ]
    assert result.output.endswith("1 réussi, 0 échoué, 3 en erreur\n")


def test_a_case_file_that_is_not_utf8_names_the_line_and_the_column_of_the_byte(
    tmp_path: Path,
) -> None:
    """The place of the first byte that is not UTF-8 is its line and its column in characters
    of that line; it was the byte's offset in the whole file (here « position 65 »)."""
    project(tmp_path)
    text = '[[cas]]\nnom = "été"\ninvitation = {}\nattendu.decision = "examiné"\n'
    data = text.encode("utf-8").replace("examiné".encode(), "examin\xe9".encode("latin-1"))
    (tmp_path / "essai.cas.toml").write_bytes(data)
    result = run_tester(str(tmp_path / "essai.cas.toml"))
    assert result.exit_code == 1
    assert (
        "le fichier de cas n'est pas en UTF-8 (octet 0xe9 à la ligne 4, colonne 27) ;"
        " réenregistrez-le en UTF-8"
    ) in result.output


def test_a_wrong_value_is_shown_as_toml_and_a_wrong_policy_key_is_not_also_missing(
    tmp_path: Path,
) -> None:
    """« (reçu : "examiner") » and « (reçu : true) » as the file writes them, not Python's
    'examiner' and True; a « politique » of the wrong type is that error alone, not also
    « clé « politique » absente »."""
    write(tmp_path, "essai.tamis", POLICY)
    cases = 'politique = 5\n\n[[cas]]\nnom = true\ninvitation = {}\nattendu = "examiner"\n'
    write(tmp_path, "autres.toml", cases)
    result = run_tester(str(tmp_path / "autres.toml"))
    assert result.exit_code == 1
    errors = [line.split(": ", 1)[1] for line in result.output.splitlines() if "erreur[" in line]
    assert errors == [
        "erreur[C003]: « politique » doit être un chemin (texte) (reçu : 5)",
        "erreur[C003]: « cas[1].nom » doit être un texte (reçu : true)",
        'erreur[C003]: « cas[1].attendu » doit être une table (attendu.decision = …) (reçu : "examiner")',
    ]


def test_a_blank_case_name_is_an_error_and_its_neighbour_runs(tmp_path: Path, monkeypatch) -> None:
    """``nom = "  "`` was accepted: the report then named a case by nothing at all."""
    cases = (
        '[[cas]]\nnom = "  "\ninvitation.expediteur = { photo = false }\n'
        'attendu.decision = "refuser"\n\n'
        '[[cas]]\nnom = "voisin"\ninvitation.expediteur = { photo = false }\n'
        'attendu = { decision = "refuser", regle = "photo" }\n'
    )
    project(tmp_path, cases)
    monkeypatch.chdir(tmp_path)
    result = run_tester("essai.cas.toml")
    assert result.exit_code == 1
    assert result.output.splitlines()[:3] == [
        "essai.cas.toml:2:7: erreur[C003]: « cas[1].nom » est vide : chaque cas a un nom, que les"
        " rapports affichent",
        ' 2 | nom = "  "',
        "   |       ^^^^",
    ]
    assert result.output.endswith("1 réussi, 0 échoué, 1 en erreur\n")


def test_a_case_file_saved_by_notepad_with_a_bom_and_crlf_is_read(tmp_path):
    """A byte-order mark was « syntaxe TOML invalide, ligne 1, colonne 1 » (the policy, the
    invitation files and service.toml accept it), and the excerpt of a diagnostic in a CRLF
    file ended its line with « \\r »."""
    project(tmp_path)
    text = (
        '\ufeff[[cas]]\r\nnom = "sans photo"\r\ninvitation.expediteur = { photo = false }\r\n'
        'attendu = { decision = "refuser", regle = "fotos" }\r\n'
    )
    (tmp_path / "essai.cas.toml").write_bytes(text.encode("utf-8"))
    result = run_tester(str(tmp_path / "essai.cas.toml"))
    assert result.exit_code == 1
    assert result.output.startswith(
        f"{tmp_path / 'essai.cas.toml'}:4:43: erreur[C006]: la politique n'a pas de règle « fotos »\n"
        ' 4 | attendu = { decision = "refuser", regle = "fotos" }\n'
        "   | " + " " * 42 + "^^^^^^^\n"
    )
