"""What each check of a draft means for the person about to send it, and what the guides say.

One entry per built-in fact that can find something wrong with an outgoing note: when the
fact has the value that signals a problem, the draft gets the finding, worded as advice
(never « Acceptée/Refusée »: nothing is decided, the user is the one sending). The order of
``CHECKS`` is the order findings are shown in: the most serious first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    """How much a finding weighs on the verdict (values: the French words users see)."""

    BLOQUANT = "à ne pas envoyer"
    A_RETOUCHER = "à retoucher"
    INFORMATION = "information"


class Verdict(Enum):
    PRETE = "prête à envoyer"
    A_RETOUCHER = "à retoucher"
    A_NE_PAS_ENVOYER = "à ne pas envoyer"


BLOG = "billet « Pourquoi je n'accepterai pas votre invitation LinkedIn »"
CHAMBER = "fiche « Comment gérer mes demandes de contact sur LinkedIn? »"


@dataclass(frozen=True)
class Check:
    """A built-in fact read on the draft, the value that signals a problem, and its advice."""

    code: str  # stable, as diagnostics' codes are: C0xx
    fact: str
    when: bool | None  # the fact's value that makes this finding (None: inconnu)
    severity: Severity
    title: str
    guide: str
    suggestion: str


CHECKS: tuple[Check, ...] = (
    Check(
        "C001",
        "message_commercial",
        True,
        Severity.BLOQUANT,
        "contenu commercial : un message électronique commercial exige le consentement du"
        " destinataire (Loi canadienne anti-pourriel)",
        f"{CHAMBER}, « Attention aux messages électroniques commerciaux non sollicités »",
        "Limitez votre note à une invitation à rejoindre votre réseau ; gardez l'offre pour"
        " plus tard, quand la personne y aura consenti.",
    ),
    Check(
        "C002",
        "mensonge",
        True,
        Severity.BLOQUANT,
        "votre note affirme un passé commun que votre propre contexte contredit",
        f"{BLOG} (« si vous inscrivez que nous sommes d'anciens collègues et que c'est faux »)",
        "Retirez l'affirmation, ou dites honnêtement comment vous connaissez la personne.",
    ),
    Check(
        "C003",
        "message_par_defaut",
        True,
        Severity.A_RETOUCHER,
        "texte par défaut de LinkedIn, ou aucune note",
        f"{CHAMBER}, « Personnalisez vos demandes » ; {BLOG} (« un peu paresseux »)",
        "Dix secondes suffisent : rappelez le contexte de votre rencontre ou la raison de votre"
        " demande (voir le modèle ci-dessous).",
    ),
    Check(
        "C004",
        "message_personnalise",
        False,
        Severity.A_RETOUCHER,
        "la note ne dit ni où vous vous êtes rencontrés ni pourquoi vous faites la demande",
        f"{CHAMBER}, « Personnalisez vos demandes »",
        "Mentionnez le contexte de votre rencontre (un événement, un projet, une personne en"
        " commun) ou la raison de votre demande.",
    ),
    Check(
        "C005",
        "connu",
        False,
        Severity.A_RETOUCHER,
        "le destinataire n'est pas dans votre réseau réel (contacts et exports du contexte)",
        f"{CHAMBER}, « Maintenez un réseau virtuel qui correspond à votre réseau réel » et"
        " « Ne vous exposez pas à des pénalités »",
        "Une personne qui déclare ne pas vous connaître expose votre profil aux pénalités de"
        " LinkedIn : écrivez-lui d'abord, ou dites clairement d'où vient la demande.",
    ),
    Check(
        "C006",
        "note_trop_longue",
        True,
        Severity.A_RETOUCHER,
        "la note dépasse les 300 caractères qu'accepte LinkedIn",
        "limite de LinkedIn pour la note d'une invitation (200 caractères pour un compte"
        " gratuit depuis 2023)",
        "Raccourcissez : une ou deux phrases sur le contexte suffisent.",
    ),
    Check(
        "C007",
        "connu",
        None,
        Severity.INFORMATION,
        "votre contexte ne décrit pas votre réseau : impossible de dire si vous connaissez le"
        " destinataire",
        f"{CHAMBER}, « Maintenez un réseau virtuel qui correspond à votre réseau réel »",
        "Ajoutez [reseau] contacts ou l'export Connections.csv à votre contexte (--contexte).",
    ),
)

FACTS_READ = tuple(dict.fromkeys(check.fact for check in CHECKS))


def verdict(severities: set[Severity]) -> Verdict:
    """The most serious severity found decides the verdict."""
    if Severity.BLOQUANT in severities:
        return Verdict.A_NE_PAS_ENVOYER
    if Severity.A_RETOUCHER in severities:
        return Verdict.A_RETOUCHER
    return Verdict.PRETE
