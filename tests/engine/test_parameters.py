"""Effective parameters: precedence, NOM=VAL parsing by type, French errors; engine choice."""

from __future__ import annotations

import pytest
from native_helpers import build, load

from tamis.engine import engines
from tamis.engine.compile import NativePolicy
from tamis.engine.decision import EngineName
from tamis.engine.parameters import ParameterError, effective_parameters, parse_number
from tamis.grammar import ast

POLICY = """sinon accepter
paramètre vedette_min = 20000
paramètre mots = ["Finance", "RH"]
paramètre strict = vrai
paramètre salutation = "Bonjour"
refuser si expediteur.connexions < connexions_min ou expediteur.connexions > vedette_min
signaler si expediteur.secteur dans mots et strict
examiner si message commence par salutation
"""


@pytest.fixture(scope="module")
def policy():
    return load(POLICY)


def test_precedence_vocabulary_context_policy_command_line(policy):
    assert policy.parameters["connexions_min"] == 50  # vocabulary default
    context = {"connexions_min": 80, "vedette_min": 5, "seuil_commercial": 0.7}
    values = effective_parameters(policy, context, [])
    assert values["connexions_min"] == 80  # the context beats the vocabulary
    assert values["vedette_min"] == 20000  # the policy beats the context
    assert values["seuil_commercial"] == 0.7
    values = effective_parameters(policy, context, ["vedette_min=300", "connexions_min=10"])
    assert (values["vedette_min"], values["connexions_min"]) == (300, 10)


def test_unknown_context_parameters_are_ignored(policy):
    values = effective_parameters(policy, {"autre_politique": 3}, [])
    assert "autre_politique" not in values


def test_context_values_are_type_checked(policy):
    with pytest.raises(ParameterError) as error:
        effective_parameters(policy, {"connexions_min": "cinquante"}, [])
    assert str(error.value) == (
        "[parametres] du contexte : « connexions_min » doit être de type nombre, "
        'pas texte ("cinquante")'
    )


def test_context_lists_become_tuples():
    in_list = ast.Compare(ast.Op.IN, ast.Ref("message"), ast.Ref("mots"))
    policy = build(ast.Rule(ast.Action.REFUSER, in_list), defaults={"mots": ("a",)})
    assert effective_parameters(policy, {"mots": ["x", "y"]}, [])["mots"] == ("x", "y")


@pytest.mark.parametrize(
    ("override", "name", "value"),
    [
        ("connexions_min=100", "connexions_min", 100),
        ("seuil_commercial=0.7", "seuil_commercial", 0.7),
        ("seuil_commercial=0,7", "seuil_commercial", 0.7),
        (" connexions_min = 3 ", "connexions_min", 3),
        ("strict=faux", "strict", False),
        ("strict=OUI", "strict", True),
        ("strict=true", "strict", True),
        ("strict=non", "strict", False),
        ("salutation=Salut toi", "salutation", "Salut toi"),
        ('salutation="  Allo "', "salutation", "  Allo "),
        ("salutation=« Allo »", "salutation", "Allo"),
        ("mots=vente, démo ,,achat", "mots", ("vente", "démo", "achat")),
        ("mots=", "mots", ()),
        ("salutation=a=b", "salutation", "a=b"),
    ],
)
def test_overrides_parse_by_type(policy, override, name, value):
    assert effective_parameters(policy, {}, [override])[name] == value


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "conexions_min=100",
            "--parametre conexions_min=100 : paramètre inconnu « conexions_min » ; "
            "vouliez-vous dire « connexions_min » ?",
        ),
        (
            "zzz=1",
            "--parametre zzz=1 : paramètre inconnu « zzz » (paramètres connus : "
            "« connexions_min », « mots », « salutation », « sections_manquantes_min », "
            "« seuil_commercial », « strict », « vedette_min »)",
        ),
        (
            "connexions_min",
            "--parametre connexions_min : attendu NOM=VALEUR (ex. connexions_min=100)",
        ),
        ("=3", "--parametre =3 : attendu NOM=VALEUR (ex. connexions_min=100)"),
        (
            "connexions_min=beaucoup",
            "--parametre connexions_min=beaucoup : « beaucoup » n'est pas un nombre "
            "(ex. 50 ou 0,5)",
        ),
        (
            "strict=peut-être",
            "--parametre strict=peut-être : « peut-être » n'est pas un booléen "
            "(vrai, faux, oui, non, true, false)",
        ),
    ],
)
def test_bad_overrides_say_why_in_french(policy, override, message):
    with pytest.raises(ParameterError) as error:
        effective_parameters(policy, {}, [override])
    assert str(error.value) == message


@pytest.mark.parametrize("text", ["", "1.2.3", "1e5", "12a", "--1", "."])
def test_not_numbers(text):
    assert parse_number(text) is None


def test_effective_parameters_drive_the_decision(policy):
    native = engines.make_engine(EngineName.NATIF, policy)
    facts = {"expediteur.connexions": 60, "message": "x"}
    assert native.decide(facts).label == "sinon"
    values = effective_parameters(policy, {}, ["connexions_min=100"])
    assert native.decide(facts, values).label == "ligne 6"


def test_make_engine(policy, monkeypatch):
    assert isinstance(engines.make_engine(engines.parse_engine("natif"), policy), NativePolicy)
    with pytest.raises(engines.EngineUnavailable, match="moteur inconnu « rete »"):
        engines.parse_engine("rete")
    monkeypatch.setitem(__import__("sys").modules, "tamis.engine.durable_engine", None)
    with pytest.raises(engines.EngineUnavailable) as error:
        engines.make_engine(EngineName.DURABLE, policy)
    assert "n'est pas disponible" in str(error.value)
    assert "Python 3.13" in str(error.value) and "--moteur natif" in str(error.value)


def test_an_override_used_as_a_regular_expression_must_compile():
    policy = load(
        'paramètre motif_vente = "promo|offre"\n'
        "refuser si message correspond à motif_vente\nsinon examiner\n"
    )
    assert effective_parameters(policy, {}, ["motif_vente=rabais|solde"])["motif_vente"] == (
        "rabais|solde"
    )
    with pytest.raises(ParameterError) as error:
        effective_parameters(policy, {}, ["motif_vente=("])
    assert str(error.value) == (
        "« motif_vente » sert d'expression régulière (« correspond à »), mais « ( » est "
        "invalide : parenthèse ouverte jamais fermée (caractère 1 du motif) ; pour chercher "
        "un caractère spécial tel quel, faites-le précéder de « \\ »"
    )


def test_durable_unavailable_message_is_french_without_python_text():
    missing = ImportError("No module named 'durable'", name="durable")
    message = engines._unavailable(missing)
    assert "No module" not in message
    assert message.startswith("le moteur « durable » n'est pas disponible : durable-rules")
    assert message.endswith("Utilisez « --moteur natif », le moteur par défaut, qui décide pareil.")
