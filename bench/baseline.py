"""The shipped policy ``policies/blogue.tamis`` written by hand as one if/elif chain.

The yardstick of ``bench/moteur.py``: what a programmer would write without a rule engine,
reading the same precomputed base facts (``None`` = inconnu). A rule applies only when its
condition is *vrai* (``is True``), the first applicable rule decides (``première_applicable``),
``non pertinent`` is vrai only when ``pertinent`` is faux, and ``peu_etabli`` is the Kleene
``et`` of its two facts (vrai only when both are vrai). ``tests/bench/test_baseline.py``
checks that it agrees with the engine on the benchmark's invitations.
"""

from __future__ import annotations

from collections.abc import Mapping

from tamis.grammar.vocabulary import Value


def decide(facts: Mapping[str, Value]) -> tuple[str, str]:
    """(action, deciding rule) for one invitation's base facts, as blogue.tamis decides."""
    f = facts.get
    if f("mensonge") is True:
        return "refuser", "mensonge"
    elif f("pitch_de_vente") is True:
        return "refuser", "pitch de vente"
    elif f("homonyme_d_un_contact") is True:
        return "refuser", "homonyme"
    elif f("connu") is True:
        return "accepter", "déjà connu"
    elif f("sans_photo") is True or f("profil_entreprise") is True:
        return "refuser", "photo"
    elif f("profil_incomplet") is True:
        return "refuser", "profil incomplet"
    elif f("peu_de_connexions") is True and f("sans_recommandations") is True:
        return "refuser", "peu établi"
    elif f("message_par_defaut") is True:
        return "refuser", "message par défaut"
    elif f("fausse_vedette") is True:
        return "refuser", "fausse vedette"
    elif f("pertinent") is True:
        return "accepter", "pertinent"
    elif f("pertinent") is False:
        return "ignorer", "hors domaine"
    else:
        return "examiner", "sinon"
