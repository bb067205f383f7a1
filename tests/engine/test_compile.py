"""The native engine: every operator, définir chains, resolutions, defaults, parameters.

Policies are written as text and go through the real parser and checker; a property test
compares the generated code with the tree-walking reference evaluator on random policies.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from native_helpers import build, load

from tamis.engine.compile import compile_policy, resolve
from tamis.engine.decision import Decision, EngineName
from tamis.engine.trace import Evaluator
from tamis.grammar import ast
from tamis.grammar.ast import Action, Strategy

OPERATOR_CASES = [
    ("expediteur.connexions < 50", {"expediteur.connexions": 12}, True),
    ("expediteur.connexions < 50", {"expediteur.connexions": 60}, False),
    ("expediteur.connexions < 50", {}, None),
    ("expediteur.connexions <= 50", {"expediteur.connexions": 50}, True),
    ("expediteur.connexions > 50", {"expediteur.connexions": 50}, False),
    ("expediteur.connexions >= 50", {"expediteur.connexions": 50}, True),
    ("expediteur.connexions = 50", {"expediteur.connexions": 50.0}, True),
    ("expediteur.connexions != 50", {"expediteur.connexions": 50}, False),
    ("expediteur.connexions ≠ 50", {}, None),
    ("expediteur.connexions < connexions_min", {"expediteur.connexions": 49}, True),
    ('expediteur.titre = "Recruteur"', {"expediteur.titre": "recruteur"}, False),
    ('expediteur.titre contient "recruteur"', {"expediteur.titre": "Chef RECRUTEUR"}, True),
    ("expediteur.titre contient « recruteur »", {"expediteur.titre": "Développeur"}, False),
    ('expediteur.titre contient "recruteur"', {}, None),
    ('expediteur.titre commence par "chef"', {"expediteur.titre": "Chef de projet"}, True),
    ('expediteur.titre commence par "chef"', {"expediteur.titre": "Sous-chef"}, False),
    ('expediteur.titre correspond à "^Chef\\s"', {"expediteur.titre": "Chef X"}, True),
    ('message correspond à "(?i)poste|emploi"', {"message": "Un EMPLOI ?"}, True),
    ('message correspond à "(?i)poste|emploi"', {"message": "Bonjour"}, False),
    ('message correspond à "(?i)poste|emploi"', {}, None),
    ('expediteur.secteur dans ["Marketing", "Médias"]', {"expediteur.secteur": "Médias"}, True),
    ('expediteur.secteur dans ["Marketing", "Médias"]', {"expediteur.secteur": "médias"}, False),
    ('expediteur.secteur dans ["Marketing"]', {}, None),
    ('expediteur.competences contient "python"', {"expediteur.competences": ("Python",)}, True),
    ('expediteur.competences contient "pyth"', {"expediteur.competences": ("Python",)}, False),
    ('expediteur.competences contient "python"', {}, None),
    ("expediteur.relations_communes entre 0 et 2", {"expediteur.relations_communes": 2}, True),
    ("expediteur.relations_communes entre 0 et 2", {"expediteur.relations_communes": 3}, False),
    ("expediteur.relations_communes entre 0 et 2", {}, None),
    ("expediteur.photo est renseigné", {}, False),
    ("expediteur.photo est renseigné", {"expediteur.photo": False}, True),
    ("expediteur.photo n'est pas renseigné", {}, True),
    ("non sans_photo", {"sans_photo": True}, False),
    ("non sans_photo", {}, None),
    ("sans_photo et connu", {"sans_photo": False}, False),
    ("sans_photo et connu", {"sans_photo": True}, None),
    ("sans_photo et connu", {"sans_photo": True, "connu": True}, True),
    ("sans_photo ou connu", {"sans_photo": True}, True),
    ("sans_photo ou connu", {"sans_photo": False}, None),
    ("sans_photo ou connu", {"sans_photo": False, "connu": False}, False),
    ("sans_photo ou connu ou pertinent", {"pertinent": True}, True),
    ("sans_photo ou connu ou pertinent", {"pertinent": False, "connu": False}, None),
    ("sans_photo et connu et pertinent", {"pertinent": False}, False),
    ("sans_photo et connu et pertinent", {"connu": True, "pertinent": True}, None),
    ("non (sans_photo ou connu)", {"connu": True}, False),
    ("(sans_photo ou connu) et non pertinent", {"connu": True, "pertinent": False}, True),
    ("expediteur.photo = faux et non connu", {"expediteur.photo": False, "connu": False}, True),
]


def outcome(decision: Decision) -> bool | None:
    """The truth value of the single rule of ``accepter si … sinon refuser``."""
    if decision.fired:
        return True
    return None if decision.unknown else False


@pytest.mark.parametrize(("condition", "facts", "expected"), OPERATOR_CASES)
def test_every_operator_with_known_and_unknown_values(condition, facts, expected):
    policy = load(f"accepter si {condition}\nsinon refuser\n")
    decision = compile_policy(policy).decide(facts)
    assert outcome(decision) is expected
    assert decision.action is (Action.ACCEPTER if expected else Action.REFUSER)
    reference = Evaluator(policy, facts, policy.parameters, {}).condition(policy.rules[0].condition)
    assert reference.value is expected


@pytest.mark.parametrize("word", ["ou", "et"])
def test_a_junction_of_thousands_of_conditions_compiles_and_decides_as_kleene(word):
    """« a ou b ou … » over 3,000 comparisons (valider accepts it): the generated chain nested
    one conditional expression per operand, and Python's compiler stopped with « maximum
    recursion depth exceeded during compilation », a traceback from decider, tester and
    analyser. Every value (vrai, faux, inconnu) still decides as the reference evaluator."""
    size = 3000
    wanted = "=" if word == "ou" else "!="
    terms = f" {word} ".join(f"expediteur.connexions {wanted} {i}" for i in range(size))
    policy = load(f"accepter si {terms} et sans_photo\nsinon refuser\n")
    native = compile_policy(policy)
    for connexions in (0, 1499, size - 1, size, None):
        for photo in (True, False, None):
            facts = {"expediteur.connexions": connexions, "sans_photo": photo}
            decision = native.decide(facts)
            reference = Evaluator(policy, facts, policy.parameters, {})
            assert outcome(decision) is reference.condition(policy.rules[0].condition).value


CHAIN = """
définir a si expediteur.connexions < connexions_min
définir c si b ou connu
définir b si a et sans_recommandations
refuser si c
sinon accepter
"""


@pytest.mark.parametrize(
    ("facts", "derived"),
    [
        (
            {"expediteur.connexions": 10, "sans_recommandations": True},
            {"a": True, "b": True, "c": True},
        ),
        (
            {"expediteur.connexions": 10, "sans_recommandations": False},
            {"a": True, "b": False, "c": None},
        ),
        (
            {"sans_recommandations": False, "connu": False},
            {"a": None, "b": False, "c": False},
        ),
        ({"sans_recommandations": True, "connu": True}, {"a": None, "b": None, "c": True}),
    ],
)
def test_definir_chain_in_stratified_order(facts, derived):
    decision = compile_policy(load(CHAIN)).decide(facts)
    assert dict(decision.derived) == derived
    assert decision.action is (Action.REFUSER if derived["c"] else Action.ACCEPTER)


class CountingFacts(Mapping):
    """A facts mapping that counts how often each present name is read."""

    def __init__(self, values: dict) -> None:
        self.values = values
        self.reads: dict[str, int] = {}

    def __getitem__(self, name: str):
        value = self.values[name]
        self.reads[name] = self.reads.get(name, 0) + 1
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


@pytest.mark.parametrize("complete", [True, False])
def test_each_base_value_is_read_once(complete):
    policy = load(CHAIN + "examiner si connu ou expediteur.connexions > 5\n")
    values = {"expediteur.connexions": 3, "sans_recommandations": True}
    if complete:
        values["connu"] = False
    facts = CountingFacts(values)
    decision = compile_policy(policy).decide(facts)
    assert facts.reads and max(facts.reads.values()) == 1
    assert dict(decision.facts) == {"connu": values.get("connu"), **values}


def test_decision_records_what_it_read_and_which_rules_fired():
    policy = load(
        'règle "photo" : refuser si sans_photo\n'
        "accepter si connu\n"
        "examiner si pertinent\n"
        "signaler si message_par_defaut\n"
    )
    decision = compile_policy(policy).decide({"sans_photo": True, "connu": True, "extra": 1})
    assert decision.action is Action.REFUSER
    assert decision.rule.label == "photo" and decision.label == "photo"
    assert [r.label for r in decision.fired] == ["photo", "ligne 2"]
    assert [r.label for r in decision.unknown] == ["ligne 3", "ligne 4"]
    assert decision.facts == {
        "sans_photo": True,
        "connu": True,
        "pertinent": None,
        "message_par_defaut": None,
    }
    assert decision.parameters is policy.parameters
    assert decision.engine is EngineName.NATIF
    assert decision.strategy is Strategy.PREMIERE_APPLICABLE


SEVERAL = """
accepter si connu
règle "r1" : refuser si sans_photo
ignorer si pertinent
règle "r2" : refuser si message_par_defaut
signaler si profil_entreprise
"""


@pytest.mark.parametrize(
    ("facts", "label"),
    [
        ({"connu": True, "sans_photo": True, "profil_entreprise": True}, "ligne 7"),
        ({"connu": True, "sans_photo": True, "message_par_defaut": True}, "r1"),
        ({"connu": True, "pertinent": True, "message_par_defaut": True}, "r2"),
        ({"connu": True, "pertinent": True}, "ligne 5"),
        ({"connu": True}, "ligne 3"),
    ],
)
def test_refus_prioritaire_most_severe_then_file_order(facts, label):
    policy = load("résolution refus_prioritaire\n" + SEVERAL)
    assert compile_policy(policy).decide(facts).label == label


def test_premiere_applicable_first_fired_in_file_order():
    policy = load(SEVERAL)
    facts = {"sans_photo": True, "profil_entreprise": True, "pertinent": True}
    assert compile_policy(policy).decide(facts).label == "r1"


PRIORITIES = """
résolution priorité
règle "bas" priorité 1 : accepter si connu
règle "haut" priorité 10 : refuser si sans_photo
règle "haut aussi" priorité 10 : signaler si pertinent
règle "moyen" priorité 5 : ignorer si message_par_defaut
"""


@pytest.mark.parametrize(
    ("facts", "label"),
    [
        ({"connu": True, "sans_photo": True, "pertinent": True}, "haut"),
        ({"connu": True, "pertinent": True, "message_par_defaut": True}, "haut aussi"),
        ({"connu": True, "message_par_defaut": True}, "moyen"),
        ({"connu": True}, "bas"),
    ],
)
def test_priorite_highest_wins_ties_by_file_order(facts, label):
    assert compile_policy(load(PRIORITIES)).decide(facts).label == label


def test_sinon_decides_when_no_rule_fires():
    decision = compile_policy(load("refuser si sans_photo\nsinon ignorer\n")).decide({})
    assert decision.action is Action.IGNORER
    assert decision.rule is None and decision.label == "sinon" and decision.motif is None
    assert [r.label for r in decision.unknown] == ["ligne 1"]


def test_implicit_default_is_examiner():
    policy = load("refuser si sans_photo\n")
    decision = compile_policy(policy).decide({"sans_photo": False})
    assert decision.action is Action.EXAMINER and decision.rule is None
    assert decision.fired == () and decision.unknown == ()


def test_motif_is_kept():
    policy = load('règle "vente" : signaler si pitch_de_vente\n    motif "Pas de vente."\n')
    decision = compile_policy(policy).decide({"pitch_de_vente": True})
    assert decision.motif == "Pas de vente."


def test_parameters_override_policy_values():
    policy = load(
        "paramètre connexions_min = 100\n"
        "refuser si expediteur.connexions < connexions_min\nsinon accepter\n"
    )
    native = compile_policy(policy)
    facts = {"expediteur.connexions": 80}
    assert native.decide(facts).action is Action.REFUSER
    assert (
        native.decide(facts, {**policy.parameters, "connexions_min": 50}).action is Action.ACCEPTER
    )
    assert native.decide(facts, {}).action is Action.ACCEPTER  # no value: inconnu, sinon decides


def test_text_and_list_parameters_are_read_at_run_time():
    policy = load(
        'paramètre secteurs = ["Finance"]\nparamètre mot = "vente"\n'
        "refuser si expediteur.secteur dans secteurs ou message contient mot\nsinon accepter\n"
    )
    native = compile_policy(policy)
    assert native.decide({"expediteur.secteur": "Finance"}).action is Action.REFUSER
    assert native.decide({"message": "VENTE flash", "expediteur.secteur": "TI"}).action is (
        Action.REFUSER
    )
    overridden = {**policy.parameters, "mot": "achat", "secteurs": ("TI",)}
    assert native.decide({"message": "vente", "expediteur.secteur": "TI"}, overridden).action is (
        Action.REFUSER
    )
    assert native.decide({"message": "vente", "expediteur.secteur": "RH"}, overridden).action is (
        Action.ACCEPTER
    )


def test_compiles_once_and_exposes_its_source():
    native = compile_policy(load("refuser si sans_photo\n"))
    assert native.source.startswith("def decide(facts, parameters=None):")
    assert native.decide({"sans_photo": True}) == native.decide({"sans_photo": True})


# --- random policies: generated code == reference evaluator ------------------------

BOOLEANS = ["sans_photo", "connu", "pertinent", "expediteur.photo"]
NUMBERS = ["expediteur.connexions", "expediteur.relations_communes"]
TEXTS = ["expediteur.titre", "message"]
WORDS = ["Chef", "chef", "recruteur", "É", ""]

numbers = st.integers(-2, 60)
number_operand = st.one_of(
    st.sampled_from(NUMBERS).map(ast.Ref),
    st.just(ast.Ref("connexions_min")),
    numbers.map(ast.Literal),
)
word = st.sampled_from(WORDS).map(ast.Literal)


def leaves(defined: tuple[str, ...]) -> st.SearchStrategy[ast.Expr]:
    orders = st.sampled_from([ast.Op.EQ, ast.Op.NE, ast.Op.LT, ast.Op.LE, ast.Op.GT, ast.Op.GE])
    texts = st.sampled_from(TEXTS).map(ast.Ref)
    text_ops = st.sampled_from([ast.Op.EQ, ast.Op.CONTAINS, ast.Op.STARTS_WITH, ast.Op.MATCHES])
    skills = ast.Ref("expediteur.competences")
    word_list = st.lists(word, max_size=3).map(lambda items: ast.ListLiteral(tuple(items)))
    return st.one_of(
        st.sampled_from([*BOOLEANS, *defined]).map(ast.Ref),
        st.booleans().map(ast.Literal),
        st.builds(ast.Compare, orders, number_operand, number_operand),
        st.builds(ast.Compare, text_ops, texts, word),
        st.builds(ast.Compare, st.just(ast.Op.CONTAINS), texts, texts),
        st.builds(ast.Compare, st.just(ast.Op.CONTAINS), st.just(skills), word),
        st.builds(ast.Compare, st.just(ast.Op.IN), texts, word_list),
        st.builds(ast.Between, number_operand, number_operand, number_operand),
        st.builds(
            ast.IsSet, st.sampled_from(BOOLEANS + NUMBERS + TEXTS).map(ast.Ref), st.booleans()
        ),
    )


@functools.cache
def conditions(defined: tuple[str, ...]) -> st.SearchStrategy[ast.Expr]:
    return st.recursive(
        leaves(defined),
        lambda inner: st.one_of(
            inner.map(ast.Not),
            st.lists(inner, min_size=2, max_size=4).map(lambda ops: ast.And(tuple(ops))),
            st.lists(inner, min_size=2, max_size=4).map(lambda ops: ast.Or(tuple(ops))),
        ),
        max_leaves=8,
    )


@st.composite
def policies(draw):
    statements: list[ast.Statement] = [ast.Resolution(draw(st.sampled_from(list(Strategy))))]
    defined: list[str] = []
    for i in range(draw(st.integers(0, 3))):
        statements.append(ast.Definition(f"d{i}", draw(conditions(tuple(defined)))))
        defined.append(f"d{i}")
    for i in range(draw(st.integers(0, 5))):
        action = draw(st.sampled_from(list(Action)))
        priority = draw(st.integers(0, 3))
        condition = draw(conditions(tuple(defined)))
        statements.append(ast.Rule(action, condition, f"r{i}", priority))
    if draw(st.booleans()):
        statements.append(ast.Default(draw(st.sampled_from(list(Action)))))
    return build(*statements)


def maybe(values: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), values)


base_facts = st.fixed_dictionaries(
    {},
    optional={
        **{name: maybe(st.booleans()) for name in BOOLEANS},
        **{name: maybe(numbers) for name in NUMBERS},
        **{
            name: maybe(st.sampled_from(["Chef recruteur", "chef", "Écrivain", "É", ""]))
            for name in TEXTS
        },
        "expediteur.competences": maybe(st.lists(st.sampled_from(WORDS)).map(tuple)),
    },
)


def reference(policy, facts, parameters) -> tuple[dict, list]:
    derived: dict = {}
    evaluator = Evaluator(policy, facts, parameters, derived)
    for definition in policy.definitions:
        derived[definition.name] = evaluator.condition(definition.condition).value
    return derived, [evaluator.condition(rule.condition).value for rule in policy.rules]


@settings(max_examples=300, deadline=None)
@given(policies(), base_facts, maybe(numbers))
def test_generated_code_agrees_with_the_reference_evaluator(policy, facts, threshold):
    parameters = {**policy.parameters, "connexions_min": threshold}
    native = compile_policy(policy)
    decision = native.decide(facts, parameters)
    derived, values = reference(policy, facts, parameters)
    assert dict(decision.derived) == derived
    assert [r.index for r in decision.fired] == [i for i, v in enumerate(values) if v is True]
    assert [r.index for r in decision.unknown] == [i for i, v in enumerate(values) if v is None]
    assert decision.rule == resolve(policy.strategy, decision.fired)
    expected = decision.rule.action if decision.rule else policy.default
    assert decision.action is expected
    assert native.decide(dict(facts), parameters) == decision  # memoized outcomes are the same


def test_deep_nesting_compiles_to_code_linear_in_the_policy():
    condition: ast.Expr = ast.Ref("connu")
    for depth in range(60):
        other = ast.Ref(BOOLEANS[depth % len(BOOLEANS)])
        junction = ast.And if depth % 2 else ast.Or
        condition = junction((ast.Not(other), condition) if depth % 3 else (condition, other))
    policy = build(ast.Rule(Action.REFUSER, condition))
    native = compile_policy(policy)
    assert len(native.source) < 60 * 400
    for facts in ({}, {"connu": True}, dict.fromkeys(BOOLEANS, False)):
        _, values = reference(policy, facts, policy.parameters)
        assert outcome(native.decide(facts)) is values[0]
