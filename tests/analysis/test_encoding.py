# ruff: noqa: E501  (one policy per line reads best)
"""What the translation proves on texts, numbers, parameters and resolutions (real domain).

Each case is a small policy and the codes ``tamis analyser`` must find on it; the examples
behind existence claims are checked by the engine inside the analysis itself.
"""

from __future__ import annotations

import pytest

from tamis.analysis.analyse import analyse_policy
from tamis.analysis.domain import invitation_domain
from tamis.analysis.invitation_oracle import InvitationOracle
from tamis.grammar.load import load_policy
from tamis.invitations.vocabulary import vocabulary

DOMAIN = invitation_domain()
ORACLE = InvitationOracle(DOMAIN)


def codes(source: str) -> list[tuple[str, int]]:
    policy, diagnostics = load_policy(source, "p.tamis", vocabulary())
    assert policy is not None, diagnostics
    found = analyse_policy(policy, DOMAIN, ORACLE)
    return [(f.code, f.span.line) for f in found if f.code not in ("A003", "A007")]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a longer needle implies the shorter one (case folded, as the engine compares)
        ('refuser si expediteur.titre contient "RECRUT"\n'
         'accepter si expediteur.titre contient "recruteur"\n', [("A001", 2)]),
        ('refuser si expediteur.titre contient "recruteur"\n'
         'accepter si expediteur.titre contient "recrut"\n', []),
        # starting with a prefix implies containing it
        ('refuser si expediteur.titre contient "rh"\n'
         'accepter si expediteur.titre commence par "rh "\n', [("A001", 2)]),
        # equal to a constant: each text atom is the engine's answer on that constant
        ('refuser si expediteur.titre = "Chef RH" et non (expediteur.titre contient "rh")\n', [("A002", 1)]),
        ('refuser si message = "Poste offert" et message correspond à "(?i)^poste"\n', []),
        ('refuser si message = "Poste offert" et non (message correspond à "(?i)^poste")\n', [("A002", 1)]),
        # numbers: whole, not negative, exact bounds
        ("refuser si expediteur.connexions entre 10 et 20\naccepter si expediteur.connexions > 9.5 et expediteur.connexions < 10\n", [("A002", 2)]),
        ("refuser si expediteur.connexions < 0\n", [("A002", 1)]),
        ("refuser si expediteur.connexions >= 100\nsignaler si expediteur.connexions dans [150, 200]\n", [("A001", 2)]),
        # built-in facts tied to fields: sans_photo is exactly non expediteur.photo
        ("refuser si sans_photo et expediteur.photo\n", [("A002", 1)]),
        ("refuser si expediteur.photo = faux\naccepter si sans_photo\n", [("A001", 2)]),
        # parameters at their values in force
        ("paramètre connexions_min = 0\nrefuser si peu_de_connexions\n", [("A002", 2)]),
        ("paramètre vedette_min = 100\nrefuser si expediteur.connexions > 100 et non connu\naccepter si fausse_vedette\n", [("A001", 3)]),
        # resolutions: the severest action wins whatever the order
        ("résolution refus_prioritaire\naccepter si connu\nsignaler si connu\n", [("A001", 2)]),
        ('résolution priorité\nrègle "a" priorité 1 : accepter si connu\nrègle "b" priorité 5 : refuser si connu ou sans_photo\n', [("A001", 2)]),
        # a definition and the relations between commercial facts
        ("définir vendeur si pitch_de_vente et non message_commercial\nrefuser si vendeur\n", [("A004", 1), ("A002", 2)]),
    ],
)  # fmt: skip
def test_what_is_proven(source: str, expected: list[tuple[str, int]]) -> None:
    assert sorted(codes(source + "sinon examiner\n")) == sorted(expected)
