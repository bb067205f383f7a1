"""How to produce, on a real invitation and context, each value of each built-in fact.

Used by ``tamis analyser`` / ``tamis comparer`` to turn the solver's answer ("``connu`` faux,
``sans_photo`` vrai, ``expediteur.connexions`` = 12") into an invitation JSON and a context
that the real engine then decides. Each fact lists, for vrai, faux and inconnu, *patches*
that edit a ``Draft`` (the invitation as JSON, the context as TOML data); the builder in
``tamis.analysis.invitation_oracle`` tries them in order and keeps the first after which the
real fact code (``tamis.invitations.facts``) gives the wanted value. A patch never changes a
field the analysis fixed (``Draft.pinned``): it returns False instead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tamis.grammar.vocabulary import Value
from tamis.invitations.models import OUTGOING

ABSENT = object()


@dataclass
class Draft:
    invitation: dict[str, Any]
    context: dict[str, dict[str, Any]]
    parameters: Mapping[str, Value]
    pinned: frozenset[str] = frozenset()  # fields whose value the analysis fixed

    def copy(self) -> Draft:
        return Draft(_deep(self.invitation), _deep(self.context), self.parameters, self.pinned)

    def put(self, path: str, value: Any) -> bool:
        """Set (or, with ``ABSENT``, remove) an invitation key such as ``expediteur.nom``."""
        if path in self.pinned:
            return _get(self.invitation, path) == value
        _set(self.invitation, path, value)
        return True

    @property
    def files(self) -> dict[str, str]:
        """Files the context cites (``[reseau] fichiers``): name -> text."""
        return self.context.get("fichiers", {})

    def note(self, section: str, key: str, values: list[str]) -> bool:
        """Set a context list (``moi.domaines``, ``reseau.contacts``)."""
        self.context.setdefault(section, {})[key] = values
        return True


Patch = Callable[[Draft], bool]


def _deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep(v) for v in value]
    return value


def _get(data: dict[str, Any], path: str) -> Any:
    for part in path.split(".")[:-1]:
        data = data.get(part, {})
    return data.get(path.split(".")[-1], ABSENT)


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    if value is ABSENT:
        data.pop(last, None)
    else:
        data[last] = value


def puts(**paths: Any) -> Patch:
    """A patch setting several keys (``__`` stands for ``.``: ``expediteur__nom``)."""

    def patch(draft: Draft) -> bool:
        return all(draft.put(path.replace("__", "."), value) for path, value in paths.items())

    return patch


def both(*patches: Patch) -> Patch:
    return lambda draft: all(patch(draft) for patch in patches)


def with_parameters(make: Callable[[Mapping[str, Value]], Patch]) -> Patch:
    return lambda draft: make(draft.parameters)(draft)


# --- the network: connu -------------------------------------------------------------------

PERSON = "Camille Témoin"
PERSON_URL = "https://www.linkedin.com/in/camille-temoin"
STRANGER = "Dominique Absente"


def _known_person(draft: Draft, in_network: bool) -> bool:
    """Someone to look up (sender, or recipient if outgoing) and a network with or without."""
    if _get(draft.invitation, "sens") == OUTGOING:
        draft.invitation["destinataire"] = {"nom": PERSON}
        who = PERSON
    elif _get(draft.invitation, "expediteur.nom") not in (ABSENT, None, ""):
        who = _get(draft.invitation, "expediteur.nom")
    elif draft.put("expediteur.nom", PERSON):
        who = PERSON
    elif draft.put("expediteur.profil_url", PERSON_URL) or _has_url(draft):
        who = _get(draft.invitation, "expediteur.profil_url")
    else:
        return False
    contacts = [who] if in_network else [STRANGER]
    return draft.note("reseau", "contacts", contacts)


def _by_address(draft: Draft, in_network: bool) -> bool:
    """Someone known by profile address only (no name), in the network or not."""
    if _get(draft.invitation, "sens") == OUTGOING:
        draft.invitation["destinataire"] = {"profil_url": PERSON_URL}
    elif not (
        draft.put("expediteur.profil_url", PERSON_URL) and draft.put("expediteur.nom", ABSENT)
    ):
        return False
    return draft.note("reseau", "contacts", [PERSON_URL if in_network else STRANGER])


def _named_at_address(draft: Draft) -> bool:
    """Someone with a name and an address, the address in the network (no namesake)."""
    if _get(draft.invitation, "sens") == OUTGOING:
        draft.invitation["destinataire"] = {"nom": PERSON, "profil_url": PERSON_URL}
    elif not (
        draft.put("expediteur.profil_url", PERSON_URL) and draft.put("expediteur.nom", PERSON)
    ):
        return False
    return draft.note("reseau", "contacts", [PERSON_URL])


EXPORT = "Connections.csv"
NAMESAKE_URL = "https://www.linkedin.com/in/camille-temoin-homonyme"


def _namesake(draft: Draft) -> bool:
    """A contact of the same name whose profile address (from an export) differs."""
    if _get(draft.invitation, "sens") == OUTGOING:
        draft.invitation["destinataire"] = {"nom": PERSON, "profil_url": PERSON_URL}
        name = PERSON
    elif draft.put("expediteur.profil_url", PERSON_URL) and draft.put("expediteur.nom", PERSON):
        name = PERSON
    else:
        return False
    first, _, last = name.partition(" ")
    rows = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    draft.context["fichiers"] = {EXPORT: f"{rows}{first},{last},{NAMESAKE_URL},,,,14 Mar 2016\n"}
    draft.context.get("reseau", {}).pop("contacts", None)
    return True


def _has_url(draft: Draft) -> bool:
    return _get(draft.invitation, "expediteur.profil_url") not in (ABSENT, None, "")


def _no_network(draft: Draft) -> bool:
    draft.context.get("reseau", {}).pop("contacts", None)
    return True


def _nobody(draft: Draft) -> bool:
    """A described network, but no one to look up."""
    return (
        draft.put("expediteur.nom", ABSENT)
        and draft.put("expediteur.profil_url", ABSENT)
        and draft.note("reseau", "contacts", [STRANGER])
    )


# --- texts ----------------------------------------------------------------------------------

STOCK_NOTE = "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn."
PERSONAL_NOTE = "Bonjour, nous avons discuté au congrès de Québec la semaine dernière."
PLAIN_NOTE = "Bonjour, au plaisir d'échanger."
PITCH = "Découvrez notre plateforme : réservez un appel de 15 minutes pour une démo gratuite."
INVESTMENT = "Opportunité d'investissement : revenu passif garanti, investissez maintenant."
CLAIM = "Anciens collègues chez Témoin Industries."
UNVERIFIABLE = "Nous nous sommes rencontrés."
DOMAIN = "astrophysique"


def _message(text: Any) -> Patch:
    return puts(message=text)


def _inmail(text: Any) -> Patch:
    return puts(inmail=text)


# --- the profile ----------------------------------------------------------------------------


def _count(name: str, wanted: Callable[[Mapping[str, Value]], int | None]) -> Patch:
    def patch(draft: Draft) -> bool:
        value = wanted(draft.parameters)
        return value is not None and value >= 0 and draft.put(f"expediteur.{name}", value)

    return patch


def _below(limit: Value) -> int | None:
    value = math.ceil(limit) - 1  # type: ignore[arg-type]
    return value if value >= 0 else None


_SECTIONS: dict[str, dict[str, dict[str, Any]]] = {
    "travail": {
        "oui": {"expediteur.entreprise": "Acme Témoin"},
        "non": {"expediteur.entreprise": "", "expediteur.experiences": []},
        "?": {"expediteur.entreprise": ABSENT, "expediteur.experiences": ABSENT},
    },
    "etudes": {
        "oui": {"expediteur.formation": ["Université Laval"]},
        "non": {"expediteur.formation": []},
        "?": {"expediteur.formation": ABSENT},
    },
    "interets": {
        "oui": {"expediteur.centres_interet": ["vélo"]},
        "non": {"expediteur.centres_interet": [], "expediteur.competences": []},
        "?": {"expediteur.centres_interet": ABSENT, "expediteur.competences": ABSENT},
    },
}


def _sections(states: tuple[str, str, str]) -> Patch:
    def patch(draft: Draft) -> bool:
        chosen = [_SECTIONS[s][state] for s, state in zip(_SECTIONS, states, strict=True)]
        return all(draft.put(path, value) for paths in chosen for path, value in paths.items())

    return patch


_ALL_SECTIONS = tuple(_sections(s) for s in itertools.product(("oui", "non", "?"), repeat=3))


def _related_field(draft: Draft) -> bool:
    draft.note("moi", "domaines", [DOMAIN])
    for path in ("expediteur.titre", "expediteur.poste", "expediteur.secteur"):
        if path not in draft.pinned:
            return draft.put(path, "Astrophysique appliquée")
    return draft.put("expediteur.competences", ["Astrophysique"])


def _unrelated(draft: Draft) -> bool:
    draft.note("moi", "domaines", [DOMAIN])
    for path in ("expediteur.titre", "expediteur.poste", "expediteur.secteur"):
        if _get(draft.invitation, path) not in (ABSENT, None):
            return True
    return any(
        draft.put(path, "Comptabilité")
        for path in ("expediteur.titre", "expediteur.poste", "expediteur.secteur")
        if path not in draft.pinned
    )


def _no_domains(draft: Draft) -> bool:
    draft.context.get("moi", {}).pop("domaines", None)
    return True


@dataclass(frozen=True)
class Recipe:
    """Patches to try, in order, for each value of a fact."""

    vrai: tuple[Patch, ...] = ()
    faux: tuple[Patch, ...] = ()
    inconnu: tuple[Patch, ...] = ()
    other: tuple[Patch, ...] = field(default=())  # for numbers: ways to make it known

    def patches(self, value: Value) -> tuple[Patch, ...]:
        if value is None:
            return self.inconnu
        if isinstance(value, bool):
            return self.vrai if value else self.faux
        return self.other


RECIPES: dict[str, Recipe] = {
    "connu": Recipe(
        vrai=(lambda d: _known_person(d, True), _named_at_address, lambda d: _by_address(d, True)),
        faux=(lambda d: _known_person(d, False), lambda d: _by_address(d, False)),
        inconnu=(_no_network, _nobody),
    ),
    "sans_photo": Recipe(
        vrai=(puts(expediteur__photo=False),),
        faux=(puts(expediteur__photo=True),),
        inconnu=(puts(expediteur__photo=ABSENT),),
    ),
    "profil_entreprise": Recipe(
        vrai=(puts(expediteur__type="entreprise"), puts(expediteur__nom="Témoin Inc.")),
        faux=(puts(expediteur__type="personne"),),
        inconnu=(puts(expediteur__type=ABSENT),),
    ),
    "profil_incomplet": Recipe(vrai=_ALL_SECTIONS, faux=_ALL_SECTIONS, inconnu=_ALL_SECTIONS),
    "peu_de_connexions": Recipe(
        vrai=(
            with_parameters(lambda p: _count("connexions", lambda _: _below(p["connexions_min"]))),
        ),
        faux=(
            with_parameters(
                lambda p: _count("connexions", lambda _: math.ceil(p["connexions_min"]))
            ),
        ),
        inconnu=(puts(expediteur__connexions=ABSENT),),
    ),
    "sans_recommandations": Recipe(
        vrai=(puts(expediteur__recommandations=0),),
        faux=(puts(expediteur__recommandations=3),),
        inconnu=(puts(expediteur__recommandations=ABSENT),),
    ),
    "fausse_vedette": Recipe(
        vrai=(
            with_parameters(
                lambda p: _count("connexions", lambda _: math.floor(p["vedette_min"]) + 1)
            ),
        ),
        faux=(puts(expediteur__connexions=0), lambda d: _known_person(d, True)),
        inconnu=(puts(expediteur__connexions=ABSENT), _no_network),
    ),
    "message_par_defaut": Recipe(
        vrai=(_message(""), _message(STOCK_NOTE)),
        faux=(_message(PLAIN_NOTE), _message(PERSONAL_NOTE), _message(PITCH)),
        inconnu=(_message(ABSENT),),
    ),
    "message_personnalise": Recipe(
        vrai=(_message(PERSONAL_NOTE),),
        faux=(_message(""), _message(PLAIN_NOTE), _message(STOCK_NOTE)),
        inconnu=(_message(ABSENT),),
    ),
    "pitch_de_vente": Recipe(
        vrai=(_message(PITCH), _inmail(PITCH)),
        faux=(both(_message(""), _inmail(ABSENT)), _inmail(ABSENT), _message(INVESTMENT)),
        inconnu=(both(_message(ABSENT), _inmail(ABSENT)), _inmail(INVESTMENT)),
    ),
    "message_commercial": Recipe(
        vrai=(_message(PITCH), _inmail(PITCH), _message(INVESTMENT), _inmail(INVESTMENT)),
        faux=(both(_message(""), _inmail(ABSENT)), _inmail(ABSENT), _message(PLAIN_NOTE)),
        inconnu=(both(_message(ABSENT), _inmail(ABSENT)), _inmail(PLAIN_NOTE)),
    ),
    "message.score_commercial": Recipe(
        other=(_message(""), _message(PITCH), _message(INVESTMENT), _message(PLAIN_NOTE)),
        inconnu=(_message(ABSENT),),
    ),
    "mensonge": Recipe(
        vrai=(
            both(puts(relation_declaree=CLAIM), lambda d: d.note("moi", "entreprises", ["Ludis"])),
            both(_message(CLAIM), lambda d: d.note("moi", "entreprises", ["Ludis"])),
        ),
        faux=(puts(relation_declaree=ABSENT), both(puts(relation_declaree=ABSENT), _message(""))),
        inconnu=(
            puts(relation_declaree=ABSENT, message=ABSENT),
            puts(relation_declaree=UNVERIFIABLE),
        ),
    ),
    "homonyme_d_un_contact": Recipe(
        vrai=(_namesake,),
        faux=(lambda d: _known_person(d, False), _named_at_address),
        inconnu=(_no_network, _nobody, lambda d: _by_address(d, False)),
    ),
    "note_trop_longue": Recipe(
        vrai=(
            _message("Bonjour, bonne journée à vous. " * 12),
            _message(" ".join([PITCH] * 4)),
            _message("Bonjour ! " + "Nous nous sommes croisés au congrès. " * 10),
        ),
        faux=(_message(""), _message(PLAIN_NOTE)),
        inconnu=(_message(ABSENT),),
    ),
    "pertinent": Recipe(
        vrai=(_related_field,),
        faux=(_unrelated,),
        inconnu=(_no_domains,),
    ),
}
"""Every built-in fact of ``tamis.invitations.vocabulary.FACTS`` that can be produced."""

ORDER = (
    "connu", "homonyme_d_un_contact", "sans_photo", "profil_entreprise", "profil_incomplet",
    "peu_de_connexions", "sans_recommandations", "fausse_vedette", "pertinent",
    "message_par_defaut", "message_personnalise", "pitch_de_vente", "message_commercial",
    "message.score_commercial", "note_trop_longue", "mensonge",
)  # fmt: skip
"""The order facts are produced in: a fact that reads another comes after it."""
