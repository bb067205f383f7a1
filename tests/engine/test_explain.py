"""The French explanation and the JSON form of a decision (exact texts), as each decision's
``Explained`` holds them."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import orjson
from native_helpers import load

from tamis.engine.compile import compile_policy
from tamis.engine.explainer import Explainer

POLICY = """politique "Mon réseau"
paramètre connexions_min = 50
définir suspect si expediteur.connexions < connexions_min et sans_recommandations

règle "vente" : signaler si pitch_de_vente ou message_commercial
    motif "Une invitation n'est pas un argumentaire de vente."
règle "photo" : refuser si sans_photo ou profil_entreprise
refuser si suspect et non connu
accepter si connu et non (sans_photo ou profil_entreprise)
sinon examiner
"""
KNOWN = {
    "pitch_de_vente": False,
    "message_commercial": False,
    "sans_photo": False,
    "profil_entreprise": False,
}


def explained(facts, evidence=None, source=POLICY):
    policy = load(source)
    decision = compile_policy(policy).decide(facts)
    return Explainer(policy)(decision, evidence or {}).explanation


def test_the_issue_example():
    facts = {**KNOWN, "sans_photo": True}
    evidence = {"sans_photo": "expediteur.photo absente"}
    assert explained(facts, evidence) == (
        "Refusée par la règle « photo » (ligne 7) : sans_photo est vrai (expediteur.photo absente)."
    )


def test_every_true_operand_of_ou_is_given_and_the_motif_follows():
    facts = {**KNOWN, "pitch_de_vente": True, "message_commercial": True}
    evidence = {"pitch_de_vente": "« démo gratuite » dans la note"}
    assert explained(facts, evidence) == (
        "Signalée par la règle « vente » (ligne 5) : pitch_de_vente est vrai "
        "(« démo gratuite » dans la note) et message_commercial est vrai. "
        "Motif : Une invitation n'est pas un argumentaire de vente."
    )


def test_derived_facts_are_explained_by_their_definition():
    facts = {**KNOWN, "expediteur.connexions": 12, "sans_recommandations": True, "connu": False}
    assert explained(facts) == (
        "Refusée par la règle de la ligne 8 : suspect est vrai (expediteur.connexions (12) "
        "< connexions_min (50) et sans_recommandations est vrai) et connu est faux."
    )


def test_negations_explain_the_false_operands():
    facts = {**KNOWN, "connu": True}
    assert explained(facts, {"connu": "dans vos contacts"}) == (
        "Acceptée par la règle de la ligne 9 : connu est vrai (dans vos contacts) "
        "et sans_photo est faux et profil_entreprise est faux."
    )


def test_comparisons_that_are_false():
    source = "ignorer si non (expediteur.connexions > 500)\n"
    assert explained({"expediteur.connexions": 12}, source=source) == (
        "Ignorée par la règle de la ligne 1 : expediteur.connexions (12) > 500 est faux."
    )


def test_examiner_and_constant_conditions():
    assert explained({}, source='règle "tout" : examiner si vrai\n') == (
        "À examiner selon la règle « tout » (ligne 1) : la condition est toujours vraie."
    )


def test_sinon_names_the_rules_left_unknown_and_the_missing_data():
    facts = {**KNOWN, "expediteur.connexions": 12}
    evidence = {"sans_recommandations": "recommandations absentes du profil"}
    assert explained(facts, evidence) == (
        "Aucune règle ne s'applique : décision par défaut (sinon) examiner. "
        "Règles restées inconnues faute de données : règle de la ligne 8 — "
        "sans_recommandations inconnu (recommandations absentes du profil), connu inconnu ; "
        "règle de la ligne 9 — connu inconnu."
    )


def test_sinon_without_unknown_rules():
    facts = {**KNOWN, "expediteur.connexions": 500, "connu": False}
    assert explained(facts) == "Aucune règle ne s'applique : décision par défaut (sinon) examiner."


def test_implicit_default_says_there_is_no_sinon():
    assert explained({"sans_photo": False}, source="refuser si sans_photo\n") == (
        "Aucune règle ne s'applique : décision par défaut examiner "
        "(la politique n'a pas de « sinon »)."
    )


# A narrow no-break space (U+202F) groups the thousands, as in every French count of tamis.
NUMBERS = (
    "paramètre plafond = 12 500\n"
    'règle "grand" : refuser si expediteur.connexions > plafond'
    " et expediteur.connexions entre 0,5 et 1000000\n"
    'règle "liste" : signaler si expediteur.connexions dans [0.5, 1500, 2]\n'
)


def test_numbers_are_written_the_french_way_in_explanations_and_trace_details():
    policy = load(NUMBERS)
    decision = compile_policy(policy).decide({"expediteur.connexions": 25000})
    found = Explainer(policy)(decision, {})
    assert found.explanation == (
        "Refusée par la règle « grand » (ligne 2) : expediteur.connexions (25\u202f000) > "
        "plafond (12\u202f500) et expediteur.connexions (25\u202f000) entre 0,5 et "
        "1\u202f000\u202f000."
    )
    leaves = found.json["trace"][0]["condition"]["enfants"]
    assert [leaf["detail"] for leaf in leaves] == [
        "expediteur.connexions (25\u202f000) > plafond (12\u202f500)",
        "expediteur.connexions (25\u202f000) entre 0,5 et 1\u202f000\u202f000",
    ]
    # the condition itself stays in the formatter's canonical form
    assert leaves[1]["condition"] == "expediteur.connexions entre 0.5 et 1000000"


def test_a_list_keeps_its_decimal_points_and_groups_its_thousands():
    policy = load(NUMBERS)
    found = Explainer(policy)(compile_policy(policy).decide({"expediteur.connexions": 1500}), {})
    assert found.explanation == (
        "Signalée par la règle « liste » (ligne 3) : "
        "expediteur.connexions (1\u202f500) dans [0.5, 1\u202f500, 2]."
    )


def test_decision_as_json():
    policy = load(POLICY)
    decision = compile_policy(policy).decide({**KNOWN, "sans_photo": True})
    evidence = {"sans_photo": "pas de photo", "connu": "pas dans le contexte"}
    data = Explainer(policy)(decision, evidence).json
    assert orjson.loads(orjson.dumps(data)) == data
    assert list(data) == [
        "resolution",
        "declenchees",
        "inconnues",
        "faits",
        "faits_derives",
        "parametres",
        "preuves",
        "trace",
    ]
    assert data["resolution"] == "première_applicable"
    assert data["declenchees"] == [{"decision": "refuser", "ligne": 7, "regle": "photo"}]
    assert data["inconnues"] == [{"decision": "refuser", "ligne": 8, "regle": "ligne 8"}]
    assert data["faits_derives"] == {"suspect": None}
    assert data["parametres"]["connexions_min"] == 50
    assert data["preuves"] == {"sans_photo": "pas de photo"}  # only what the trace shows
    (photo,) = data["trace"]
    assert (photo["regle"], photo["ligne"], photo["decisive"]) == ("photo", 7, True)
    assert photo["condition"]["enfants"][0] == {"condition": "sans_photo", "valeur": "vrai"}


def test_sinon_as_json():
    policy = load("refuser si sans_photo\nsinon ignorer\n")
    explained = Explainer(policy)(compile_policy(policy).decide({}), {})
    data = explained.json
    assert explained.decision.label == "sinon" and explained.decision.motif is None
    assert data["declenchees"] == [] and data["inconnues"][0]["regle"] == "ligne 1"
    assert [entry["regle"] for entry in data["trace"]] == ["ligne 1"]


# --- byte-for-byte pins over the shipped examples ---------------------------------------------
# ``exemples_attendus.json`` holds what the explanation, the printed output (JSON and text),
# the trace of every rule (JSON and text) and the journal record content were for every
# shipped example invitation under each shipped policy,
# with and without the example context. Any change to how a decision is traced, explained or
# recorded must keep these bytes. Regenerate only for an intended change of output:
# ``python tests/engine/test_explain.py`` (run from the repository root).

ROOT = Path(__file__).resolve().parents[2]
EXEMPLES = ROOT / "policies" / "exemples"
GOLDEN = Path(__file__).with_name("exemples_attendus.json")
FULL = {"blogue.tamis|tamis.toml|inv-01", "chambre.tamis|-|inv-07", "blogue.tamis|-|inv-30"}


def shipped_outputs() -> dict[str, dict]:
    """For each (policy, context, invitation): the texts in full, the larger outputs digested
    (a few records in full, for readability)."""
    from tamis.invitations.reader import read_invitations
    from tamis.triage.pipeline import SetupOptions, decide_records, prepare

    out: dict[str, dict] = {}
    for policy_path in sorted((ROOT / "policies").glob("*.tamis")):
        for context in (None, EXEMPLES / "tamis.toml"):
            options = SetupOptions(str(policy_path), str(context) if context else None)
            setup = prepare(options)
            records = read_invitations(EXEMPLES / "invitations.jsonl", name="invitations.jsonl")
            where = f"{policy_path.name}|{context.name if context else '-'}"
            for decided in decide_records(setup, records):
                key = f"{where}|{decided.invitation.id}"
                out[key] = _outputs(key, setup.policy, decided)
    return out


def _outputs(key, policy, decided) -> dict:
    from tamis.audit.record import decision_content
    from tamis.engine.explained import trace_json
    from tamis.engine.trace import render_trace, trace_decision
    from tamis.triage.pipeline import result_json, result_text

    decided = decided._replace(duration_ms=0.0)
    decision = decided.decision
    content = dict(
        decision_content(
            decided, policy=policy, policy_sha256="", context_sha256=None, minimise=False
        )
    )
    content["politique"] = {**content["politique"], "chemin": Path(policy.path).name}
    content.pop("version_tamis")
    every = trace_decision(policy, decision, every_rule=True)
    entry = {
        "explication": decided.explained.explanation,
        "texte": _digest(result_text(decided, trace=True)),
        "contenu": _digest(content),
        "sortie_json": _digest(result_json(decided, trace=True)),
        "trace_complete": _digest(trace_json(every)),
        "trace_texte": _digest(render_trace(every)),
    }
    if key in FULL:
        entry["contenu_complet"] = content
    return entry


def _digest(data) -> str:
    canonical = orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()


def test_shipped_examples_are_explained_traced_and_recorded_as_pinned():
    expected = orjson.loads(GOLDEN.read_bytes())
    actual = shipped_outputs()
    assert sorted(actual) == sorted(expected)
    for key, outputs in actual.items():
        assert outputs == expected[key], key


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    GOLDEN.write_bytes(orjson.dumps(shipped_outputs(), option=orjson.OPT_INDENT_2) + b"\n")
